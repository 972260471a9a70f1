import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAsset } from '../../../src/assets';
import { findHostStrace } from '../../../src/trace/portable-strace';

/**
 * The PID 1 wrapper, run here on the host under the shells it meets in images (dash, busybox sh):
 * it must insert strace's output flags, forward stop signals to the traced command (not to
 * strace), wait for strace, and exit with the command's status.
 */
const wrapper = path.resolve('seccomp/trace_entrypoint.sh');
const strace = findHostStrace();
const shells = [['/bin/sh'], ...(fs.existsSync('/bin/busybox') ? [['/bin/busybox', 'sh']] : [])];
if (!strace && process.env.CI === 'true') throw new Error('CI=true but strace is not installed');
if (!strace) process.stderr.write('skipping wrapper tests: no strace on this machine\n');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-wrapper-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const traces = () => fs.readdirSync(dir).filter((f) => f.startsWith('main.'));
const allText = () =>
  traces()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');

describe.skipIf(!strace)('seccomp/trace_entrypoint.sh', () => {
  it.each(shells)('exits with the command status and writes main.<pid> files (%s)', (...shell) => {
    const r = spawnSync(
      shell[0] as string,
      [...shell.slice(1), wrapper, `${dir}/main`, strace as string, '-qq', '--', 'sh', '-c', 'exit 7'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(7);
    expect(traces().length).toBeGreaterThan(0);
    expect(allText()).toMatch(/exit_group\(7\)/);
  });

  it.each(shells)(
    'forwards SIGTERM to the traced command and records its shutdown (%s)',
    async (...shell) => {
      const script = 'trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.1; done';
      const child = spawn(
        shell[0] as string,
        [...shell.slice(1), wrapper, `${dir}/main`, strace as string, '--', 'sh', '-c', script],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      for (let i = 0; i < 100 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      expect(await exited).toBe(5);
      expect(out).toContain('got-term');
      const text = allText();
      expect(text).toMatch(/--- SIGTERM \{si_signo=SIGTERM/);
      expect(text).toMatch(/exit_group\(5\)/);
    },
  );

  it('refuses to run without the -- separator', () => {
    const r = spawnSync('/bin/sh', [wrapper, `${dir}/main`, strace as string, 'true', 'x'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing --/);
  });
});

describe('readAsset', () => {
  it('reads the wrapper from the package root (the same file in src/ and dist/ layouts)', () => {
    expect(readAsset('seccomp/trace_entrypoint.sh')).toBe(fs.readFileSync(wrapper, 'utf8'));
  });
});
