import { setFlagsFromString } from 'node:v8';
import { LINES_WASM_BASE64 } from './lines.wasm';

/**
 * Where the lines end: the positions of every '\n' in a block of bytes, found in one call; and,
 * for the common line, what it says.
 *
 * Finding line ends one `buf.indexOf(10, pos)` at a time costs a native call per line (~15 ns,
 * as much as reading an ordinary line). A SIMD scan in a small WebAssembly function finds all of
 * a block's line ends at once (~3 ns a line); the parser then walks an Int32Array. A second
 * function reads the block's ordinary lines (calls finished, unfinished or resumed, with or
 * without pid and timestamp prefixes) into the syscall's id, how it failed and the pid
 * (`classify`), so JavaScript only applies them. Both are in lines.wat. Files are read straight
 * into the WebAssembly memory (`input`), so they are read where they are; other bytes are copied
 * in. Where WebAssembly SIMD is unavailable, the same interface is filled with `indexOf` and there
 * is no `classify`.
 */
export interface NewlineIndex {
  /** the largest block `scan` accepts */
  readonly blockBytes: number;
  /** after `scan`: the line ends, as offsets from the block's start (valid until the next scan) */
  readonly ends: Int32Array;
  /**
   * A buffer to read input into (one, shared: whoever reads into it pushes what it read before
   * anything else runs; TraceParser.push copies other bytes into it); blocks of it are scanned
   * without a copy.
   */
  readonly input: Buffer;
  /** Finds every '\n' in buf[from, from + n) (n ≤ blockBytes); returns how many. */
  scan(buf: Uint8Array, from: number, n: number): number;
  /** the line classifier (WebAssembly only) */
  readonly lines?: LineClassifier;
}

/** The classifier's names table: 2^NAME_BUCKET_BITS buckets of 2 slots of 8 ints (lines.wat). */
export const NAME_BUCKET_BITS = 11;
export const NAMES_INTS = 16 << NAME_BUCKET_BITS;

const nameKey = new Uint8Array(16);
const nameKeyWords = new Int32Array(nameKey.buffer);

/**
 * Puts `name` (of 15 bytes or less) with its id into a names table (NAMES_INTS) as lines.wat
 * reads it; false when the name is longer or both slots of its bucket are taken.
 */
export function addName(table: Int32Array, name: string, id: number): boolean {
  if (name.length > 15) return false;
  nameKey.fill(0);
  nameKey.set(Buffer.from(name + '(', 'latin1'));
  const [w0, w1, w2, w3] = nameKeyWords as unknown as [number, number, number, number];
  const bucket =
    (Math.imul(w0, 0x9e3779b1) ^
      Math.imul(w1, 0x85ebca77) ^
      Math.imul(w2, 0xc2b2ae3d) ^
      Math.imul(w3, 0x27d4eb2f)) >>>
    (32 - NAME_BUCKET_BITS);
  for (let slot = bucket * 16; slot < bucket * 16 + 16; slot += 8) {
    if (table[slot] !== 0) continue;
    table.set(nameKeyWords, slot);
    table[slot + 4] = id;
    return true;
  }
  return false;
}

/**
 * lines.wat's `classify`, over the lines of the last `scan` of a block of `input`. Offsets are
 * into `input` (the memory's start).
 */
export interface LineClassifier {
  /**
   * For the `count` lines of the last scan (of the block at `base`), the first starting at
   * `start`, in a chunk that ends at `limit`: ids[q] is, when line q is a call of a name in
   * `names`, kind << 28 (0 finished, 1 unfinished, 2 resumed) | id << 2 | 1 for EPERM, 2 for
   * ENOSYS, 0 otherwise; -1 for any other line. pids[q] is its pid prefix or -1.
   */
  classify(start: number, base: number, count: number, limit: number): void;
  readonly ids: Int32Array;
  readonly pids: Int32Array;
  /** the names table classify reads (NAMES_INTS); a parser copies its own in before it reads */
  readonly names: Int32Array;
  /** the table (a parser's, or the seed shared by parsers) whose copy `names` holds */
  owner: Int32Array | null;
}

/**
 * Bytes indexed per call: small enough that the block is still in cache when its lines are
 * parsed, large enough that the calls are few (the JS→WebAssembly call is slow until V8 has
 * optimised its caller, which for the first few hundred MB of input it has not).
 */
export const NEWLINE_BLOCK_BYTES = 256 << 10;
/** Size of `input`: parseTraceFile reads this much at a time. */
export const INPUT_BYTES = 2 << 20;

