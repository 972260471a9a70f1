import { execFileSync } from 'node:child_process';
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
import {
  addName,
  indexOfNewlines,
  NAMES_INTS,
  NEWLINES,
  simdNewlines,
} from '../../../src/trace/parser/newlines';
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

const allFixtures = [
  ...ffFiles,
  ...['f-tt-T-y', 'f-ttt.stderr', 'f-t-signal'].map((f) => join(FIXTURES, 'busybox', f)),
];

describe('the WebAssembly line classifier', () => {
  const lines = NEWLINES.lines!;
  const ID = { read: 10, brk: 11, openat: 12, bpf: 13, clock_nanosleep: 14, execve: 0 };

  /** classify() on `text` in the input memory, with the names of ID known; [ids, pids] per line */
  function classify(text: string): [number, number][] {
    const bytes = Buffer.from(text, 'latin1');
    bytes.copy(NEWLINES.input, 0);
    const table = new Int32Array(NAMES_INTS);
    for (const [name, id] of Object.entries(ID)) addName(table, name, id);
    lines.names.set(table);
    lines.owner = null; // the next parser copies its table back in
    const count = NEWLINES.scan(NEWLINES.input, 0, bytes.length);
    lines.classify(0, 0, count, bytes.length);
    return Array.from({ length: count }, (_, q) => [lines.ids[q]!, lines.pids[q]!]);
  }

  it('is there (Node 20 has WebAssembly SIMD), and its bytes are what lines.wat gives', () => {
    expect(lines).toBeDefined();
    expect(() =>
      execFileSync(process.execPath, [join(__dirname, '../../../scripts/build-wasm.mjs'), '--check']),
    ).not.toThrow();
  });

  it('reads calls (finished, unfinished, resumed) with their prefixes, tails and failures; refuses the rest', () => {
    const cases: [string, number, number][] = [
      ['read(3, "x", 1) = 1', (ID.read << 2) | 0, -1],
      ['123   15:39:34.497023 brk(NULL)         = 0x1ae81000 <0.000036>', ID.brk << 2, 123],
      [
        '[pid  7] openat(AT_FDCWD, "/x", O_RDONLY) = -1 EPERM (Operation not permitted)',
        (ID.openat << 2) | 1,
        7,
      ],
      [
        '1796398774.822538 bpf(BPF_PROG_LOAD, 0x7ff, 116) = -1 ENOSYS (Function not implemented)',
        (ID.bpf << 2) | 2,
        -1,
      ],
      ['openat(AT_FDCWD, "/y", O_RDONLY) = -1 ENOENT (No such file or directory)', ID.openat << 2, -1],
      ['[pid 9] 15:39:35 read(3, "= x", 1) = 1', ID.read << 2, 9],
      ['clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1}, NULL) = 0', ID.clock_nanosleep << 2, -1],
      ['openat(AT_FDCWD</>, "/x", O_RDONLY) = 3</x>', ID.openat << 2, -1], // -y
      ['openat(AT_FDCWD, "/x", O_RDONLY) = 3 <0.000012>', ID.openat << 2, -1], // -T
      ['read(3, <unfinished ...>', (1 << 28) | (ID.read << 2), -1], // kind 1: returns later
      ['[pid 9] <... read resumed>"x", 1) = 1', (2 << 28) | (ID.read << 2), 9], // kind 2
      ['<... openat resumed>) = -1 EPERM (Operation not permitted)', (2 << 28) | (ID.openat << 2) | 1, -1],
      ['<... read resumed> <unfinished ...>', -1, -1], // resumed and cut again
      ['<... read resumed>"x", 1)', -1, -1], // resumed, no result
      ['<...read resumed>"x", 1) = 1', -1, -1],
      ['<... unknown_call resumed>) = 0', -1, -1],
      ['execve("/bin/sh", ["sh"], 0x7ff /* 3 vars */) = 0', -1, -1], // the program changes
      ['sched_getaffinity(0, 128, [0 1]) = 8', -1, -1], // '(' not among the first 16 bytes
      ['unknown_call(1) = 0', -1, -1], // not in the names table
      ['15:39:34 9 read(3, "x", 1) = 1', -1, -1], // a pid after a timestamp
      ['[pid 9] 10 read(3, "x", 1) = 1', -1, -1], // two pids
      ['[pid 9<sh>] read(3, "x", 1) = 1', -1, -1], // more inside the brackets
      ['1234567890 read(3, "x", 1) = 1', -1, -1], // a pid of 10 digits
      ['read(3, "x", 1) = 1 ', -1, -1], // trailing space
      ['read(3, "x", 1) = 1\r', -1, -1], // CRLF
      ['read(3, "x", 1)', -1, -1], // no result (cut by noise)
      [' read(3, "x", 1) = 1', -1, -1], // leading blank
      ['--- SIGCHLD {si_signo=SIGCHLD} ---', -1, -1],
      ['+++ exited with 0 +++', -1, -1],
    ];
    // the name lookup reads 16 bytes: a line after the last, so the last case has them
    const got = classify(cases.map(([line]) => line).join('\n') + '\n' + 'x'.repeat(16) + '\n');
    cases.forEach(([line, id, pid], q) => {
      expect(got[q]![0], line).toBe(id);
      if (id >= 0) expect(got[q]![1], line).toBe(pid);
    });
  });

  it('reads every fixture (every line form) as parseGeneral does, in place or copied', async () => {
    for (const path of allFixtures) {
      const bytes = readFileSync(path);
      const reference = parseTraceText(bytes, { pid: 7, classifier: false });
      expect(parseTraceText(bytes, { pid: 7 }), path).toEqual(reference);
      const fromFile = await parseTraceFile(path);
      expect(fromFile, path).toEqual(await parseTraceFile(path, { classifier: false }));
    }
  });

  it('classifies nearly every line of a -ff trace, from the first (names are seeded)', () => {
    const spy = NEWLINES.lines!;
    const original = spy.classify.bind(spy);
    let total = 0;
    let known = 0;
    spy.classify = (start, base, count, limit) => {
      original(start, base, count, limit);
      total += count;
      for (let q = 0; q < count; q++) if (spy.ids[q]! >= 0) known++;
    };
    try {
      parseTraceText(Buffer.concat(ffFiles.map((f) => readFileSync(f))), { pid: 7 });
    } finally {
      spy.classify = original;
    }
    expect(total).toBeGreaterThan(4000);
    expect(known / total).toBeGreaterThan(0.85);
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

  it('parsers taking turns, each learning names of its own, read as each would alone', () => {
    // new names get ids in the order a parser meets them: different ids for the same name here
    const a = ['zz_alpha(1) = 0', 'zz_beta(2) = -1 EPERM (x)', 'read(3, "x", 1) = 1'];
    const b = ['zz_beta(2) = 0', 'zz_gamma(3) = -1 ENOSYS (x)', 'zz_alpha(1) = 0'];
    const text = (lines: string[]) => Buffer.from(lines.join('\n') + '\n' + 'x'.repeat(16) + '\n');
    const pa = new TraceParser({ pid: 1 });
    const pb = new TraceParser({ pid: 1 });
    for (let round = 0; round < 3; round++) {
      pa.push(text(a));
      pb.push(text(b));
    }
    const alone = (lines: string[]) =>
      parseTraceText(Buffer.concat([text(lines), text(lines), text(lines)]), { pid: 1, classifier: false });
    expect(pa.end()).toEqual(alone(a));
    expect(pb.end()).toEqual(alone(b));
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
