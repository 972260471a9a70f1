import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '@oclif/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliConfig, EXAMPLE } from '../policy/support';

// trace, generate and harden: flags, help and the errors found before any engine work.
// Runs the compiled commands (dist/): `npm test` compiles first.
let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-cmd-'));
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'seccomp', 'traces'), { recursive: true, force: true });
  file = path.join(dir, 'docker-compose.yml');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out = await runCommand(args, await cliConfig());
  return {
    ...out,
    exit: out.error?.oclif?.exit ?? (out.error ? 1 : 0),
    // typed errors are printed by BaseCommand (stderr), oclif's own parse errors are thrown
    message: `${out.error?.message ?? ''}\n${out.stderr}`,
  };
}

describe('trace', () => {
  it('--help teaches both recorders and the exit codes', async () => {
    const { stdout } = await run('trace', '--help');
    expect(stdout).toMatch(/--recorder=<option>/);
    expect(stdout).toMatch(/--recorder bpf records without strace/);
    expect(stdout).toMatch(/130 interrupted/);
  });
  it('needs a SERVICE (or --cleanup): exit 2', async () => {
    const r = await run('trace', '-f', file);
    expect(r.exit).toBe(2);
    expect(r.message).toMatch(/missing SERVICE/);
  });
  it('knows only the two recorders: exit 2', async () => {
    const r = await run('trace', 'postgres', '--recorder', 'ebpf', '-f', file);
    expect(r.exit).toBe(2);
    expect(r.message).toMatch(/strace, bpf/);
  });
  it('refuses strace-only flags with the bpf recorder: exit 2', async () => {
    const r = await run('trace', 'postgres', '--recorder', 'bpf', '--replace', '-f', file);
    expect(r.exit).toBe(2);
    expect(r.message).toMatch(/--replace and --strace-option go with --recorder strace only/);
  });
  it('an unknown service lists the project’s: exit 2', async () => {
    const r = await run('trace', 'postgress', '-f', file);
    expect(r.exit).toBe(2);
    expect(r.message).toMatch(/pgbouncer/); // the hint lists the services
  });
});

describe('generate', () => {
  it('without traces says where it looked and what to run: exit 2', async () => {
    const r = await run('generate', 'postgres', '-f', file);
    expect(r.exit).toBe(2);
    expect(r.message).toContain(
      `no traces for postgres under ${path.join(dir, 'seccomp', 'traces', 'postgres')}`,
    );
    expect(r.message).toMatch(/trace postgres/);
  });
  it('--help names --compat32 and the report file', async () => {
    const { stdout } = await run('generate', '--help');
    expect(stdout).toMatch(/--compat32/);
    expect(stdout).toMatch(/NAME\.report\.json/);
  });
});

describe('harden', () => {
  it('--help documents --apply, --trace-dir and --recorder', async () => {
    const { stdout } = await run('harden', '--help');
    for (const f of ['--apply', '--trace-dir=<value>', '--recorder=<option>', '--rounds=<value>'])
      expect(stdout).toContain(f);
    expect(stdout).toMatch(/never rewritten/);
  });
  it('bounds --rounds: exit 2', async () => {
    const r = await run('harden', 'postgres', '--rounds', '0', '-f', file);
    expect(r.exit).toBe(2);
  });
});
