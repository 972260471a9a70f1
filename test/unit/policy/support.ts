import * as path from 'node:path';
import { Config, Plugin } from '@oclif/core';
import { loadProject, type ComposeProject } from '../../../src/compose';

export const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'policy');
export const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'core-data');

/** A fixture project loaded by the built-in loader, as `verify` loads it. */
export function loadFixture(dir: string): ComposeProject {
  const projectDirectory = path.isAbsolute(dir) ? dir : path.join(FIXTURES, dir);
  return loadProject({ projectDirectory, env: {}, cwd: projectDirectory });
}

/**
 * The oclif config of this package, `{root: process.cwd()}`, with its commands read from the
 * compiled command map (dist/commands/lazy.js) rather than from oclif.manifest.json, which
 * lags behind until `npm run manifest` runs again.
 */
export async function cliConfig(): Promise<Config> {
  const root = process.cwd();
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true });
  await plugin.load();
  return Config.load({ root, plugins: new Map([[plugin.name, plugin]]) });
}
