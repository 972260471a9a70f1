import { syscallName, syscallNames, type SyscallArch } from '../../profile/syscalls';
import { addName, NAMES_INTS, NEWLINES, type LineClassifier } from './newlines';
import {
  emptySummary,
  MAX_UNREADABLE_SAMPLES,
  compareKeys,
  setOwn,
  UNKNOWN_EXECUTABLE,
  type ForkRecord,
  type ProcessExit,
  type TraceFileSummary,
} from './summary';

export interface TraceParserOptions {
  /** file path or label recorded in `sources` */
  source?: string;
  /** pid of a `-ff` file (its `.PID` suffix); lines without a pid prefix belong to it */
  pid?: number;
  /** program of the first process, when known (else calls before an execve are UNKNOWN_EXECUTABLE) */
  executable?: string;
  /** the tracer's native arch: what "64 bit mode" and "32 bit mode" mean (default x86_64) */
  arch?: 'x86_64' | 'aarch64';
  /** a line longer than this is kept as its first `maxLineBytes` and last 4 KiB (default 1 MiB) */
  maxLineBytes?: number;
  /**
   * false: every line is read in JavaScript, without the WebAssembly classifier (newlines.ts).
   * The result is the same either way (the tests hold the classifier to this); default true.
   */
  classifier?: boolean;
}

// Character codes, named for readability of the scanners below.
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const QMARK = 63;
const UPPER_A = 65;
const UPPER_Z = 90;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const UNDERSCORE = 95;
const LOWER_A = 97;
const LOWER_X = 120;
const LOWER_Z = 122;
const LPAREN = 40;
const RPAREN = 41;

const TAIL_BYTES = 4096;
const MAX_SAMPLE_CHARS = 200;
const NO_PID = -1;
/** no pid: the cache of TraceParser.stateFor is empty */
const NOT_CACHED = -3;

const UNFINISHED = Buffer.from('<unfinished ...>');
const PID_PREFIX = Buffer.from('[pid');
const PROCESS_PREFIX = Buffer.from('[ Process PID=');
const RESUMED_PREFIX = Buffer.from('<... ');
const EXITED = Buffer.from('+++ exited with ');
const KILLED = Buffer.from('+++ killed by ');
const SIGNAL_PREFIX = Buffer.from('--- ');
const STRACE_PREFIX = Buffer.from('strace: ');
const CORE_DUMPED = Buffer.from('(core dumped)');
const EPERM = Buffer.from('EPERM');
const ENOSYS = Buffer.from('ENOSYS');

/** Personalities by index; index 0 is the tracer's native 64-bit one. */
const PERSONALITIES: Record<'x86_64' | 'aarch64', readonly [SyscallArch, SyscallArch, SyscallArch]> = {
  x86_64: ['x86_64', 'x86', 'x32'],
  aarch64: ['aarch64', 'arm', 'arm'],
};

/** A Buffer over the same bytes (no copy): what the parser reads, and what a DataView is made of. */
function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function startsWith(buf: Buffer, at: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (end - at < n) return false;
  for (let k = 0; k < n; k++) if (buf[at + k] !== lit[k]) return false;
  return true;
}

function endsWith(buf: Buffer, start: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (end - start < n) return false;
  const at = end - n;
  for (let k = 0; k < n; k++) if (buf[at + k] !== lit[k]) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** 1 for bytes that may appear in a syscall name as strace prints it ([A-Za-z0-9_], `????`). */
const NAME_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ok =
    (c >= LOWER_A && c <= LOWER_Z) ||
    (c >= ZERO && c <= NINE) ||
    c === UNDERSCORE ||
    (c >= UPPER_A && c <= UPPER_Z) ||
    c === QMARK;
  NAME_CHAR[c] = ok ? 1 : 0;
}

/** Bytes of the numeric prefix tokens (pid, timestamps): PREFIX_DIGIT, PREFIX_PUNCT or 0. */
const PREFIX_DIGIT = 1;
const PREFIX_PUNCT = 2;
const PREFIX_CHAR = new Uint8Array(256);
for (let c = ZERO; c <= NINE; c++) PREFIX_CHAR[c] = PREFIX_DIGIT;
PREFIX_CHAR[DOT] = PREFIX_CHAR[COLON] = PREFIX_PUNCT;

/** Set by numericRunEnd: the run had digits only (a pid, not a timestamp). */
let runDigitsOnly = false;

/**
 * End of the run of [0-9.:] at i (before end): a pid, or a timestamp like 15:39:34.497023.
 * With `view` (a DataView of `buf`) 4 bytes at a time, by bit tricks that test each byte of a
 * word at once (timestamps mix digits, ':' and '.', which a byte loop branches on unpredictably).
 */
function numericRunEnd(buf: Buffer, view: DataView | null, i: number, end: number): number {
  let j = i;
  let notDigits = 0;
  if (view !== null) {
    for (; j + 4 <= end; j += 4) {
      const w = view.getInt32(j, true);
      // per byte, bit 7 of: t = b ^ '0', which is 0…9 for digits and 10 for ':'
      const t = w ^ 0x30303030;
      const notDigitOrColon = (((t & 0x7f7f7f7f) + 0x75757575) | t) & 0x80808080; // t > 10
      const notDigit = (((t & 0x7f7f7f7f) + 0x76767676) | t) & 0x80808080; // t > 9
      const d = w ^ 0x2e2e2e2e; // 0 for '.'
      const notDot = (((d & 0x7f7f7f7f) + 0x7f7f7f7f) | d) & 0x80808080;
      const outside = notDigitOrColon & notDot;
      if (outside !== 0) {
        const inside = (31 - Math.clz32(outside & -outside)) >>> 3; // bytes before the first outside
        notDigits |= notDigit & ((1 << (inside * 8)) - 1);
        runDigitsOnly = notDigits === 0;
        return j + inside;
      }
      notDigits |= notDigit;
    }
  }
  for (; j < end; j++) {
    const kind = PREFIX_CHAR[buf[j]!]!;
    if (kind === 0) break;
    notDigits |= kind & PREFIX_PUNCT;
  }
  runDigitsOnly = notDigits === 0;
  return j;
}

