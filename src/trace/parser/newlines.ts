/**
 * Where the lines end: the positions of every '\n' in a block of bytes, found in one call.
 *
 * Finding line ends one `buf.indexOf(10, pos)` at a time costs a native call per line (~15 ns,
 * as much as reading an ordinary line). A SIMD scan in a tiny WebAssembly function finds all of
 * a block's line ends at once (~3 ns a line); the parser then walks an Int32Array. Files are read
 * straight into the WebAssembly memory (`input`), so the scan reads them where they are; other
 * bytes are copied in a block at a time. Where WebAssembly SIMD is unavailable, the same
 * interface is filled with `indexOf`.
 */
export interface NewlineIndex {
  /** the largest block `scan` accepts */
  readonly blockBytes: number;
  /** after `scan`: the line ends, as offsets from the block's start (valid until the next scan) */
  readonly ends: Int32Array;
  /**
   * A buffer to read input into (one, shared: whoever reads into it pushes what it read before
   * anything else runs); blocks of it are scanned without a copy.
   */
  readonly input: Buffer;
  /** Finds every '\n' in buf[from, from + n) (n ≤ blockBytes); returns how many. */
  scan(buf: Uint8Array, from: number, n: number): number;
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

// The scan function, hand-assembled (WebAssembly binary format, SIMD opcodes). 32 bytes a turn;
// the first two line ends of a turn are stored without testing whether there are any (a store
// that turns out not to be one is overwritten by the next), so a typical turn has no branch that
// depends on the data; only turns with three or more line ends loop over the rest. The last turn
// reads up to 31 bytes past $end and drops what it finds there.
//
//   (func $scan (param $p i32) (param $end i32) (param $out i32) (result i32)
//     (local $mask i32) (local $out0 i32) (local $o i32) (local $left i32) (local $at i32)
//     (local.set $out0 (local.get $out))   ;; $at: p's offset from where the block starts (0 at first)
//     (block $done
//       (loop $turns
//         (local.set $left (i32.sub (local.get $end) (local.get $p)))
//         (br_if $done (i32.le_s (local.get $left) (i32.const 0)))
//         ;; bit k of $mask: byte p+k is '\n' (and p+k < end)
//         (local.set $mask (i32.or (i8x16.bitmask (i8x16.eq (v128.load offset=0 (local.get $p))
//                                                           (i8x16.splat (i32.const 10))))
//                                  (i32.shl (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $p))
//                                                                    (i8x16.splat (i32.const 10))))
//                                           (i32.const 16))))
//         (if (i32.lt_u (local.get $left) (i32.const 32))   ;; the last turn
//           (then (local.set $mask (i32.and (local.get $mask)
//                                           (i32.sub (i32.shl (i32.const 1) (local.get $left)) (i32.const 1))))))
//         (local.set $o (local.get $out))
//         (local.set $out (i32.add (local.get $out) (i32.shl (i32.popcnt (local.get $mask)) (i32.const 2))))
//         (i32.store offset=0 (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
//         (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
//         (i32.store offset=4 (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
//         (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
//         (block $two_or_fewer
//           (br_if $two_or_fewer (i32.eqz (local.get $mask)))
//           (local.set $o (i32.add (local.get $o) (i32.const 8)))
//           (loop $rest
//             (i32.store (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
//             (local.set $o (i32.add (local.get $o) (i32.const 4)))
//             (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
//             (br_if $rest (local.get $mask))))
//         (local.set $p (i32.add (local.get $p) (i32.const 32)))
//         (local.set $at (i32.add (local.get $at) (i32.const 32)))
//         (br $turns)))
//     (i32.shr_u (i32.sub (local.get $out) (local.get $out0)) (i32.const 2)))
//
// Line ends are stored as offsets from the block's start ($p as passed).
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  get: 0x20,
  set: 0x21,
  i32: 0x7f,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32LeS: 0x4c,
  i32Ctz: 0x68,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Store: 0x36,
  simd: 0xfd, // followed by the SIMD opcode
  v128Load: 0x00,
  i8x16Splat: 0x0f,
  i8x16Eq: 0x23,
  i8x16Bitmask: 0x64,
} as const;
const [P, END, OUT, MASK, OUT0, O, LEFT, AT] = [0, 1, 2, 3, 4, 5, 6, 7];
/** bitmask of the '\n' bytes among the 16 at p + offset */
// prettier-ignore
const newlineBits = (offset: number): number[] => [
  op.get, P, op.simd, op.v128Load, 0, offset, // align 1
  op.i32Const, 10, op.simd, op.i8x16Splat,
  op.simd, op.i8x16Eq, op.simd, op.i8x16Bitmask,
];
/** store at + ctz(mask) at o + offset */
// prettier-ignore
const storeLowest = (offset: number): number[] => [
  op.get, O, op.get, AT, op.get, MASK, op.i32Ctz, op.i32Add, op.i32Store, 2, offset, // align 4
];
/** mask &= mask - 1 */
const clearLowest = [op.get, MASK, op.get, MASK, op.i32Const, 1, op.i32Sub, op.i32And, op.set, MASK];
// prettier-ignore
const SCAN_BODY = [
  1, 5, op.i32, // locals: 5 × i32 ($mask, $out0, $o, $left, $at), all 0 at first
  op.get, OUT, op.set, OUT0,
  op.block, op.void,
  op.loop, op.void,
  op.get, END, op.get, P, op.i32Sub, op.set, LEFT,
  op.get, LEFT, op.i32Const, 0, op.i32LeS, op.brIf, 1,
  ...newlineBits(0), ...newlineBits(16), op.i32Const, 16, op.i32Shl, op.i32Or, op.set, MASK,
  op.get, LEFT, op.i32Const, 32, op.i32LtU,
  op.if, op.void,
  op.get, MASK, op.i32Const, 1, op.get, LEFT, op.i32Shl, op.i32Const, 1, op.i32Sub, op.i32And, op.set, MASK,
  op.end,
  op.get, OUT, op.set, O,
  op.get, OUT, op.get, MASK, op.i32Popcnt, op.i32Const, 2, op.i32Shl, op.i32Add, op.set, OUT,
  ...storeLowest(0), ...clearLowest,
  ...storeLowest(4), ...clearLowest,
  op.block, op.void,
  op.get, MASK, op.i32Eqz, op.brIf, 0,
  op.get, O, op.i32Const, 8, op.i32Add, op.set, O,
  op.loop, op.void,
  ...storeLowest(0),
  op.get, O, op.i32Const, 4, op.i32Add, op.set, O,
  ...clearLowest,
  op.get, MASK, op.brIf, 0,
  op.end,
  op.end,
  op.get, P, op.i32Const, 32, op.i32Add, op.set, P,
  op.get, AT, op.i32Const, 32, op.i32Add, op.set, AT,
  op.br, 0,
  op.end, op.end,
  op.get, OUT, op.get, OUT0, op.i32Sub, op.i32Const, 2, op.i32ShrU,
  op.end,
];

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
}

