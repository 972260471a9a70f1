import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findExcess,
  generateProfile,
  readProfile,
  SeccompProfile,
  type SeccompSyscall,
} from '../../../src/profile';

const DEFAULT = readProfile(join(__dirname, '../../../seccomp/docker-default.json'));

function profile(
  syscalls: SeccompSyscall[],
  defaultAction: SeccompProfile['defaultAction'] = 'SCMP_ACT_ERRNO',
) {
  return SeccompProfile.parse({ defaultAction, defaultErrnoRet: 1, syscalls });
}
const allow = (names: string[], extra: Partial<SeccompSyscall> = {}): SeccompSyscall => ({
  names,
  action: 'SCMP_ACT_ALLOW',
  ...extra,
});

describe('findExcess catches what Docker’s default would refuse', () => {
  it('the default profile does not exceed itself, for any caps', () => {
    expect(findExcess(DEFAULT, DEFAULT, { caps: [] })).toEqual([]);
    expect(findExcess(DEFAULT, DEFAULT, { caps: ['ALL'] })).toEqual([]);
    expect(findExcess(DEFAULT, DEFAULT, { caps: ['SYS_ADMIN', 'BPF'] })).toEqual([]);
  });

  it('clone without the namespace-flag mask', () => {
    const excess = findExcess(profile([allow(['clone', 'read'])]), DEFAULT, { caps: [] });
    expect(excess.map((e) => e.syscall)).toEqual(['clone', 'clone']);
    expect(excess[0]!.reason).toContain('(arg0 & 0x7e020000) == 0');
    // with CAP_SYS_ADMIN the default allows clone unconditionally
    expect(findExcess(profile([allow(['clone'])]), DEFAULT, { caps: ['CAP_SYS_ADMIN'] })).toEqual([]);
  });

  it('a wider mask than the default’s is still too much; a narrower one is fine', () => {
    const wide = allow(['clone'], {
      args: [{ index: 0, value: 0x10000000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(findExcess(profile([wide]), DEFAULT, { caps: [], arch: 'amd64' })).toHaveLength(1);
    const narrow = allow(['clone'], {
      args: [{ index: 0, value: 0x7fffffff, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(findExcess(profile([narrow]), DEFAULT, { caps: [], arch: 'amd64' })).toEqual([]);
    const exact = allow(['clone'], {
      args: [{ index: 0, value: 0x1200011, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
    });
    expect(findExcess(profile([exact]), DEFAULT, { caps: [], arch: 'amd64' })).toEqual([]);
    const ns = allow(['clone'], { args: [{ index: 0, value: 0x10000000, valueTwo: 0, op: 'SCMP_CMP_EQ' }] });
    expect(findExcess(profile([ns]), DEFAULT, { caps: [], arch: 'amd64' })).toHaveLength(1);
  });

  it('bpf without CAP_BPF (or CAP_SYS_ADMIN)', () => {
    const p = profile([allow(['bpf'])]);
    const [excess] = findExcess(p, DEFAULT, { caps: ['NET_ADMIN'] });
    expect(excess).toEqual({
      syscall: 'bpf',
      reason: 'the reference allows it only with CAP_SYS_ADMIN or CAP_BPF',
    });
    expect(findExcess(p, DEFAULT, { caps: ['CAP_BPF'] })).toEqual([]);
    expect(findExcess(p, DEFAULT, { caps: ['sys_admin'] })).toEqual([]);
  });

  it('argument values: socket families and personality', () => {
    const ok = profile([
      allow(['socket'], { args: [{ index: 0, value: 2, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }),
      allow(['socket'], { args: [{ index: 0, value: 10, valueTwo: 0, op: 'SCMP_CMP_LE' }] }),
      allow(['personality'], { args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }),
    ]);
    expect(findExcess(ok, DEFAULT, { caps: [] })).toEqual([]);
    const bad = profile([
      allow(['socket'], { args: [{ index: 0, value: 38, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }),
      allow(['socket'], { args: [{ index: 0, value: 100, valueTwo: 0, op: 'SCMP_CMP_LT' }] }),
      allow(['personality'], { args: [{ index: 0, value: 1, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }),
      allow(['personality'], { args: [{ index: 1, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }),
    ]);
    const excess = findExcess(bad, DEFAULT, { caps: [] });
    expect(excess.map((e) => e.syscall)).toEqual(['personality', 'personality', 'socket', 'socket']);
    expect(excess.find((e) => e.syscall === 'socket')!.reason).toMatch(
      /arg0 < 38 \|\| arg0 == 39 \|\| arg0 > 40/,
    );
  });

  it('a permissive default action, and LOG on a refused call', () => {
    expect(findExcess(profile([], 'SCMP_ACT_ALLOW'), DEFAULT, { caps: [] })).toEqual([
      {
        syscall: '*',
        reason: 'default action SCMP_ACT_ALLOW lets through every syscall the reference refuses',
      },
    ]);
    expect(
      findExcess(profile([{ names: ['mount'], action: 'SCMP_ACT_LOG' }]), DEFAULT, { caps: [] }),
    ).toEqual([{ syscall: 'mount', reason: 'the reference allows it only with CAP_SYS_ADMIN' }]);
    // denials never exceed
    expect(
      findExcess(profile([{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]), DEFAULT, {
        caps: [],
      }),
    ).toEqual([]);
  });

  it('names the default never allows', () => {
    expect(findExcess(profile([allow(['kexec_load', 'open_by_handle_at'])]), DEFAULT, { caps: [] })).toEqual([
      { syscall: 'kexec_load', reason: 'not allowed by the reference' },
      { syscall: 'open_by_handle_at', reason: 'the reference allows it only with CAP_DAC_READ_SEARCH' },
    ]);
  });

  it('arch and kernel conditions', () => {
    const p = profile([allow(['arch_prctl', 'ptrace'])]);
    const excess = findExcess(p, DEFAULT, { caps: [] });
    expect(excess.find((e) => e.syscall === 'arch_prctl')?.reason).toMatch(
      /on arm, arm64, .*other arches\)$/,
    );
    expect(excess.find((e) => e.syscall === 'ptrace')?.reason).toMatch(/on kernels older than 4\.8\)$/);
    expect(findExcess(profile([allow(['arch_prctl'])]), DEFAULT, { caps: [], arch: 'x86_64' })).toEqual([]);
    const kept = profile([allow(['ptrace'], { includes: { minKernel: '5.4' } })]);
    expect(findExcess(kept, DEFAULT, { caps: [] })).toEqual([]);
  });

  it('widening any rule of a generated profile is caught', () => {
    const { profile: generated } = generateProfile({
      observed: ['clone', 'socket', 'personality', 'arch_prctl', 'bpf', 'read', 'ptrace'],
      caps: ['BPF'],
      noNewPrivileges: true,
      defaultProfile: DEFAULT,
    });
    expect(findExcess(generated, DEFAULT, { caps: ['BPF'] })).toEqual([]);
    const rules = generated.syscalls ?? [];
    let widened = 0;
    rules.forEach((rule, k) => {
      if (rule.action !== 'SCMP_ACT_ALLOW') return;
      const variants: SeccompSyscall[] = [];
      if (rule.args?.length) variants.push({ ...rule, args: undefined });
      if (rule.includes) variants.push({ ...rule, includes: undefined });
      for (const v of variants) {
        const copy = SeccompProfile.parse({ ...generated, syscalls: rules.map((r, j) => (j === k ? v : r)) });
        expect(findExcess(copy, DEFAULT, { caps: [] }).length, JSON.stringify(v)).toBeGreaterThan(0);
        widened++;
      }
    });
    expect(widened).toBeGreaterThan(8);
  });
});