function isNameChar(c: number): boolean {
  return NAME_CHAR[c] === 1;
}

/** Node value of a name that must be resolved per personality (`syscall_0x1b6`, `????`). */
const RAW_NAME = -2;
const MAX_NAME_BYTES = 64;
/** A classified line (lines.wat): kind << 28 | id << 2 | failure; kinds 1 and 2 at or above this */
const UNFINISHED_KIND = 1 << 28;
const ID_MASK = (1 << 26) - 1;
/** nameAt: the line does not start with `name(` */
const NOT_A_NAME = -3; // RAW_NAME is -2
const FNV_PRIME = 0x01000193;
const FNV_SEED = 0x811c9dc5 | 0;
/** execve and the fork family get the first ids; anything at or above this is a plain call */
const SPECIAL_IDS = 5;

/**
 * Interned syscall names. A name is looked up by a fingerprint computed while it is scanned (two
 * independent 32-bit hashes and the length, so ~2^-64 collision odds), so a line costs no string
 * and no byte compare; names are few (hundreds), the table stays in cache.
 */
class NameTable {
  names: string[] = [];
  /**
   * Open addressing, 4 ints a slot: h1, h2, length, value (name id or RAW_NAME); length 0 marks an
   * empty slot. One array, so a lookup is one chain of loads (a slot index into a separate entry
   * array cost the hot path a third of its time).
   */
  private table: Int32Array;
  private mask: number;
  private size = 0;

  /**
   * `slots`: a power of two, twice the names expected (it grows as needed); `onName` is told of
   * every name added (not of raw ones).
   */
  constructor(
    slots: number,
    private readonly onName?: (name: string, id: number) => void,
  ) {
    this.table = new Int32Array(4 * slots);
    this.mask = slots - 1;
  }

  /** The value of a fingerprint, or -1 when unseen. */
  find(h1: number, h2: number, len: number): number {
    const t = this.table;
    const wrap = (this.mask << 2) | 3;
    for (let at = (h1 & this.mask) << 2; ; at = (at + 4) & wrap) {
      const l = t[at + 2]!;
      if (l === len && t[at] === h1 && t[at + 1] === h2) return t[at + 3]!;
      if (l === 0) return -1;
    }
  }

  /** Adds the name at [start, end) (its fingerprint must be unseen); returns its value. */
  add(buf: Buffer, start: number, end: number, h1: number, h2: number): number {
    const name = buf.toString('latin1', start, end);
    const raw = name.startsWith('syscall_') || name.startsWith('?');
    const value = raw ? RAW_NAME : this.names.push(name) - 1;
    if (++this.size * 2 > this.mask) this.grow();
    this.insert(h1, h2, end - start, value);
    if (!raw) this.onName?.(name, value);
    return value;
  }

  /** The value of the name at [start, end), added when unseen. */
  valueAt(buf: Buffer, start: number, end: number): number {
    let h1 = 0;
    let h2 = FNV_SEED;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      h1 = (Math.imul(h1, 31) + c) | 0;
      h2 = Math.imul(h2 ^ c, FNV_PRIME);
    }
    const found = this.find(h1, h2, end - start);
    return found !== -1 ? found : this.add(buf, start, end, h1, h2);
  }

  /** Id of a name given as a string (never RAW_NAME for real syscall names). */
  idOf(name: string): number {
    const bytes = Buffer.from(name, 'latin1');
    return this.valueAt(bytes, 0, bytes.length);
  }

  /** A copy that tells `onName` of the names added to it. */
  clone(onName?: (name: string, id: number) => void): NameTable {
    const copy = new NameTable(this.mask + 1, onName);
    copy.names = [...this.names];
    copy.table.set(this.table);
    copy.size = this.size;
    return copy;
  }

  private insert(h1: number, h2: number, len: number, value: number): void {
    const t = this.table;
    const wrap = (this.mask << 2) | 3;
    let at = (h1 & this.mask) << 2;
    while (t[at + 2] !== 0) at = (at + 4) & wrap;
    t[at] = h1;
    t[at + 1] = h2;
    t[at + 2] = len;
    t[at + 3] = value;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 2] !== 0) this.insert(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
    }
  }
}

/**
 * The names a parser starts with, per native arch: execve and the fork family first (the ids
 * below SPECIAL_IDS), then the arch's syscalls; and the classifier's table of them.
 */
const seeds = new Map<SyscallArch, { names: NameTable; classifierNames: Int32Array }>();
function seededNames(arch: SyscallArch): { names: NameTable; classifierNames: Int32Array } {
  let seed = seeds.get(arch);
  if (!seed) {
    const classifierNames = new Int32Array(NAMES_INTS);
    const names = new NameTable(1024, (name, id) => {
      if (id >= SPECIAL_IDS) addName(classifierNames, name, id);
    });
    for (const n of ['execve', 'clone', 'clone3', 'fork', 'vfork', ...syscallNames(arch).sort()]) {
      names.idOf(n);
    }
    seed = { names, classifierNames };
    seeds.set(arch, seed);
  }
  return seed;
}

/** Calls of one program, indexed by name id. */
class Counts {
  calls: number[] = new Array<number>(512).fill(0);
  add(id: number): void {
    const c = this.calls;
    if (id >= c.length) while (c.length <= id) c.push(0);
    c[id]!++;
  }
  addAll(other: Counts): void {
    other.calls.forEach((n, id) => {
      if (n > 0) {
        while (this.calls.length <= id) this.calls.push(0);
        this.calls[id]! += n;
      }
    });
  }
}

