import * as path from 'node:path';
import { runCommand } from '@oclif/test';
import { describe, expect, it } from 'vitest';
import { StatusReport } from '../../../src/policy';
import { cliConfig, EXAMPLE } from '../policy/support';

// Runs the compiled commands (package.json points oclif at dist/commands/lazy.js): `npx tsc -p tsconfig.build.json` first.
const file = path.join(EXAMPLE, 'docker-compose.yml');

/** Service names go before `-f`: a repeatable flag takes every following word as a value. */
async function status(...args: string[]) {
  const out = await runCommand(['status', ...args, '-f', file], await cliConfig());
  return { ...out, exit: out.error?.oclif?.exit ?? (out.error ? 1 : 0) };
}

describe('docker coredata status', () => {
  it('--json reports every service of the example project', async () => {
    const { exit, stdout, stderr } = await status('--json');
    expect(exit, stderr).toBe(0);
    const report = StatusReport.parse(JSON.parse(stdout));
    const by = Object.fromEntries(report.services.map((s) => [s.service, s]));
    expect(by.postgres).toMatchObject({
      source: 'compose',
      state: 'present',
      profilePath: path.join(EXAMPLE, 'seccomp', 'postgres.json'),
      capDrop: ['ALL'],
      allowedSyscalls: { basis: 'allow-rules' },
    });
    expect(Object.keys(by)).toEqual(
      expect.arrayContaining(['postgres', 'pgbouncer', 'valkey', 'volume_prep']),
    );
  });

  it('shows only the named services, with the env override as source', async () => {
    process.env.CORE_DATA_SECCOMP_VALKEY = 'seccomp=unconfined';
    try {
      const { exit, stdout } = await status('valkey', 'postgres', '--json');
      expect(exit).toBe(0);
      const report = StatusReport.parse(JSON.parse(stdout));
      expect(report.services.map((s) => [s.service, s.source, s.state])).toEqual([
        ['valkey', 'env', 'unconfined'],
        ['postgres', 'compose', 'present'],
      ]);
    } finally {
      delete process.env.CORE_DATA_SECCOMP_VALKEY;
    }
  });

  it('prints a table by default', async () => {
    const { exit, stdout } = await status();
    expect(exit).toBe(0);
    expect(stdout).toMatch(/^SERVICE\s+SOURCE\s+SPEC\s+STATE\s+ALLOWED\s+CAP_DROP$/m);
    expect(stdout).toMatch(/^postgres\s+compose\s+seccomp\/postgres\.json\s+present\s+\d+\s+ALL$/m);
  });

  it('exits 2 on an unknown service and lists the services', async () => {
    const { exit, stderr } = await status('nosuch');
    expect(exit).toBe(2);
    expect(stderr).toMatch(/nosuch/);
    expect(stderr).toMatch(/postgres/);
  });
});
