import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allowedNames,
  capSet,
  ENOSYS,
  ENOSYS_PROBES,
  findExcess,
  generateProfile,
  readProfile,
  ruleApplies,
  runtimeBaseline,
  SeccompProfile,
  syscallNames,
} from '../../../src/profile';
import { wantsCompat32 } from '../../../src/profile/from-traces';
import type { SyscallArch } from '../../../src/profile/syscalls';
import { emptySummary, parseTraceSession, syscallUsers } from '../../../src/trace/parser';
import { rng } from '../../helpers/rng';

const ROOT = join(__dirname, '../../..');
const DEFAULT = readProfile(join(ROOT, 'seccomp/docker-default.json'));

const defaultNames = [...new Set((DEFAULT.syscalls ?? []).flatMap((r) => r.names ?? []))];
const UNIVERSE = [
  ...new Set([
    ...defaultNames,
    ...syscallNames('x86_64'),
    ...syscallNames('x86'),
    ...syscallNames('aarch64'),
  ]),
  'syscall_0x3e7',
  '????',
  'not_a_syscall',
];
const CAPS = [
  ...new Set(
    (DEFAULT.syscalls ?? []).flatMap((r) => [...(r.includes?.caps ?? []), ...(r.excludes?.caps ?? [])]),
  ),
  'CAP_NET_ADMIN',
  'NET_BIND_SERVICE',
  'chown',
];

/** Names the default lets through for these caps on some arch/kernel (its other conditions kept). */
function defaultAllows(caps: string[]): Set<string> {
  const set = capSet(caps);
  return new Set(
    (DEFAULT.syscalls ?? [])
      .filter((r) => r.action === 'SCMP_ACT_ALLOW' && ruleApplies(r, { caps: set }))
      .flatMap((r) => r.names ?? []),
  );
}

function pick<T>(r: () => number, xs: readonly T[], p: number): T[] {
  return xs.filter(() => r() < p);
}

