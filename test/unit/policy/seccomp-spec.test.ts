import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors';
import {
  countAllowedSyscalls,
  effectiveCapabilities,
  hasNoNewPrivileges,
  projectStatus,
  resolveSeccompSpec,
  StatusReport,
} from '../../../src/policy';
import { SeccompProfile } from '../../../src/profile/schema';
import { memFs, PROJECT_DIR, project, service, TIGHT_PROFILE } from './helpers';

const postgres = service('postgres');

describe('seccomp spec resolution', () => {
  it('takes the compose security_opt when no override is exported', () => {
    expect(resolveSeccompSpec(postgres, {})).toEqual({
      source: 'compose',
      envVar: 'CORE_DATA_SECCOMP_POSTGRES',
      spec: 'seccomp:seccomp/postgres.json',
      value: 'seccomp/postgres.json',
    });
  });

  it('lets an exported CORE_DATA_SECCOMP_<SERVICE> override compose, in all four spellings', () => {
    for (const [raw, value] of [
      ['seccomp:/etc/p.json', '/etc/p.json'],
      ['seccomp=/etc/p.json', '/etc/p.json'],
      ['seccomp:unconfined', 'unconfined'],
      ['seccomp=unconfined', 'unconfined'],
    ]) {
      expect(resolveSeccompSpec(postgres, { CORE_DATA_SECCOMP_POSTGRES: raw })).toMatchObject({
        source: 'env',
        value,
      });
    }
  });

  it('mangles the service name: upper case, "-" and "." become "_"', () => {
    const svc = service('logical-backup.v2');
    const env = { CORE_DATA_SECCOMP_LOGICAL_BACKUP_V2: 'seccomp:/o.json' };
    expect(resolveSeccompSpec(svc, env)).toMatchObject({
      source: 'env',
      envVar: 'CORE_DATA_SECCOMP_LOGICAL_BACKUP_V2',
      value: '/o.json',
    });
    // another service's variable does not apply
    expect(resolveSeccompSpec(postgres, env).source).toBe('compose');
  });

  it('ignores an exported but empty override', () => {
    expect(resolveSeccompSpec(postgres, { CORE_DATA_SECCOMP_POSTGRES: '' }).source).toBe('compose');
  });

  it('rejects an override that is not a seccomp option as bad input', () => {
    expect(() => resolveSeccompSpec(postgres, { CORE_DATA_SECCOMP_POSTGRES: '/etc/p.json' })).toThrow(
      UsageError,
    );
    expect(() => resolveSeccompSpec(postgres, { CORE_DATA_SECCOMP_POSTGRES: 'seccomp:' })).toThrow(
      /not a seccomp option/,
    );
  });

  it('uses the last seccomp entry of security_opt, as Docker does, and reports none without one', () => {
    const svc = service('app', { security_opt: ['seccomp=a.json', 'label:disable', 'seccomp:b.json'] });
    expect(resolveSeccompSpec(svc, {})).toMatchObject({
      source: 'compose',
      spec: 'seccomp:b.json',
      value: 'b.json',
    });
    expect(resolveSeccompSpec(service('app', { security_opt: [] }), {})).toMatchObject({
      source: 'none',
      spec: null,
    });
  });
});