/** What we know of one traced process (one file with -ff, one pid prefix with -f). */
class ProcessState {
  pid: number;
  /** the program it runs, once known (an execve, or its parent's program via the fork) */
  program: string | null;
  programCounts: Counts | null;
  /** calls made before the program was known and before the fork was linked */
  pending: Counts | null = null;
  linked = false;
  exited = false;
  personality = 0;
  /** a call started but not finished on an earlier line (`<unfinished ...>`, or broken by noise) */
  inflight = -1;
  inflightExec: string | null = null;
  constructor(pid: number, program: string | null, counts: Counts | null) {
    this.pid = pid;
    this.program = program;
    this.programCounts = counts;
  }
}

/** Result of a call, from its ` = …` tail. */
const enum Ret {
  None = 0,
  Ok = 1,
  Eperm = 2,
  Enosys = 3,
  OtherError = 4,
}

/**
 * Streaming strace parser. Feed it chunks (`push`), then `end()` gives the summary. Chunks may
 * split lines anywhere; any input is accepted (what cannot be read is counted, never thrown).
 * Scans bytes with charCode comparisons; builds strings only for names seen the first time,
 * program paths and samples.
 *
 * How it is fast: the line ends of a block are found at once by a SIMD scan, and the block's
 * ordinary lines (calls finished, unfinished or resumed, with or without pid and timestamp
 * prefixes: ~98 % of a real trace's lines) are read by a WebAssembly function into the call's
 * id, failure and pid (lines.wat, via newlines.ts); parseLines only applies them, the counts of
 * unprefixed calls kept at hand (`fastCalls`). Every other line goes through parseGeneral, which
 * reads every form and is the definition the classifier is tested against (`classifier: false`
 * reads every line with it). The names table starts with the arch's syscall names, so the
 * classifier knows them from the first line. Hot paths allocate nothing.
 */
export class TraceParser {
  private readonly names: NameTable;
  private readonly programs = new Map<string, Counts>();
  private readonly processes = new Map<number, ProcessState>();
  private readonly personalities: readonly [SyscallArch, SyscallArch, SyscallArch];
  private readonly personalitySeen = [false, false, false];
  private readonly maxLine: number;
  private readonly summary = emptySummary();
  private readonly unresolved = new Map<string, number>();
  private readonly eperm: number[] = [];
  private readonly enosys: number[] = [];
  /** signal names, interned like syscall names (no string per `--- SIG… ---` line) */
  private readonly signalNames = new NameTable(32);
  private readonly signals: number[] = [];
  // exits and forks in parallel arrays, one object each only when the summary is made
  private readonly exitStates: ProcessState[] = [];
  /** the exit code, or -1 for a process killed by a signal (then in exitKills) */
  private readonly exitCodes: number[] = [];
  private readonly exitKills: (ProcessExit | null)[] = [];
  private readonly forkParents: ProcessState[] = [];
  private readonly forkChildren: number[] = [];
  private readonly forkPrograms: (string | null)[] = [];
  private readonly parents = new Map<number, ProcessState>();
  private readonly idExecve: number;
  /** name id → 1 for clone/clone3/fork/vfork (ids below SPECIAL_IDS) */
  private readonly forkIds: Uint8Array;
  private readonly multiPid: boolean;
  /** the WebAssembly line classifier, unless there is none or the options turn it off */
  private readonly lines: LineClassifier | undefined;
  /**
   * The classifier's names table for this parser's ids: the seed's, shared, until the parser
   * learns a name of its own (then a copy of it with that name); loaded into the classifier's
   * memory while this parser's lines are read, unless it is there already.
   */
  private classifierNames: Int32Array;

  private last: ProcessState | null = null;
  /** the pid `last` was looked up by; NOT_CACHED when none (a small integer keeps the field a Smi) */
  private lastPid = NOT_CACHED;
  /** the unprefixed process of a `-f` trace on stderr, until its pid shows */
  private root: ProcessState | null = null;
  private lastOpen: ProcessState | null = null;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private carryTail: Buffer | null = null;
  private ended = false;

  constructor(private readonly options: TraceParserOptions = {}) {
    this.personalities = PERSONALITIES[options.arch ?? 'x86_64'];
    const seed = seededNames(this.personalities[0]);
    this.names = seed.names.clone((name, id) => this.learn(name, id));
    this.maxLine = Math.max(256, options.maxLineBytes ?? 1 << 20);
    // (interned first in the seed, so every other name has an id ≥ SPECIAL_IDS)
    this.idExecve = this.names.idOf('execve');
    this.forkIds = new Uint8Array(SPECIAL_IDS);
    for (const n of ['clone', 'clone3', 'fork', 'vfork']) this.forkIds[this.names.idOf(n)] = 1;
    this.multiPid = options.pid === undefined;
    this.lines = options.classifier === false ? undefined : NEWLINES.lines;
    this.classifierNames = seed.classifierNames;
    if (options.source !== undefined) this.summary.sources.push(options.source);
    if (options.pid !== undefined) this.summary.pid = options.pid;
  }

  /** Feeds a chunk of strace output. */
  push(chunk: Uint8Array | string): void {
    if (this.ended) return;
    const buf = asBuffer(chunk);
    const input = NEWLINES.input;
    if (this.lines === undefined || buf.buffer === input.buffer) {
      this.pushChunk(buf);
      return;
    }
    // the classifier reads the WebAssembly memory: bytes from elsewhere are copied into `input`
    // (whoever reads into it pushes what it read before anything else runs, see NewlineIndex)
    for (let at = 0; at < buf.length; at += input.length) {
      const n = Math.min(input.length, buf.length - at);
      buf.copy(input, 0, at, at + n);
      this.pushChunk(input.subarray(0, n));
    }
  }