/** The portable version: one native `indexOf` per line. */
export function indexOfNewlines(blockBytes = NEWLINE_BLOCK_BYTES): NewlineIndex {
  const ends = new Int32Array(blockBytes);
  return {
    blockBytes,
    ends,
    input: Buffer.allocUnsafe(INPUT_BYTES),
    scan(buf: Uint8Array, from: number, n: number): number {
      const to = from + n;
      let count = 0;
      for (let nl = buf.indexOf(10, from); nl >= 0 && nl < to; nl = buf.indexOf(10, nl + 1)) {
        ends[count++] = nl - from;
      }
      return count;
    },
  };
}

/** The part of the WebAssembly JS API used here (the lib settings of this project do not type it). */
interface WebAssemblyApi {
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The SIMD version, or undefined where WebAssembly SIMD is unavailable. */
export function simdNewlines(blockBytes = NEWLINE_BLOCK_BYTES): NewlineIndex | undefined {
  const WebAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!WebAssembly) return undefined;
  try {
    // memory: `input`, a block's copy, the line ends, classify's ids and pids, the names table;
    // every region has 64 bytes after it that a last scan turn may read (or two stray stores
    // write)
    const copyAt = INPUT_BYTES + 64;
    const endsAt = copyAt + blockBytes + 64;
    const idsAt = endsAt + 4 * blockBytes + 64;
    const pidsAt = idsAt + 4 * blockBytes + 64;
    const namesAt = pidsAt + 4 * blockBytes + 64;
    const pages = Math.ceil((namesAt + 4 * NAMES_INTS + 64) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    // Compiled by the optimising compiler at once: V8 first compiles WebAssembly with its
    // baseline compiler (Liftoff) and optimises a function only after a budget of runs, which
    // `classify` took over a GB of input to reach (bench/parse: 180–250 ms for 256 MB instead of
    // ~140). The flag is read when a module compiles; it is set back for any other module.
    setFlagsFromString('--no-liftoff');
    let module: object;
    try {
      module = new WebAssembly.Module(Buffer.from(LINES_WASM_BASE64, 'base64'));
    } finally {
      setFlagsFromString('--liftoff');
    }
    const wasm = new WebAssembly.Instance(module, { m: { mem: memory } });
    const wasmScan = wasm.exports.scan as (p: number, end: number, out: number) => number;
    const wasmClassify = wasm.exports.classify as (
      start: number,
      base: number,
      ends: number,
      count: number,
      limit: number,
      names: number,
      ids: number,
      pids: number,
    ) => void;
    const bytes = new Uint8Array(memory.buffer);
    const ends = new Int32Array(memory.buffer, endsAt, blockBytes);
    const input = Buffer.from(memory.buffer, 0, INPUT_BYTES);
    const index: NewlineIndex = {
      blockBytes,
      ends,
      input,
      scan(buf: Uint8Array, from: number, n: number): number {
        let at: number;
        if (buf.buffer === memory.buffer && buf.byteOffset + from + n <= INPUT_BYTES) {
          at = buf.byteOffset + from;
        } else {
          bytes.set(buf.subarray(from, from + n), copyAt);
          at = copyAt;
        }
        return wasmScan(at, at + n, endsAt);
      },
      lines: {
        classify(start: number, base: number, count: number, limit: number): void {
          wasmClassify(start, base, endsAt, count, limit, namesAt, idsAt, pidsAt);
        },
        ids: new Int32Array(memory.buffer, idsAt, blockBytes),
        pids: new Int32Array(memory.buffer, pidsAt, blockBytes),
        names: new Int32Array(memory.buffer, namesAt, NAMES_INTS),
        owner: null,
      },
    };
    // refuse an engine that compiles but computes something else
    const probe = Buffer.from('a\nbc\n\n' + 'x'.repeat(40) + '\n\n');
    const expected = indexOfNewlines(64);
    const count = index.scan(probe, 0, probe.length - 1);
    if (count !== expected.scan(probe, 0, probe.length - 1)) return undefined;
    for (let k = 0; k < count; k++) if (ends[k] !== expected.ends[k]) return undefined;
    const lines = index.lines!;
    const line = Buffer.from('[pid 12] 1.5 read(3, "=", 1) = -1 EPERM (x)\n' + ' '.repeat(16));
    line.copy(input);
    addName(lines.names, 'read', 7);
    lines.classify(0, 0, index.scan(input, 0, line.length), line.length);
    lines.names.fill(0);
    if (lines.ids[0] !== ((7 << 2) | 1) || lines.pids[0] !== 12) return undefined;
    return index;
  } catch {
    return undefined;
  }
}

/** The index the parser uses (one per process). */
export const NEWLINES: NewlineIndex = simdNewlines() ?? indexOfNewlines();
