import { describe, expect, it } from 'vitest';
import { decideOutcome, type OutcomeInput } from '../../../src/trace/collect';

const base: OutcomeInput = {
  interrupted: false,
  service: 'db',
  files: 3,
  lines: 120,
  outputDir: '/p/seccomp/traces/db/20260101T000000Z',
  stop: { by: 'stop', status: 0 },
  execs: [{ command: 'pgbench -i', exitCode: 0 }],
  host: null,
};

describe('decideOutcome: what a session that collected traces tells the user', () => {
  it('collected → exit 0', () => {
    expect(decideOutcome(base)).toEqual({
      outcome: 'collected',
      exitCode: 0,
      message: 'collected 3 trace files (120 lines) in /p/seccomp/traces/db/20260101T000000Z',
    });
  });

  it('a non-zero status after our own stop is not a failure (SIGTERM → 143)', () => {
    expect(decideOutcome({ ...base, stop: { by: 'stop', status: 143 } }).outcome).toBe('collected');
  });

  it('interrupted wins over everything, exit 130, and says the traces were kept', () => {
    const r = decideOutcome({
      ...base,
      interrupted: true,
      unhealthy: 'became unhealthy',
      stop: { by: 'self', status: 1 },
    });
    expect(r).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(r.message).toMatch(/^interrupted; kept 3 trace files/);
    expect(decideOutcome({ ...base, interrupted: true, files: 0 }).message).toBe(
      'interrupted; no trace files were written',
    );
  });

  it('the service failing on its own or becoming unhealthy → exit 1', () => {
    expect(decideOutcome({ ...base, stop: { by: 'self', status: 2 } })).toMatchObject({
      outcome: 'service-failed',
      exitCode: 1,
      message: expect.stringMatching(/^db exited with status 2 while traced; kept 3 trace files/),
    });
    expect(decideOutcome({ ...base, unhealthy: 'became unhealthy' }).message).toMatch(
      /^db became unhealthy; kept/,
    );
    expect(decideOutcome({ ...base, stop: { by: 'self', status: 0 } }).outcome).toBe('collected');
  });

  it('no trace files at all → the service failed (strace never ran)', () => {
    expect(decideOutcome({ ...base, files: 0 })).toMatchObject({ outcome: 'service-failed', exitCode: 1 });
  });

  it('a failing exec or host workload → workload-failed, exit 1; a cut-short one is not a failure', () => {
    expect(decideOutcome({ ...base, execs: [{ command: 'pgbench -i', exitCode: 1 }] })).toMatchObject({
      outcome: 'workload-failed',
      exitCode: 1,
      message: expect.stringMatching(/^workload "pgbench -i" exited with status 1/),
    });
    expect(decideOutcome({ ...base, host: { command: './load.sh', exitCode: 3 } }).outcome).toBe(
      'workload-failed',
    );
    expect(decideOutcome({ ...base, host: { command: './load.sh', exitCode: null } }).outcome).toBe(
      'collected',
    );
  });
});