  private pushChunk(buf: Buffer): void {
    const len = buf.length;
    let start = 0;
    if (this.carryLen > 0 || this.carryTail) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.keep(buf, 0, len);
        return;
      }
      this.keep(buf, 0, nl);
      const line = this.takeCarry();
      this.line(line, 0, line.length);
      start = nl + 1;
    }
    // the line ends of a block come from one scan (see newlines.ts), and its ordinary lines are
    // read by the classifier, when the bytes are in its memory; the view reads 4 bytes at once
    const view = new DataView(buf.buffer, buf.byteOffset, len);
    const block = NEWLINES.blockBytes;
    const classifier = buf.buffer === NEWLINES.input.buffer ? this.lines : undefined;
    if (classifier !== undefined && classifier.owner !== this.classifierNames) {
      classifier.names.set(this.classifierNames);
      classifier.owner = this.classifierNames;
    }
    const at = buf.byteOffset;
    let lines = 0;
    for (let base = start; base < len; base += block) {
      const count = NEWLINES.scan(buf, base, Math.min(block, len - base));
      lines += count;
      if (classifier !== undefined) classifier.classify(at + start, at + base, count, at + len);
      start = this.parseLines(
        buf,
        view,
        start,
        base,
        count,
        classifier?.ids ?? null,
        classifier?.pids ?? null,
      );
    }
    this.summary.lines += lines;
    if (start < len) this.keep(buf, start, len);
  }

  /**
   * The hot loop, over the `count` line ends the scan of the block at `base` found; returns where
   * the next line starts. (A function of its own, called per block, so V8 optimises it as a whole
   * rather than only the loop of a long-running push, which deoptimised on leaving the loop.) A
   * throw (only a bug could cause one) marks its line unreadable and the loop goes on.
   */
  private parseLines(
    buf: Buffer,
    view: DataView,
    start: number,
    base: number,
    count: number,
    ids: Int32Array | null,
    pids: Int32Array | null,
  ): number {
    const ends = NEWLINES.ends;
    for (let q = 0; q < count; q++) {
      const end = base + ends[q]!;
      // a line the classifier read (kind << 28 | id << 2 | how it failed, see lines.wat): only
      // its effects are left
      const known = ids === null ? -1 : ids[q]!;
      if (known >= 0) {
        const id = (known >>> 2) & ID_MASK;
        const pid = pids![q]!;
        if (known < UNFINISHED_KIND && pid === NO_PID) {
          const calls = this.fastCalls ?? this.startFastRun();
          if (id < calls.length) calls[id]!++;
          else this.count(this.stateFor(NO_PID), id);
        } else this.classified(pid, id, known >>> 28);
        if ((known & 3) !== 0) this.failure(id, (known & 3) === 1 ? Ret.Eperm : Ret.Enosys);
        start = end + 1;
        continue;
      }
      try {
        if (!this.parseGeneral(buf, start, end, view)) this.unreadable(buf, start, end);
      } catch {
        this.unreadable(buf, start, end);
      }
      start = end + 1;
    }
    return start;
  }

  /** A new name: the classifier knows ordinary ones (not execve, the fork family) from now on. */
  private learn(name: string, id: number): void {
    const lines = this.lines;
    if (lines === undefined || id < SPECIAL_IDS || name.length > 15) return;
    const before = this.classifierNames;
    const own = before === seededNames(this.personalities[0]).classifierNames ? before.slice() : before;
    if (!addName(own, name, id)) return;
    this.classifierNames = own;
    // the table being read now (this parser's, before the name) gets it too
    if (lines.owner === before) {
      addName(lines.names, name, id);
      lines.owner = own;
    }
  }

  /**
   * What parseGeneral does with a line of process `pid` the classifier read (but the failure):
   * `kind` 0 a finished call, 1 an unfinished one, 2 its resumption.
   */
  private classified(pid: number, id: number, kind: number): void {
    this.fastCalls = null;
    const state = this.stateFor(pid);
    if (kind !== 2) {
      this.count(state, id);
      this.lastOpen = null;
    }
    state.inflight = kind === 1 ? id : -1;
    if (kind !== 0) state.inflightExec = null;
  }

  /** Ends the input (a last line without newline is read) and returns the summary. */
  end(): TraceFileSummary {
    if (this.ended) return this.summary;
    if (this.carryLen > 0 || this.carryTail) {
      const line = this.takeCarry();
      this.line(line, 0, line.length);
    }
    this.ended = true;
    return this.finish();
  }

  /** Keeps part of an unfinished line; past the cap only a rolling tail is kept. */
  private keep(buf: Buffer, start: number, end: number): void {
    let from = start;
    const room = this.maxLine - this.carryLen;
    if (room > 0) {
      const take = Math.min(room, end - from);
      this.carry.push(Buffer.from(buf.subarray(from, from + take)));
      this.carryLen += take;
      from += take;
    }
    if (from < end) {
      const rest = buf.subarray(Math.max(from, end - TAIL_BYTES), end);
      const prev = this.carryTail;
      const joined = prev ? Buffer.concat([prev, rest]) : Buffer.from(rest);
      this.carryTail = joined.length > TAIL_BYTES ? joined.subarray(joined.length - TAIL_BYTES) : joined;
    }
  }

  private takeCarry(): Buffer {
    const parts = this.carry;
    if (this.carryTail) {
      parts.push(this.carryTail);
      this.summary.truncatedLines++;
    }
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.carry = [];
    this.carryLen = 0;
    this.carryTail = null;
    return line;
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.summary.lines++;
    try {
      if (!this.parseGeneral(buf, start, end, null)) this.unreadable(buf, start, end);
    } catch {
      this.unreadable(buf, start, end);
    }
  }

  private unreadable(buf: Buffer, start: number, end: number): void {
    const u = this.summary.unreadable;
    u.count++;
    if (u.samples.length < MAX_UNREADABLE_SAMPLES) {
      const text = buf.toString('utf8', start, Math.min(end, start + MAX_SAMPLE_CHARS * 4));
      u.samples.push(text.length > MAX_SAMPLE_CHARS ? text.slice(0, MAX_SAMPLE_CHARS) + '…' : text);
    }
  }

  /** Where the name `nameAt` read ends: its '('. */
  private nameEnd = 0;

  /**
   * Id of the syscall name at `i`, followed by its '(' (`nameEnd`), or NOT_A_NAME. The name is
   * fingerprinted while scanned, so looking it up costs no string.
   */
  private nameAt(buf: Buffer, i: number, end: number): number {
    let h1 = 0;
    let h2 = FNV_SEED;
    let j = i;
    while (j < end) {
      const d = buf[j]!;
      if (NAME_CHAR[d] === 0) break;
      h1 = (Math.imul(h1, 31) + d) | 0;
      h2 = Math.imul(h2 ^ d, FNV_PRIME);
      j++;
    }
    if (j >= end || buf[j] !== LPAREN || j - i > MAX_NAME_BYTES) return NOT_A_NAME;
    let id = this.names.find(h1, h2, j - i);
    if (id === -1) id = this.names.add(buf, i, j, h1, h2);
    this.nameEnd = j;
    return id;
  }

  /**
   * The counts of the process of unprefixed lines, kept at hand while classified lines follow
   * one another (any line parseGeneral reads drops them: what they belong to may change).
   */
  private fastCalls: number[] | null = null;
  private startFastRun(): number[] {
    const state = this.stateFor(NO_PID);
    state.inflight = -1;
    this.lastOpen = null;
    this.personalitySeen[state.personality] = true;
    return (this.fastCalls = (state.programCounts ?? (state.pending ??= new Counts())).calls);
  }

  /** Every line form (DESIGN §4 "strace output"); false when the line is none of them. */
  private parseGeneral(buf: Buffer, start: number, lineEnd: number, view: DataView | null): boolean {
    this.fastCalls = null; // what it belongs to may change below
    let end = lineEnd;
    while (end > start && (buf[end - 1] === CR || buf[end - 1] === SPACE)) end--;
    let i = start;
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    if (i >= end) return true; // blank line

    // Prefixes: "[pid  123] ", "123 " (-f -o), timestamps "12:34:56", "12:34:56.123456",
    // "1700000000.123456", relative "0.000123".
    let pid = NO_PID;
    let c = buf[i]!;
    if (c === LBRACKET) {
      if (startsWith(buf, i, end, PID_PREFIX)) {
        i += PID_PREFIX.length;
        while (i < end && buf[i] === SPACE) i++;
        const digits = i;
        while (i < end && isDigit(buf[i]!)) i++;
        const p = i > digits ? decimal(buf, digits, i) : -1;
        while (i < end && buf[i] !== RBRACKET) i++; // "[pid 123<comm>]"
        if (p < 0 || i >= end) return false;
        pid = p;
        i++;
        while (i < end && buf[i] === SPACE) i++;
      } else if (startsWith(buf, i, end, PROCESS_PREFIX)) {
        return this.personalitySwitch(buf, i + PROCESS_PREFIX.length, end);
      } else {
        return false;
      }
    }
    let tokens = 0;
    while (i < end && isDigit(buf[i]!) && tokens < 3) {
      const j = numericRunEnd(buf, view, i, end);
      const plain = runDigitsOnly;
      if (j >= end || buf[j] !== SPACE) {
        if (tokens === 0 && pid === NO_PID && this.lastOpen) return this.continuation(buf, i, end, view);
        return false;
      }
      // (the value is read only for a pid: accumulating every timestamp's digits into a number
      // overflowed 31 bits and made V8 fall back to slow arithmetic for the whole loop)
      if (plain && pid === NO_PID && tokens === 0) pid = decimal(buf, i, j);
      else if (plain) return false;
      tokens++;
      i = j;
      while (i < end && buf[i] === SPACE) i++;
    }
    if (i >= end) return false;

    const state = this.stateFor(pid);
    c = buf[i]!;
    if (c === LT) {
      if (pid === NO_PID && this.lastOpen && startsWith(buf, i, end, UNFINISHED))
        return this.continuation(buf, i, end, view);
      return this.resumed(state, buf, i, end, view);
    }
    if (c === MINUS) return this.signal(buf, i, end);
    if (c === PLUS) return this.exit(state, buf, i, end);
    if (c === LBRACKET && startsWith(buf, i, end, PROCESS_PREFIX)) {
      return this.personalitySwitch(buf, i + PROCESS_PREFIX.length, end);
    }
    if (!isNameChar(c)) {
      if ((c === COMMA || c === RPAREN) && pid === NO_PID && this.lastOpen)
        return this.continuation(buf, i, end, view);
      return false;
    }
    if (c === LOWER_A + 18 /* s */ && pid === NO_PID && startsWith(buf, i, end, STRACE_PREFIX)) return true;

    let id = this.nameAt(buf, i, end);
    if (id === NOT_A_NAME) return false;
    const j = this.nameEnd;
    if (id === RAW_NAME) {
      id = this.resolveRaw(state, buf, i, j);
      if (id === -1) return true;
    }
    this.count(state, id);

    if (endsWith(buf, j, end, UNFINISHED)) {
      state.inflight = id;
      state.inflightExec = id === this.idExecve ? execPath(buf, j + 1, end) : null;
      this.lastOpen = null;
      return true;
    }
    const r = resultAt(buf, j, end, view);
    if (r < 0) {
      // cut by noise (e.g. "strace: Process N attached" on the same stream): the tail may follow
      state.inflight = id;
      state.inflightExec = id === this.idExecve ? execPath(buf, j + 1, end) : null;
      this.lastOpen = state;
      return true;
    }
    this.lastOpen = null;
    state.inflight = -1;
    // the common case (a plain successful call) costs no call below
    if (buf[r] === MINUS || id < SPECIAL_IDS) {
      // (the path is read only when `result` uses it: an execve that returned 0)
      const ran = id === this.idExecve && buf[r] === ZERO && (r + 1 >= end || buf[r + 1] === SPACE);
      this.result(state, id, buf, r, end, ran ? execPath(buf, j + 1, end) : null);
    }
    return true;
  }

  private isFork(id: number): boolean {
    return id >= 0 && id < SPECIAL_IDS && this.forkIds[id] === 1;
  }

  /** The process a line belongs to; creates it (and links it to a forking parent) when new. */
  private stateFor(pid: number): ProcessState {
    if (pid === this.lastPid && this.last !== null) return this.last;
    const key = pid === NO_PID && this.options.pid !== undefined ? this.options.pid : pid;
    let state = this.processes.get(key) ?? (key === NO_PID ? this.onlyLive() : undefined);
    if (!state) {
      state = this.newProcess(key);
      this.processes.set(key, state);
    }
    this.last = state;
    this.lastPid = pid;
    return state;
  }

  private newProcess(pid: number): ProcessState {
    const initial = this.options.executable;
    if (this.processes.size === 0) {
      const state = new ProcessState(pid, initial ?? null, initial ? this.programCounts(initial) : null);
      if (pid === NO_PID) this.root = state;
      return state;
    }
    // A -f trace on stderr has no prefix until a second process shows: the first pid that appears
    // without a fork in flight is the unprefixed root.
    const root = this.root;
    if (root && pid !== NO_PID && !this.forkInFlight() && !this.parents.has(pid)) {
      this.processes.delete(NO_PID);
      root.pid = pid;
      this.root = null;
      return root;
    }
    const state = new ProcessState(pid, null, null);
    const parent = this.parents.get(pid) ?? this.forkInFlight();
    if (parent) this.link(state, parent);
    return state;
  }

  /** strace drops the pid prefix again when one traced process is left. */
  private onlyLive(): ProcessState | undefined {
    let found: ProcessState | undefined;
    for (const s of this.processes.values()) if (!s.exited) found = s;
    return found;
  }

  private forkInFlight(): ProcessState | null {
    let found: ProcessState | null = null;
    for (const s of this.processes.values()) if (this.isFork(s.inflight)) found = s;
    return found;
  }

  /** The child runs its parent's program until it execs: give it the calls made so far. */
  private link(child: ProcessState, parent: ProcessState): void {
    if (child.linked) return;
    child.linked = true;
    const program = parent.program;
    if (program === null) return; // the parent itself is pending; resolved at the end via forks
    const counts = this.programCounts(program);
    if (child.pending) {
      counts.addAll(child.pending);
      child.pending = null;
    }
    if (child.program === null) {
      child.program = program;
      child.programCounts = counts;
    }
  }

  private programCounts(program: string): Counts {
    let counts = this.programs.get(program);
    if (!counts) {
      counts = new Counts();
      this.programs.set(program, counts);
    }
    return counts;
  }

  private count(state: ProcessState, id: number): void {
    const counts = state.programCounts ?? (state.pending ??= new Counts());
    counts.add(id);
    this.personalitySeen[state.personality] = true;
  }

  /** `syscall_0x1b6`, `syscall_438`, `????`: resolved through the current personality's table. */
  private resolveRaw(state: ProcessState, buf: Buffer, start: number, end: number): number {
    const raw = buf.toString('latin1', start, end);
    let nr = NaN;
    if (raw.startsWith('syscall_0x')) nr = parseInt(raw.slice(10), 16);
    else if (raw.startsWith('syscall_')) nr = parseInt(raw.slice(8), 10);
    const name = Number.isFinite(nr) ? syscallName(this.personalities[state.personality]!, nr) : undefined;
    if (name !== undefined) return this.names.idOf(name);
    this.unresolved.set(raw, (this.unresolved.get(raw) ?? 0) + 1);
    return -1;
  }

  /** `<... name resumed>…) = ret` */
  private resumed(state: ProcessState, buf: Buffer, i: number, end: number, view: DataView | null): boolean {
    if (!startsWith(buf, i, end, RESUMED_PREFIX)) return false;
    let j = i + RESUMED_PREFIX.length;
    const nameStart = j;
    while (j < end && isNameChar(buf[j]!)) j++;
    if (j === nameStart || buf[j] !== SPACE || j - nameStart > MAX_NAME_BYTES) return false;
    let id = this.names.valueAt(buf, nameStart, j); // or RAW_NAME
    if (id === RAW_NAME) id = this.resolveRaw(state, buf, nameStart, j);
    const exec = state.inflight === this.idExecve ? state.inflightExec : null;
    state.inflight = -1;
    state.inflightExec = null;
    if (id < 0 || endsWith(buf, j, end, UNFINISHED)) return true;
    const r = resultAt(buf, j, end, view);
    if (r >= 0) this.result(state, id, buf, r, end, exec);
    return true;
  }

  /** The tail of a call line that noise cut in two: `, child_tidptr=0x…) = 10`. */
  private continuation(buf: Buffer, i: number, end: number, view: DataView | null): boolean {
    const state = this.lastOpen!;
    this.lastOpen = null;
    const id = state.inflight;
    const exec = state.inflightExec;
    state.inflight = -1;
    state.inflightExec = null;
    if (id < 0) return false;
    if (endsWith(buf, i, end, UNFINISHED)) {
      state.inflight = id;
      state.inflightExec = exec;
      return true;
    }
    const r = resultAt(buf, i, end, view);
    if (r < 0) return false;
    this.result(state, id, buf, r, end, exec);
    return true;
  }

  /** Reads ` = ret` starting at `r` (just after "= "). */
  private result(
    state: ProcessState,
    id: number,
    buf: Buffer,
    r: number,
    end: number,
    exec: string | null,
  ): void {
    const ret = retKind(buf, r, end);
    if (ret !== Ret.Ok) this.failure(id, ret);
    else {
      if (id === this.idExecve) {
        if (exec !== null && buf[r] === ZERO && (r + 1 >= end || buf[r + 1] === SPACE))
          this.exec(state, exec);
      } else if (this.isFork(id)) {
        const child = decimalAt(buf, r, end);
        if (child > 0) this.forked(state, child);
      }
    }
  }

  /** Counts the failures that matter. */
  private failure(id: number, ret: Ret): void {
    if (ret === Ret.Eperm) this.eperm[id] = (this.eperm[id] ?? 0) + 1;
    else if (ret === Ret.Enosys) this.enosys[id] = (this.enosys[id] ?? 0) + 1;
  }

  private exec(state: ProcessState, program: string): void {
    state.program = program;
    state.programCounts = this.programCounts(program);
    // after an execve, nothing of the parent's program remains to inherit
    state.linked = true;
  }

  private forked(parent: ProcessState, childPid: number): void {
    this.forkParents.push(parent);
    this.forkChildren.push(childPid);
    this.forkPrograms.push(parent.program);
    this.parents.set(childPid, parent);
    const child = this.processes.get(childPid);
    if (child) this.link(child, parent);
  }

  /** `--- SIGCHLD {si_signo=…} ---`, `--- stopped by SIGSTOP ---` */
  private signal(buf: Buffer, i: number, end: number): boolean {
    if (!startsWith(buf, i, end, SIGNAL_PREFIX)) return false;
    let j = i + SIGNAL_PREFIX.length;
    if (buf[j] !== UPPER_A + 18 /* S */) return true; // "--- stopped by …", other notices
    const s = j;
    while (j < end && isNameChar(buf[j]!)) j++;
    if (buf[j] === PLUS) j++; // SIGRTMIN+3
    while (j < end && isDigit(buf[j]!)) j++;
    const id = this.signalNames.valueAt(buf, s, j);
    this.signals[id] = (this.signals[id] ?? 0) + 1;
    return true;
  }

  /** `+++ exited with N +++`, `+++ killed by SIGKILL (core dumped) +++`, `+++ superseded … +++` */
  private exit(state: ProcessState, buf: Buffer, i: number, end: number): boolean {
    if (startsWith(buf, i, end, EXITED)) {
      const code = decimalAt(buf, i + EXITED.length, end);
      if (code < 0) return false;
      this.exited(state, code, null);
      return true;
    }
    if (startsWith(buf, i, end, KILLED)) {
      let j = i + KILLED.length;
      const s = j;
      while (j < end && isNameChar(buf[j]!)) j++;
      if (buf[j] === PLUS) while (++j < end && isDigit(buf[j]!));
      const exit: ProcessExit = { signal: buf.toString('latin1', s, j) };
      for (let k = j; k < end; k++) {
        if (buf[k] === LPAREN && startsWith(buf, k, end, CORE_DUMPED)) exit.coreDumped = true;
      }
      this.exited(state, -1, exit);
      return true;
    }
    return buf[i + 1] === PLUS && buf[i + 2] === PLUS;
  }

  private exited(state: ProcessState, code: number, kill: ProcessExit | null): void {
    this.exitStates.push(state);
    this.exitCodes.push(code);
    this.exitKills.push(kill);
    state.exited = true;
    this.lastPid = NOT_CACHED;
  }

  /** `[ Process PID=123 runs in 32 bit mode. ]` (also `x32 mode`, `64 bit mode`) */
  private personalitySwitch(buf: Buffer, i: number, end: number): boolean {
    const pid = decimalAt(buf, i, end);
    if (pid < 0) return false;
    const text = buf.toString('latin1', i, end);
    let mode: number;
    if (text.includes(' 64 bit mode')) mode = 0;
    else if (text.includes(' 32 bit mode')) mode = 1;
    else if (text.includes(' x32 mode')) mode = 2;
    else return false;
    let state: ProcessState;
    if (!this.multiPid) state = this.stateFor(NO_PID);
    else if (this.processes.has(pid)) state = this.processes.get(pid)!;
    else if (this.root && this.processes.size === 1)
      state = this.root; // -ff file without a pid given
    else state = this.stateFor(pid);
    state.personality = mode;
    return true;
  }

  private finish(): TraceFileSummary {
    const s = this.summary;
    const names = this.names.names;
    // Calls still pending belong to the process's own (unknown) start, or to a parent that was
    // itself pending when it forked: both end up as the given executable or UNKNOWN_EXECUTABLE.
    const fallback = this.options.executable ?? UNKNOWN_EXECUTABLE;
    for (const state of this.processes.values()) {
      if (state.pending) {
        this.programCounts(fallback).addAll(state.pending);
        state.pending = null;
      }
    }
    // Every record is built in key order (what normaliseSummary would sort it into): the names
    // are sorted once, not each program's record.
    const byName = names.map((_, id) => id).sort((a, b) => compareKeys(names[a]!, names[b]!));
    const totals: number[] = new Array<number>(names.length).fill(0);
    const record = (counts: readonly (number | undefined)[]): Record<string, number> => {
      const r: Record<string, number> = {};
      for (const id of byName) {
        const n = counts[id];
        if (n) setOwn(r, names[id]!, n);
      }
      return r;
    };
    for (const program of [...this.programs.keys()].sort(compareKeys)) {
      const calls = this.programs.get(program)!.calls;
      for (let id = 0; id < totals.length && id < calls.length; id++) totals[id]! += calls[id]!;
      const r = record(calls);
      if (Object.keys(r).length > 0) setOwn(s.executables, program, r);
    }
    s.syscalls = record(totals);
    s.failures = { EPERM: record(this.eperm), ENOSYS: record(this.enosys) };
    const signalNames = this.signalNames.names;
    s.signals = Object.fromEntries(
      signalNames
        .map((name, id): [string, number] => [name, this.signals[id]!])
        .sort(([a], [b]) => compareKeys(a, b)),
    );
    s.unresolved = Object.fromEntries([...this.unresolved].sort(([a], [b]) => compareKeys(a, b)));
    const pidOf = (st: ProcessState): number | undefined =>
      st.pid !== NO_PID ? st.pid : this.options.pid !== undefined ? this.options.pid : undefined;
    s.exits = this.exitStates.map((state, k) => {
      const pid = pidOf(state);
      const code = this.exitCodes[k]!;
      const kill = this.exitKills[k]!;
      if (code >= 0) return pid === undefined ? { code } : { pid, code };
      return pid === undefined ? kill : { pid, ...kill };
    });
    s.forks = this.forkParents.map((parent, k) => {
      const f: ForkRecord = { childPid: this.forkChildren[k]!, executable: this.forkPrograms[k] ?? fallback };
      const parentPid = pidOf(parent);
      if (parentPid !== undefined) f.parentPid = parentPid;
      return f;
    });
    s.personalities = this.personalities.filter((_, k) => this.personalitySeen[k]);
    s.personalities = [...new Set(s.personalities)].sort();
    return s;
  }
}