describe('generateProfile: properties over random traces and capability sets', () => {
  const TRIALS = 150;
  it(`${TRIALS} random inputs: valid, within the default, observed kept, deterministic`, () => {
    for (let seed = 1; seed <= TRIALS; seed++) {
      const r = rng(seed);
      const observed = pick(r, UNIVERSE, r() * 0.5);
      const caps = r() < 0.05 ? ['ALL'] : pick(r, CAPS, r() * 0.3);
      const noNewPrivileges = r() < 0.5;
      const { profile, report } = generateProfile({
        observed,
        caps,
        noNewPrivileges,
        defaultProfile: DEFAULT,
      });
      const ctx = `seed ${seed} caps ${caps.join(',')}`;

      expect(SeccompProfile.safeParse(profile).success, ctx).toBe(true);
      expect(findExcess(profile, DEFAULT, { caps }), ctx).toEqual([]);
      expect(findExcess(profile, DEFAULT, { caps, arch: 'arm64' }), ctx).toEqual([]);

      const allowed = new Set(allowedNames(profile));
      const permitted = defaultAllows(caps);
      for (const name of observed)
        if (permitted.has(name)) expect(allowed.has(name), `${ctx}: ${name}`).toBe(true);
      for (const name of observed) {
        const accounted =
          allowed.has(name) || report.refused.some((x) => x.name === name) || report.unknown.includes(name);
        expect(accounted, `${ctx}: ${name}`).toBe(true);
      }
      expect(report.allowed.map((a) => a.name)).toEqual([...allowed].sort());

      // same input in another order, with duplicates, as a Set: same bytes out
      const shuffled = [...observed, ...observed.slice(0, 3)].sort(() => r() - 0.5);
      const again = generateProfile({
        observed: new Set(shuffled),
        caps: [...caps].reverse(),
        noNewPrivileges,
        defaultProfile: DEFAULT,
      });
      expect(JSON.stringify(again.profile), ctx).toBe(JSON.stringify(profile));
      expect(JSON.stringify(again.report)).toBe(JSON.stringify(report));

      for (const rule of profile.syscalls ?? []) {
        expect(rule.names, ctx).toEqual([...rule.names!].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      const enosysRule = (profile.syscalls ?? []).find(
        (s) => s.action === 'SCMP_ACT_ERRNO' && s.errnoRet === ENOSYS,
      );
      const expectedEnosys = ENOSYS_PROBES.filter((n) => !allowed.has(n));
      expect(enosysRule?.names ?? [], ctx).toEqual(expectedEnosys);
    }
  });
});

describe('generateProfile: shape of the output', () => {
  it('refuses with EPERM, covers amd64 (+x86, x32) and arm64 (+arm)', () => {
    const { profile } = generateProfile({
      observed: ['read'],
      caps: [],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
    });
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(1);
    expect(profile.archMap).toEqual([
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ]);
  });

  it("keeps the default's conditions: clone masked, socket families, personality values, arch-only calls", () => {
    const { profile } = generateProfile({
      observed: ['clone', 'socket', 'personality', 'arch_prctl', 'ptrace', 'bpf'],
      caps: [],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
    });
    const rulesFor = (n: string) => (profile.syscalls ?? []).filter((s) => s.names?.includes(n));
    const clone = rulesFor('clone');
    expect(clone.length).toBe(2);
    expect(
      clone.every((c) => c.args?.[0]?.op === 'SCMP_CMP_MASKED_EQ' && c.args[0].value === 2114060288),
    ).toBe(true);
    expect(rulesFor('socket').map((s) => s.args)).toHaveLength(3);
    expect(rulesFor('personality')).toHaveLength(5);
    expect(rulesFor('arch_prctl')[0]?.includes?.arches).toEqual(['amd64', 'x32']);
    expect(rulesFor('ptrace')[0]?.includes?.minKernel).toBe('4.8');
    expect(rulesFor('bpf')).toEqual([]);
  });

  it('allows caps-gated calls for a service that has the cap, with the cap condition kept', () => {
    const { profile, report } = generateProfile({
      observed: ['bpf', 'clone', 'unshare'],
      caps: ['bpf', 'NET_ADMIN'],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
    });
    const bpf = (profile.syscalls ?? []).filter((s) => s.names?.includes('bpf'));
    expect(bpf).toEqual([{ names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_BPF'] } }]);
    expect(report.refused).toEqual([
      { name: 'unshare', reason: "Docker's default allows it only with CAP_SYS_ADMIN" },
    ]);
    expect(report.caps).toEqual(['CAP_BPF', 'CAP_NET_ADMIN']);
  });

  it('answers probed calls with ENOSYS unless allowed', () => {
    const { profile, report } = generateProfile({
      observed: ['statx', 'clone3'],
      caps: [],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
    });
    expect(report.enosys).toEqual(['clone3', 'close_range', 'faccessat2', 'openat2']);
    expect(report.refused.map((r) => r.name)).toEqual(['clone3']);
    expect(profile.syscalls?.at(-1)).toEqual({
      names: ['clone3', 'close_range', 'faccessat2', 'openat2'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
    expect(allowedNames(profile)).toContain('statx');
  });

  it('adds the arm64 forms of calls arm64 lacks, and the 32-bit forms only with compat32', () => {
    const input = {
      observed: ['open', 'stat', 'dup2', 'poll', 'fork', 'getdents', 'lseek', 'mmap', 'getuid', 'nanosleep'],
      caps: [],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
      runtimeBaseline: false,
    };
    const arm64 = ['openat', 'newfstatat', 'dup3', 'ppoll', 'clone', 'getdents64'];
    const bits32 = ['_llseek', 'mmap2', 'getuid32', 'fstatat64', 'stat64', 'clock_nanosleep_time64'];
    const names = generateProfile(input).report.allowed.map((a) => a.name);
    expect(names.filter((n) => arm64.includes(n)).sort()).toEqual([...arm64].sort());
    expect(names.filter((n) => bits32.includes(n))).toEqual([]);
    // nanosleep exists on arm64: glibc and Go call it there as they do on amd64
    expect(names).not.toContain('clock_nanosleep');
    expect(names).toHaveLength(input.observed.length + arm64.length);

    const { report } = generateProfile({ ...input, compat32: true });
    const with32 = report.allowed.map((a) => a.name);
    for (const n of [...arm64, ...bits32, 'clock_nanosleep']) expect(with32).toContain(n);
    expect(report.compat32).toBe(true);
    expect(report.allowed.find((a) => a.name === 'openat')?.reasons).toEqual([
      { kind: 'equivalent', of: ['open'] },
    ]);
  });

  it('allows a thread’s exit wherever exit_group is: denied, a thread exit would hang', () => {
    const gen = (observed: string[]) =>
      generateProfile({
        observed,
        caps: [],
        noNewPrivileges: true,
        defaultProfile: DEFAULT,
        runtimeBaseline: false,
      }).report.allowed;
    const withExit = gen(['read', 'exit_group']);
    expect(withExit.map((a) => a.name)).toEqual(['exit', 'exit_group', 'read']);
    expect(withExit[0]!.reasons[0]!.kind).toBe('baseline');
    expect(gen(['read']).map((a) => a.name)).toEqual(['read']);
  });

  it('reports who needed each call, and why the baseline is there', () => {
    const { report } = generateProfile({
      observed: ['read', 'capset'],
      observedBy: { read: ['/bin/sh', '/bin/cat'] },
      caps: [],
      noNewPrivileges: false,
      defaultProfile: DEFAULT,
    });
    const read = report.allowed.find((a) => a.name === 'read');
    expect(read?.reasons[0]).toEqual({ kind: 'observed', executables: ['/bin/cat', '/bin/sh'] });
    const capset = report.allowed.find((a) => a.name === 'capset')!;
    expect(capset.reasons.map((r) => r.kind)).toEqual(['observed', 'baseline']);
    expect(report.unknown).toEqual([]);
  });

  it('the baseline without no-new-privileges contains the one with it, plus runc setup calls', () => {
    const nnp = new Set(runtimeBaseline(true).map((e) => e.name));
    const full = new Set(runtimeBaseline(false).map((e) => e.name));
    for (const n of nnp) expect(full.has(n)).toBe(true);
    for (const n of ['capset', 'capget', 'setgroups', 'setgid', 'setuid', 'prctl', 'chdir']) {
      expect(nnp.has(n)).toBe(false);
      expect(full.has(n)).toBe(true);
    }
    for (const n of ['execve', 'futex', 'fstatfs', 'openat', 'write', 'close']) expect(nnp.has(n)).toBe(true);
    const { profile } = generateProfile({
      observed: [],
      caps: [],
      noNewPrivileges: false,
      defaultProfile: DEFAULT,
    });
    expect(allowedNames(profile)).toEqual(expect.arrayContaining([...full]));
  });

  it('real traces: busybox and postgres profiles stay within the default', async () => {
    for (const dir of ['busybox/ff', 'postgres']) {
      const path = join(ROOT, 'test/fixtures/traces', dir);
      const { merged } = await parseTraceSession(readdirSync(path).map((f) => join(path, f)));
      const { profile, report } = generateProfile({
        observed: Object.keys(merged.syscalls),
        observedBy: syscallUsers(merged),
        caps: [],
        noNewPrivileges: true,
        defaultProfile: DEFAULT,
      });
      expect(findExcess(profile, DEFAULT, { caps: [] })).toEqual([]);
      expect(report.unknown).toEqual([]);
      if (dir === 'postgres') expect(report.refused).toEqual([]);
      else expect(report.refused.map((r) => r.name)).toEqual(['sethostname', 'unshare']);
    }
  });
});

describe('32-bit forms follow the traces', () => {
  const summary = (personalities: SyscallArch[]) => ({ ...emptySummary(), personalities });
  it('only when a 32-bit personality ran, or when asked', () => {
    expect(wantsCompat32(summary(['x86_64']))).toBe(false);
    expect(wantsCompat32(summary(['x32', 'x86_64']))).toBe(false);
    expect(wantsCompat32(summary(['x86', 'x86_64']))).toBe(true);
    expect(wantsCompat32(summary(['aarch64', 'arm']))).toBe(true);
    expect(wantsCompat32(summary(['x86_64']), true)).toBe(true);
  });
});
