import { describe, expect, it } from 'vitest';
import { collectedName, traceFileOrigin } from '../../../src/trace/layout';
import {
  dockerArch,
  elfArchitecture,
  parseLdd,
  parseStraceVersion,
} from '../../../src/trace/portable-strace';

describe('parseLdd', () => {
  it('reads glibc output: libraries by path, the loader, no vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibunwind-ptrace.so.0 => /lib/x86_64-linux-gnu/libunwind-ptrace.so.0 (0x00007f01)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f02)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f03)',
    ].join('\n');
    expect(parseLdd(out)).toEqual({
      libraries: ['/lib/x86_64-linux-gnu/libunwind-ptrace.so.0', '/lib/x86_64-linux-gnu/libc.so.6'],
      loader: '/lib64/ld-linux-x86-64.so.2',
      missing: [],
    });
  });

  it('reads musl output, where libc is the loader', () => {
    const out =
      '\t/lib/ld-musl-x86_64.so.1 (0x7f00)\n\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f00)\n';
    expect(parseLdd(out)).toEqual({ libraries: [], loader: '/lib/ld-musl-x86_64.so.1', missing: [] });
  });

  it('reports missing libraries and static binaries', () => {
    expect(parseLdd('\tlibfoo.so.1 => not found\n').missing).toEqual(['libfoo.so.1']);
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual({ libraries: [], missing: [] });
  });
});

describe('architectures', () => {
  const elf = (machine: number, little = true) => {
    const b = Buffer.alloc(20);
    b.writeUInt32BE(0x7f454c46, 0);
    b[4] = 2;
    b[5] = little ? 1 : 2;
    if (little) b.writeUInt16LE(machine, 18);
    else b.writeUInt16BE(machine, 18);
    return b;
  };
  it.each([
    [62, true, 'amd64'],
    [183, true, 'arm64'],
    [3, true, '386'],
    [40, true, 'arm'],
    [21, true, 'ppc64le'],
    [22, false, 's390x'],
  ])('e_machine %d → %s', (m, little, name) => expect(elfArchitecture(elf(m, little))).toBe(name));
  it('is undefined for a non-ELF file', () =>
    expect(elfArchitecture(Buffer.from('#!/bin/sh\nexit 0\n0000'))).toBeUndefined());
  it('normalises image architectures', () => {
    expect(dockerArch('x86_64')).toBe('amd64');
    expect(dockerArch('aarch64')).toBe('arm64');
    expect(dockerArch('amd64')).toBe('amd64');
  });
  it('reads strace -V', () => {
    expect(parseStraceVersion('strace -- version 6.1\nCopyright (c) 1991-2022 The strace developers')).toBe(
      '6.1',
    );
    expect(parseStraceVersion('strace -- version 4.26')).toBe('4.26');
  });
});

describe('trace file names', () => {
  it.each([
    ['main.12', 'main.12.trace', { source: 'main', pid: 12 }],
    ['health.7', 'health.7.trace', { source: 'healthcheck', pid: 7 }],
    ['exec-3.99', 'exec-3.99.trace', { source: 'exec', pid: 99 }],
  ])('%s → %s', (raw, name, origin) => {
    expect(collectedName(raw)).toBe(name);
    expect(traceFileOrigin(name)).toEqual(origin);
  });
  it.each(['main', 'main.x', 'evil.1', '../main.1', 'main.1.trace'])('%s is not ours', (raw) => {
    expect(collectedName(raw)).toBeUndefined();
  });
});
