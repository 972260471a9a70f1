import { describe, expect, it } from 'vitest';
import { OUTCOME_EXIT, TraceManifest, TraceResult } from '../../../src/trace/manifest';

const manifest = {
  schemaVersion: 1,
  session: '20260101T000000Z-abc123',
  project: 'shop',
  service: 'db',
  image: { ref: 'coredata-test/postgres:15', id: 'sha256:1111', architecture: 'amd64' },
  entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
  command: ['postgres'],
  user: 'postgres',
  capAdd: [],
  capDrop: ['ALL'],
  noNewPrivileges: true,
  securityOpt: ['no-new-privileges=true'],
  readOnly: false,
  healthcheck: ['CMD', 'pg_isready'],
  strace: {
    source: 'portable',
    version: '6.1',
    launcher: ['/opt/core_data/bin/strace'],
    options: [],
    mode: 'wrapper',
  },
  workload: {
    durationSeconds: null,
    waitHealthy: true,
    exec: [{ command: 'pgbench -i', exitCode: 0 }],
    host: null,
    interactive: false,
  },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:12.000Z',
  durationSeconds: 12,
  exit: { status: 0, by: 'stop', oomKilled: false },
  files: [{ name: 'main.12.trace', source: 'main', pid: 12, bytes: 100, lines: 4 }],
  skipped: [{ name: 'traces/evil', reason: 'symbolic link → /etc/passwd' }],
};

describe('the manifest and result schemas (the contract of manifest.json and trace --json)', () => {
  it('accepts a complete manifest', () => {
    expect(TraceManifest.parse(manifest)).toEqual(manifest);
  });

  it('pins the manifest keys', () => {
    expect(Object.keys(TraceManifest.shape).sort()).toEqual(
      [
        'capAdd',
        'capDrop',
        'command',
        'durationSeconds',
        'entrypoint',
        'exit',
        'files',
        'finishedAt',
        'healthcheck',
        'image',
        'noNewPrivileges',
        'project',
        'readOnly',
        'replaced',
        'schemaVersion',
        'securityOpt',
        'service',
        'session',
        'skipped',
        'startedAt',
        'strace',
        'user',
        'workload',
      ].sort(),
    );
  });

  it.each([
    ['an unknown file source', { files: [{ name: 'x', source: 'other', pid: 1, bytes: 0, lines: 0 }] }],
    ['negative line counts', { files: [{ name: 'x', source: 'main', pid: 1, bytes: 0, lines: -1 }] }],
    ['another schema version', { schemaVersion: 2 }],
    [
      'a missing strace version',
      { strace: { source: 'portable', launcher: [], options: [], mode: 'wrapper' } },
    ],
    ['an unknown stop', { exit: { status: 0, by: 'magic', oomKilled: false } }],
  ])('refuses %s', (_what, patch) => {
    expect(TraceManifest.safeParse({ ...manifest, ...patch }).success).toBe(false);
  });

  it('maps outcomes to the command contract exit codes', () => {
    expect(OUTCOME_EXIT).toEqual({
      collected: 0,
      'service-failed': 1,
      'workload-failed': 1,
      interrupted: 130,
    });
  });

  it('accepts a result and refuses an exit code outside the contract', () => {
    const result = {
      outcome: 'interrupted',
      exitCode: 130,
      message: 'interrupted; kept 1 trace file',
      session: manifest.session,
      project: 'shop',
      service: 'db',
      outputDir: '/p/seccomp/traces/db/20260101T000000Z',
      manifestPath: '/p/seccomp/traces/db/20260101T000000Z/manifest.json',
      files: 1,
      lines: 4,
      bytes: 100,
      exitStatus: 0,
      skipped: [],
      warnings: [],
      manifest,
    };
    expect(TraceResult.parse(result).outcome).toBe('interrupted');
    expect(TraceResult.safeParse({ ...result, exitCode: 2 }).success).toBe(false);
  });
});