/**
 * Index just after the `= ` of the call's result, or -1. Skips a `-T` ` <0.000012>` suffix.
 * With `view` (a DataView of `buf`) the search goes 4 bytes at a time: an error's message,
 * `-1 ENOENT (No such file or directory)`, is long.
 */
function resultAt(buf: Buffer, from: number, end: number, view: DataView | null): number {
  let e = end;
  if (buf[e - 1] === GT) {
    let k = e - 2;
    while (k > from && (isDigit(buf[k]!) || buf[k] === DOT)) k--;
    if (buf[k] === LT && k < e - 2 && buf[k - 1] === SPACE) e = k - 1;
  }
  let k = e - 2;
  if (view !== null) {
    // while the 4 bytes ending at k hold no '=', none of them is the one
    for (; k - 3 > from; k -= 4) {
      const x = view.getInt32(k - 3, true) ^ 0x3d3d3d3d;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
    }
  }
  for (; k > from; k--) {
    if (buf[k] === EQ && buf[k - 1] === SPACE && buf[k + 1] === SPACE) return k + 2;
  }
  return -1;
}

function retKind(buf: Buffer, r: number, end: number): Ret {
  if (r >= end) return Ret.None;
  const c = buf[r]!;
  if (c === MINUS) {
    // "-1 EPERM (Operation not permitted)"
    let k = r + 1;
    while (k < end && isDigit(buf[k]!)) k++;
    if (buf[k] !== SPACE || buf[k + 1] !== UPPER_A + 4 /* E */) return Ret.OtherError;
    // the errno is the word at s (up to a space or the end); only two of them matter
    const s = k + 1;
    if (wordAt(buf, s, end, EPERM)) return Ret.Eperm;
    if (wordAt(buf, s, end, ENOSYS)) return Ret.Enosys;
    return Ret.OtherError;
  }
  if (c === QMARK) return Ret.None;
  return Ret.Ok;
}

