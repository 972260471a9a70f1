import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '@oclif/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/commands/index';
import { LAZY_COMMANDS } from '../../../src/commands/lazy';

// @oclif/test loads the npm layout (package.json → dist/commands/lazy.js): `npm test` compiles first.
const root = process.cwd();

describe('version', () => {
  it('prints the package version', async () => {
    const { stdout } = await runCommand(['version'], { root });
    expect(stdout.trim()).toBe(
      `docker coredata ${JSON.parse(fs.readFileSync('package.json', 'utf8')).version}`,
    );
  });
  it('--json prints one JSON document', async () => {
    const { stdout } = await runCommand(['version', '--json'], { root });
    expect(JSON.parse(stdout)).toMatchObject({ version: expect.any(String), node: process.version });
  });
  it('rejects unknown flags as a usage error (exit 2)', async () => {
    const { error } = await runCommand(['version', '--bogus'], { root });
    expect(error?.oclif?.exit).toBe(2);
  });
});

describe('help', () => {
  it('lists every command with its summary', async () => {
    const { stdout } = await runCommand(['--help'], { root });
    for (const id of Object.keys(COMMANDS)) expect(stdout).toContain(id);
  });
  it('doctor --help explains the endpoint precedence and exit codes', async () => {
    const { stdout } = await runCommand(['doctor', '--help'], { root });
    expect(stdout).toMatch(/DOCKER_CONTEXT/);
    expect(stdout).toMatch(/3 the engine could not be reached/);
  });
});

describe('doctor', () => {
  it('an unreachable engine is one sentence naming the endpoint, exit 3', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    try {
      const { error, stderr } = await runCommand(['doctor'], { root });
      expect(error?.oclif?.exit).toBe(3);
      expect(stderr).toMatch(/cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 \(env DOCKER_HOST\)/);
      expect(stderr).toMatch(/Hint:/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe('install / uninstall', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-install-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('installs into --dir, links --standalone, and is idempotent', async () => {
    const plugins = path.join(dir, 'cli-plugins');
    const bin = path.join(dir, 'bin');
    const first = await runCommand(['install', '--dir', plugins, '--standalone', bin], { root });
    expect(first.stdout).toMatch(/installed\s+.*cli-plugins\/docker-coredata/);
    expect(first.stdout).toMatch(/linked\s+.*bin\/docker-core-data/);
    expect(fs.statSync(path.join(plugins, 'docker-coredata')).mode & 0o111).toBeTruthy();
    expect(fs.readlinkSync(path.join(bin, 'docker-core-data'))).toBe(path.join(plugins, 'docker-coredata'));
    const again = await runCommand(['install', '--dir', plugins, '--standalone', bin, '--json'], { root });
    expect(JSON.parse(again.stdout).actions.map((a: { action: string }) => a.action)).toEqual([
      'unchanged',
      'unchanged',
    ]);

    const gone = await runCommand(['uninstall', '--dir', plugins, '--standalone', bin], { root });
    expect(gone.stdout).toMatch(/removed/);
    expect(fs.existsSync(path.join(plugins, 'docker-coredata'))).toBe(false);
    expect(fs.existsSync(path.join(bin, 'docker-core-data'))).toBe(false);
    const twice = await runCommand(['uninstall', '--dir', plugins, '--json'], { root });
    expect(JSON.parse(twice.stdout).actions).toEqual([
      { path: path.join(plugins, 'docker-coredata'), action: 'absent' },
    ]);
  });

  it('refuses to replace a regular file with the standalone link', async () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'docker-core-data'), 'mine');
    const { error, stderr } = await runCommand(
      ['install', '--dir', path.join(dir, 'p'), '--standalone', bin],
      { root },
    );
    expect(error?.oclif?.exit).toBe(2);
    expect(stderr).toMatch(/not a symlink/);
    expect(fs.readFileSync(path.join(bin, 'docker-core-data'), 'utf8')).toBe('mine');
  });
});

describe('the lazy command map oclif loads (src/commands/lazy.ts)', () => {
  it('has the commands of the eager map', () => {
    // Keys only: its getters require the compiled modules, which vitest does not provide.
    expect(Object.keys(LAZY_COMMANDS)).toEqual(Object.keys(COMMANDS));
  });
});

describe('oclif.manifest.json', () => {
  it('is current with the command classes (regenerate with `npm run manifest`)', () => {
    const manifest = JSON.parse(fs.readFileSync('oclif.manifest.json', 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown>; args: Record<string, unknown> }>;
    };
    const shape = (flags: object, args: object) => ({
      flags: Object.keys(flags).sort(),
      args: Object.keys(args),
    });
    const fromManifest = Object.fromEntries(
      Object.entries(manifest.commands).map(([id, c]) => [id, shape(c.flags, c.args)]),
    );
    const fromClasses = Object.fromEntries(
      Object.entries(COMMANDS).map(([id, c]) => [id, shape({ ...c.baseFlags, ...c.flags }, c.args ?? {})]),
    );
    expect(fromManifest).toEqual(fromClasses);
  });
});
