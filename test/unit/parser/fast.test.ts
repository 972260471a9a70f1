import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mergeSummaries,
  parseTraceFile,
  parseTraceText,
  READ_CHUNK_BYTES,
  syscallUsers,
  TraceParser,
} from '../../../src/trace/parser';
import { indexOfNewlines, NEWLINES, simdNewlines } from '../../../src/trace/parser/newlines';
import { rng } from '../../helpers/rng';

const FIXTURES = join(__dirname, '../../fixtures/traces');
const ffFiles = [
  ...readdirSync(join(FIXTURES, 'busybox/ff')).map((f) => join(FIXTURES, 'busybox/ff', f)),
  ...readdirSync(join(FIXTURES, 'postgres')).map((f) => join(FIXTURES, 'postgres', f)),
];

describe('newline index', () => {
  it('the SIMD scan finds what indexOf finds, copied or in place, for any block', () => {
    const simd = simdNewlines(4096);
    expect(simd).toBeDefined();
    const plain = indexOfNewlines(4096);
    const r = rng(1);
    for (let t = 0; t < 3000; t++) {
      const density = r();
      const bytes = Buffer.from(
        Array.from({ length: 64 + Math.floor(r() * 4096) }, () =>
          r() < density ? 10 : Math.floor(r() * 256),
        ),
      );
      let buf: Buffer = bytes;
      if (r() < 0.5) {
        const at = Math.floor(r() * 1000);
        bytes.copy(simd!.input, at);
        buf = simd!.input.subarray(at, at + bytes.length);
      }
      const from = Math.floor(r() * 64);
      const n = Math.min(4096, buf.length - from - Math.floor(r() * 40));
      const count = simd!.scan(buf, from, n);
      expect(count).toBe(plain.scan(buf, from, n));
      expect([...simd!.ends.subarray(0, count)]).toEqual([...plain.ends.subarray(0, count)]);
    }
  });

  it('is the SIMD one here (Node 20 has WebAssembly SIMD)', () => {
    expect(NEWLINES.input.buffer).not.toBe(indexOfNewlines().input.buffer);
    expect(NEWLINES.input.length).toBe(READ_CHUNK_BYTES);
  });
});

describe('fast path', () => {
  it('reads -ff lines as the general path does (which a timestamp prefix forces)', () => {
    for (const path of ffFiles) {
      const text = readFileSync(path, 'latin1');
      const stamped = text.replace(/^(?=.)/gm, '0.000001 ');
      expect(parseTraceText(Buffer.from(text, 'latin1'), { pid: 7 }), path).toEqual(
        parseTraceText(Buffer.from(stamped, 'latin1'), { pid: 7 }),
      );
    }
  });

  it('a call cut by noise keeps its result, even when the cut ends in a digit', () => {
    const s = parseTraceText(
      [
        'mount("none", "/mnt", "tmpfs", 0x12',
        'strace: Process 12 attached',
        ', NULL) = -1 EPERM (Operation not permitted)',
        'getpid() = 7',
      ].join('\n') + '\n',
    );
    expect(s.failures.EPERM).toEqual({ mount: 1 });
    expect(s.syscalls).toEqual({ getpid: 1, mount: 1 });
    expect(s.unreadable.count).toBe(0);
  });

  it('the same line start, longer and shorter names, errors, -T and -y tails', () => {
    const lines = [
      'read(3, "x", 1) = 1',
      'readv(3, [], 0) = 0',
      'readlinkat(AT_FDCWD, "/proc/self/exe", "/bin/busybox", 4096) = 12',
      'readlink("/proc/self/exe", 0x7ffd, 4096) = -1 ENOENT (No such file or directory)',
      'set_robust_list(0x7f, 24) = 0',
      'set_tid_address(0x7f) = 9',
      'clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1}, NULL) = 0 <0.000101>',
      'openat(AT_FDCWD</>, "/x", O_RDONLY) = 3</x>',
      'sched_getaffinity(0, 128, [0 1]) = 8',
      'mount("a", "b", "c", 0, NULL) = -1 EPERM (Operation not permitted)',
      'bpf(BPF_PROG_LOAD, 0x7ff, 116) = -1 ENOSYS (Function not implemented)',
    ];
    const text = Array.from({ length: 50 }, (_, k) => lines[k % lines.length]).join('\n') + '\n';
    const s = parseTraceText(text);
    const expected: Record<string, number> = {};
    for (let k = 0; k < 50; k++) {
      const name = lines[k % lines.length]!.split('(')[0]!;
      expected[name] = (expected[name] ?? 0) + 1;
    }
    expect(s.syscalls).toEqual(expected);
    expect(s.failures).toEqual({ EPERM: { mount: 4 }, ENOSYS: { bpf: 4 } });
    expect(s.unreadable.count).toBe(0);
  });
});

describe('files', () => {
  it('reads files across the read size, lines split between reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parser-'));
    try {
      const unit = Buffer.concat(ffFiles.map((f) => readFileSync(f)));
      for (const size of [READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES + 12345]) {
        const bytes = Buffer.alloc(size);
        for (let at = 0; at < size; at += unit.length) unit.copy(bytes, at);
        const path = join(dir, `trace.${size}`);
        writeFileSync(path, bytes);
        const expected = new TraceParser({ source: path, pid: size });
        for (let at = 0; at < size; at += 777) expected.push(bytes.subarray(at, at + 777));
        expect(await parseTraceFile(path)).toEqual(expected.end());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('names that are also Object.prototype keys', () => {
  it('count like any other name', () => {
    const s = parseTraceText(
      'toString(1) = 0\nconstructor() = 0\n__proto__(1) = 0\nvalueOf() = -1 EPERM (x)\n',
    );
    expect(Object.keys(s.syscalls)).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    expect(Object.values(s.syscalls)).toEqual([1, 1, 1, 1]);
    expect(s.failures.EPERM).toEqual({ valueOf: 1 });
    expect(Object.keys(syscallUsers(s))).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    const merged = mergeSummaries([s, s]);
    expect(Object.values(merged.syscalls)).toEqual([2, 2, 2, 2]);
    expect(Object.getPrototypeOf(merged.syscalls)).toBe(Object.prototype);
  });
});