/** Whether [at, end) starts with the word `lit`, followed by a space or the end. */
function wordAt(buf: Buffer, at: number, end: number, lit: Uint8Array): boolean {
  const after = at + lit.length;
  return after <= end && startsWith(buf, at, end, lit) && (after === end || buf[after] === SPACE);
}

/** Non-negative decimal at `at`, or -1. */
function decimalAt(buf: Buffer, at: number, end: number): number {
  let k = at;
  while (k < end && isDigit(buf[k]!)) k++;
  return k === at ? -1 : decimal(buf, at, k);
}

/**
 * The value of the digits at [from, to). Up to 9 digits in int32 arithmetic: a pid computed in
 * doubles came out as a heap number, which turned every pid field and Map key it reached into
 * a slower double (and cost deoptimisations); longer runs of digits keep their exact value.
 */
function decimal(buf: Buffer, from: number, to: number): number {
  let v = 0;
  if (to - from <= 9) {
    for (let k = from; k < to; k++) v = (v * 10 + buf[k]! - ZERO) | 0;
  } else {
    for (let k = from; k < to; k++) v = v * 10 + buf[k]! - ZERO;
  }
  return v;
}

/** First argument of `execve("…", …)` as a string (strace's C escapes undone), or null. */
function execPath(buf: Buffer, at: number, end: number): string | null {
  if (buf[at] !== QUOTE) return null;
  // most paths have no escapes: decoded in one go
  for (let k = at + 1; k < end; k++) {
    const c = buf[k]!;
    if (c === BACKSLASH) break;
    if (c === QUOTE) {
      const path = buf.toString('utf8', at + 1, k);
      return buf[k + 1] === DOT && buf[k + 2] === DOT && buf[k + 3] === DOT ? path + '...' : path;
    }
  }
  const bytes: number[] = [];
  let k = at + 1;
  while (k < end) {
    const c = buf[k]!;
    if (c === QUOTE) {
      const path = Buffer.from(bytes).toString('utf8');
      return buf[k + 1] === DOT && buf[k + 2] === DOT && buf[k + 3] === DOT ? path + '...' : path;
    }
    if (c !== BACKSLASH) {
      bytes.push(c);
      k++;
      continue;
    }
    const n = buf[k + 1];
    k += 2;
    if (n === undefined) return null;
    if (n === LOWER_X) {
      const hex = buf.toString('latin1', k, k + 2);
      bytes.push(parseInt(hex, 16) || 0);
      k += 2;
    } else if (n >= ZERO && n <= ZERO + 7) {
      let v = n - ZERO;
      for (let d = 0; d < 2 && buf[k]! >= ZERO && buf[k]! <= ZERO + 7; d++) v = v * 8 + buf[k++]! - ZERO;
      bytes.push(v & 0xff);
    } else {
      const map: Record<number, number> = { 110: 10, 116: 9, 114: 13, 118: 11, 102: 12, 97: 7, 98: 8 };
      bytes.push(map[n] ?? n);
    }
  }
  return null;
}
