import { describe, expect, it } from 'vitest';
import {
  archesOf,
  CROSS_ARCH_EQUIVALENTS,
  crossArchEquivalents,
  isKnownSyscall,
  readProfile,
  SYSCALL_ARCHES,
  SYSCALL_TABLE_SOURCE,
  syscallName,
  syscallNames,
  syscallNumber,
} from '../../../src/profile';
import { join } from 'node:path';

const DEFAULT = readProfile(join(__dirname, '../../../seccomp/docker-default.json'));
const defaultAllowed = new Set(
  (DEFAULT.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names ?? []),
);

describe('syscall tables', () => {
  it('know the well-known numbers of every arch', () => {
    expect(syscallNumber('x86_64', 'read')).toBe(0);
    expect(syscallNumber('x86_64', 'openat')).toBe(257);
    expect(syscallNumber('x86', 'mmap2')).toBe(192);
    expect(syscallNumber('x32', 'read')).toBe(0x40000000);
    expect(syscallNumber('aarch64', 'openat')).toBe(56);
    expect(syscallNumber('aarch64', 'open')).toBeUndefined();
    expect(syscallNumber('arm', 'set_tls')).toBe(0xf0005);
    expect(syscallName('x86_64', 0x1b6)).toBe('pidfd_getfd');
    expect(syscallName('x32', 2)).toBe('open');
    expect(syscallName('x32', 0x40000002)).toBe('open');
    expect(syscallName('x86_64', 999)).toBeUndefined();
    expect(SYSCALL_TABLE_SOURCE).toMatch(/libseccomp/);
  });

  it('round-trip name ↔ number and are not trivially small', () => {
    for (const arch of SYSCALL_ARCHES) {
      const names = syscallNames(arch);
      expect(names.length, arch).toBeGreaterThan(300);
      for (const n of names) expect(syscallName(arch, syscallNumber(arch, n)!)).toBe(n);
    }
  });

  it('cover almost every name of Docker’s default', () => {
    const unknown = [...defaultAllowed].filter((n) => !isKnownSyscall(n));
    // calls newer than libseccomp 2.5.4 (mseal, statmount, lsm_*, *xattrat, …) or of arches we do not
    // table (riscv, s390, ppc); the generator still allows them when the default does
    expect(unknown.length).toBeLessThanOrEqual(20);
    expect(unknown).not.toContain('openat');
  });
});

describe('cross-arch equivalents', () => {
  it('name real syscalls, all allowed by Docker’s default', () => {
    for (const [from, to] of Object.entries(CROSS_ARCH_EQUIVALENTS)) {
      expect(isKnownSyscall(from), from).toBe(true);
      for (const t of to) {
        expect(isKnownSyscall(t), `${from} → ${t}`).toBe(true);
        expect(defaultAllowed.has(t), `${from} → ${t}`).toBe(true);
      }
    }
  });

  it('every amd64 call the default allows has a form on arm64 (except x86-only machinery)', () => {
    const x86Only = new Set([
      'epoll_ctl_old',
      'epoll_wait_old',
      'get_thread_area',
      'set_thread_area',
      'ioperm',
      'iopl',
      'modify_ldt',
      'arch_prctl',
    ]);
    for (const name of syscallNames('x86_64')) {
      if (!defaultAllowed.has(name) || x86Only.has(name) || archesOf(name).includes('aarch64')) continue;
      const forms = [...crossArchEquivalents([name]).keys()];
      expect(
        forms.some((f) => archesOf(f).includes('aarch64')),
        name,
      ).toBe(true);
    }
  });

  it('every amd64 call the default allows has a form on arm and i386', () => {
    const x86Only = new Set(['epoll_ctl_old', 'epoll_wait_old']);
    for (const arch of ['x86', 'arm'] as const) {
      for (const name of syscallNames('x86_64')) {
        if (!defaultAllowed.has(name) || x86Only.has(name) || archesOf(name).includes(arch)) continue;
        const armMissing = [
          'get_thread_area',
          'set_thread_area',
          'ioperm',
          'iopl',
          'modify_ldt',
          'memfd_secret',
        ];
        if (arch === 'arm' && armMissing.includes(name)) continue;
        const forms = [...crossArchEquivalents([name], { compat32: true }).keys()];
        expect(
          forms.some((f) => archesOf(f).includes(arch)),
          `${arch}: ${name}`,
        ).toBe(true);
      }
    }
  });

  it('are a closure and say where each name comes from', () => {
    const eq = crossArchEquivalents(['stat', 'fstat'], { compat32: true });
    expect(eq.get('newfstatat')).toEqual(['fstat', 'stat']);
    expect(eq.get('fstatat64')).toEqual(['fstat', 'stat']);
    expect(eq.get('stat64')).toEqual(['stat']);
    expect(crossArchEquivalents(['openat']).size).toBe(0);
    expect(crossArchEquivalents(['open', 'openat']).has('openat')).toBe(false);
  });

  it('without compat32 follow only what arm64 lacks, to a form it has', () => {
    expect([...crossArchEquivalents(['stat', 'fstat', 'rename', 'futex', 'nanosleep']).keys()]).toEqual([
      'newfstatat',
      'renameat',
    ]);
    for (const [to] of crossArchEquivalents(Object.keys(CROSS_ARCH_EQUIVALENTS)))
      expect(archesOf(to), to).toContain('aarch64');
  });
});
