import { runCommand } from '@oclif/test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/main';
import { plainVersionRequest } from '../../../src/plugin/version';

// @oclif/test loads the npm layout (package.json → dist/commands/lazy.js): `npm test` compiles first.
const root = process.cwd();

/** What main() writes to stdout (it answers plain `version` itself, without oclif). */
async function mainStdout(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await main(args);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('plain `version` without oclif (main.ts fast path)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('takes exactly `version` and `version --json`', () => {
    expect(plainVersionRequest(['version'], {})).toEqual({ json: false });
    expect(plainVersionRequest(['version', '--json'], {})).toEqual({ json: true });
    for (const argv of [
      [],
      ['version', '--help'],
      ['version', '-h'],
      ['version', '--json', '--json'],
      ['version', '--bogus'],
      ['version', 'extra'],
      ['--json', 'version'],
      ['doctor'],
    ])
      expect(plainVersionRequest(argv, {}), argv.join(' ')).toBeUndefined();
    expect(plainVersionRequest(['version'], { DEBUG: '*' })).toBeUndefined();
  });

  it('prints what the version command prints through oclif', async () => {
    for (const args of [['version'], ['version', '--json']]) {
      const { stdout } = await runCommand(args, { root });
      expect(stdout).toMatch(/\d+\.\d+\.\d+/);
      expect(await mainStdout(args)).toBe(stdout);
      expect(await mainStdout(['coredata', ...args])).toBe(stdout);
    }
  });
});
