import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLUGIN_NAME } from '../../../src/plugin/metadata';
import { PluginMetadata } from '../../../src/plugin/metadata-schema';

const metadata = JSON.parse(readFileSync('docker-plugin-metadata.json', 'utf8'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

describe('docker-plugin-metadata.json', () => {
  it('is valid plugin metadata', () => {
    expect(PluginMetadata.safeParse(metadata).success).toBe(true);
  });
  it('carries the package version', () => {
    expect(metadata.Version).toBe(pkg.version);
  });
  it('names a plugin docker accepts', () => {
    expect(PLUGIN_NAME).toMatch(/^[a-z][a-z0-9]*$/);
  });
});