describe('status of a project', () => {
  const files = {
    [`${PROJECT_DIR}/seccomp/postgres.json`]: TIGHT_PROFILE,
    [`${PROJECT_DIR}/seccomp/bad.json`]: '{"defaultAction": "SCMP_ACT_NOPE"}',
    '/override/p.json': JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }],
    }),
  };
  const stack = project([
    postgres,
    service('bad', { security_opt: ['seccomp:seccomp/bad.json'] }),
    service('gone'),
    service('loose', { security_opt: ['seccomp:unconfined'] }),
    service('plain', { security_opt: [], cap_drop: [], profiles: ['debug'] }),
  ]);

  it('resolves paths from the project directory and reports each state', () => {
    const report = StatusReport.parse(projectStatus(stack, {}, undefined, memFs(files)));
    const by = Object.fromEntries(report.services.map((s) => [s.service, s]));
    expect(by.postgres).toMatchObject({
      state: 'present',
      profilePath: `${PROJECT_DIR}/seccomp/postgres.json`,
      allowedSyscalls: { count: 3, basis: 'allow-rules' },
      capDrop: ['ALL'],
      effectiveCaps: [],
      noNewPrivileges: true,
    });
    expect(by.bad).toMatchObject({ state: 'invalid', allowedSyscalls: null });
    expect(by.bad?.problems.join()).toMatch(/defaultAction/);
    expect(by.gone).toMatchObject({ state: 'missing', profilePath: `${PROJECT_DIR}/seccomp/gone.json` });
    expect(by.loose).toMatchObject({ state: 'unconfined', profilePath: null });
    // a service behind an inactive compose profile is still reported
    expect(by.plain).toMatchObject({ state: 'none', source: 'none', profiles: ['debug'] });
    expect(by.plain?.effectiveCaps).toHaveLength(14);
  });

  it('prefers the override for the status too and says where it came from', () => {
    const report = projectStatus(
      stack,
      { CORE_DATA_SECCOMP_POSTGRES: 'seccomp=/override/p.json' },
      ['postgres'],
      memFs(files),
    );
    expect(report.services).toHaveLength(1);
    expect(report.services[0]).toMatchObject({
      source: 'env',
      spec: 'seccomp=/override/p.json',
      profilePath: '/override/p.json',
      state: 'present',
      allowedSyscalls: { basis: 'default-allow' },
    });
  });

  it('resolves a relative override from the project directory', () => {
    const report = projectStatus(
      stack,
      { CORE_DATA_SECCOMP_GONE: 'seccomp:seccomp/postgres.json' },
      ['gone'],
      memFs(files),
    );
    expect(report.services[0]).toMatchObject({
      source: 'env',
      profilePath: `${PROJECT_DIR}/seccomp/postgres.json`,
      state: 'present',
    });
  });

  it('reads and parses a profile once however many services share it', () => {
    const shared = { security_opt: ['seccomp:seccomp/postgres.json'] };
    const many = project(Array.from({ length: 20 }, (_, i) => service(`s${i}`, shared)));
    const fs = memFs(files);
    projectStatus(many, {}, undefined, fs);
    expect(fs.reads).toEqual([`${PROJECT_DIR}/seccomp/postgres.json`]);
  });
});

describe('allowed-syscall count', () => {
  it('counts distinct ALLOW names when the default denies', () => {
    const p = SeccompProfile.parse({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['write', 'clone'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }],
        },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
    expect(countAllowedSyscalls(p, new Set())).toEqual({ count: 3, basis: 'allow-rules' });
  });

  it('counts every known name not denied outright when the default allows', () => {
    const p = SeccompProfile.parse({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mount'], action: 'SCMP_ACT_ERRNO' },
        { names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    });
    expect(countAllowedSyscalls(p, new Set(['read', 'write', 'mount', 'clone']))).toEqual({
      count: 3,
      basis: 'default-allow',
    });
  });
});

describe('no-new-privileges', () => {
  it.each([
    [['no-new-privileges'], true],
    [['no-new-privileges:true'], true],
    [['no-new-privileges=true'], true],
    [['no-new-privileges:false'], false],
    [['no-new-privileges:true', 'no-new-privileges=false'], false],
    [['seccomp:x.json'], false],
  ])('%j → %s', (opts, expected) => expect(hasNoNewPrivileges(opts)).toBe(expected));
});

describe('effective capabilities', () => {
  it("starts from Docker's 14 defaults, drops, then adds (any spelling)", () => {
    const caps = effectiveCapabilities(['net_admin'], ['CAP_NET_RAW', 'mknod'], false);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_NET_RAW');
    expect(caps).not.toContain('CAP_MKNOD');
    expect(caps).toHaveLength(13);
  });
  it('cap_drop ALL keeps only cap_add', () => {
    expect(effectiveCapabilities(['NET_BIND_SERVICE'], ['ALL'], false)).toEqual(['CAP_NET_BIND_SERVICE']);
  });
  it('cap_add ALL grants everything but cap_drop', () => {
    const caps = effectiveCapabilities(['ALL'], ['SYS_ADMIN'], false);
    expect(caps).toContain('CAP_SYS_PTRACE');
    expect(caps).not.toContain('CAP_SYS_ADMIN');
  });
  it('privileged grants everything whatever cap_drop says', () => {
    expect(effectiveCapabilities([], ['ALL'], true)).toContain('CAP_SYS_ADMIN');
  });
});