// prettier-ignore
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // "\0asm", version 1
  ...section(1, [1, 0x60, 3, op.i32, op.i32, op.i32, 1, op.i32]), // type 0: (i32 i32 i32) → i32
  ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]), // import memory m.mem, ≥ 1 page
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(7, [1, ...name('scan'), 0x00, 0]), // export function 0 as "scan"
  ...section(10, [1, ...uleb(SCAN_BODY.length), ...SCAN_BODY]),
]);

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
    // memory: `input`, a block's copy, the line ends (and two stray stores); every region has
    // 32 bytes after it that a last turn may read
    const copyAt = INPUT_BYTES + 64;
    const endsAt = copyAt + blockBytes + 64;
    const pages = Math.ceil((endsAt + 4 * blockBytes + 64) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE), { m: { mem: memory } });
    const wasmScan = instance.exports.scan as (p: number, end: number, out: number) => number;
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
    };
    // refuse an engine that compiles but computes something else
    const probe = Buffer.from('a\nbc\n\n' + 'x'.repeat(40) + '\n\n');
    const expected = indexOfNewlines(64);
    const count = index.scan(probe, 0, probe.length - 1);
    if (count !== expected.scan(probe, 0, probe.length - 1)) return undefined;
    for (let k = 0; k < count; k++) if (ends[k] !== expected.ends[k]) return undefined;
    return index;
  } catch {
    return undefined;
  }
}

/** The index the parser uses (one per process). */
export const NEWLINES: NewlineIndex = simdNewlines() ?? indexOfNewlines();
