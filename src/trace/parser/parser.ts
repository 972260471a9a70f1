import { syscallName, type SyscallArch } from '../../profile/syscalls';
import {
  emptySummary,
  MAX_UNREADABLE_SAMPLES,
  normaliseSummary,
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

const UNFINISHED = Buffer.from('<unfinished ...>');
const PID_PREFIX = Buffer.from('[pid');
const PROCESS_PREFIX = Buffer.from('[ Process PID=');
const RESUMED_PREFIX = Buffer.from('<... ');
const EXITED = Buffer.from('+++ exited with ');
const KILLED = Buffer.from('+++ killed by ');
const SIGNAL_PREFIX = Buffer.from('--- ');
const STRACE_PREFIX = Buffer.from('strace: ');
const CORE_DUMPED = Buffer.from('(core dumped)');

/** Personalities by index; index 0 is the tracer's native 64-bit one. */
const PERSONALITIES: Record<'x86_64' | 'aarch64', readonly [SyscallArch, SyscallArch, SyscallArch]> = {
  x86_64: ['x86_64', 'x86', 'x32'],
  aarch64: ['aarch64', 'arm', 'arm'],
};

function startsWith(buf: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (end - at < n) return false;
  for (let k = 0; k < n; k++) if (buf[at + k] !== lit[k]) return false;
  return true;
}

function endsWith(buf: Uint8Array, start: number, end: number, lit: Uint8Array): boolean {
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

function isNameChar(c: number): boolean {
  return NAME_CHAR[c] === 1;
}

/** Node value of a name that must be resolved per personality (`syscall_0x1b6`, `????`). */
const RAW_NAME = -2;
const MAX_NAME_BYTES = 64;
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
  /** per entry: h1, h2, length, value (name id or RAW_NAME) */
  private entries = new Int32Array(4 * 256);
  private used = 0;
  private slots = new Int32Array(1024).fill(-1);
  private mask = 1023;

  /** The value of a fingerprint, or -1 when unseen. */
  find(h1: number, h2: number, len: number): number {
    const e = this.entries;
    let slot = h1 & this.mask;
    const first = this.slots[slot]!;
    if (first >= 0 && e[first] === h1 && e[first + 1] === h2 && e[first + 2] === len) return e[first + 3]!;
    for (;;) {
      const at = this.slots[slot]!;
      if (at < 0) return -1;
      if (e[at] === h1 && e[at + 1] === h2 && e[at + 2] === len) return e[at + 3]!;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds the name at [start, end) (its fingerprint must be unseen); returns its value. */
  add(buf: Uint8Array, start: number, end: number, h1: number, h2: number): number {
    const name = Buffer.from(buf.subarray(start, end)).toString('latin1');
    const raw = name.startsWith('syscall_') || name.startsWith('?');
    const value = raw ? RAW_NAME : this.names.push(name) - 1;
    const at = this.used;
    if (at + 4 > this.entries.length) {
      const bigger = new Int32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    this.entries.set([h1, h2, end - start, value], at);
    this.used += 4;
    let slot = h1 & this.mask;
    while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = at;
    if ((at / 4 + 1) * 2 > this.slots.length) this.grow();
    return value;
  }

  /** Id of a name given as a string (never RAW_NAME for real syscall names). */
  idOf(name: string): number {
    const bytes = Buffer.from(name, 'latin1');
    const [h1, h2] = fingerprint(bytes, 0, bytes.length);
    const found = this.find(h1, h2, bytes.length);
    return found !== -1 ? found : this.add(bytes, 0, bytes.length, h1, h2);
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let at = 0; at < this.used; at += 4) {
      let s = this.entries[at]! & mask;
      while (slots[s]! >= 0) s = (s + 1) & mask;
      slots[s] = at;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function fingerprint(buf: Uint8Array, start: number, end: number): [number, number] {
  let h1 = 0;
  let h2 = FNV_SEED;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    h1 = (Math.imul(h1, 31) + c) | 0;
    h2 = Math.imul(h2 ^ c, FNV_PRIME);
  }
  return [h1, h2];
}

/** Calls of one program, indexed by name id. */
class Counts {
  calls: number[] = new Array<number>(256).fill(0);
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
 */
export class TraceParser {
  private readonly names = new NameTable();
  private readonly programs = new Map<string, Counts>();
  private readonly processes = new Map<number, ProcessState>();
  private readonly personalities: readonly [SyscallArch, SyscallArch, SyscallArch];
  private readonly personalitySeen = [false, false, false];
  private readonly maxLine: number;
  private readonly summary = emptySummary();
  private readonly unresolved = new Map<string, number>();
  private readonly eperm: number[] = [];
  private readonly enosys: number[] = [];
  private readonly signals = new Map<string, number>();
  private readonly exits: { state: ProcessState; exit: ProcessExit }[] = [];
  private readonly forks: { parent: ProcessState; childPid: number; program: string | null }[] = [];
  private readonly parents = new Map<number, ProcessState>();
  private readonly idExecve: number;
  /** name id → 1 for clone/clone3/fork/vfork (ids below SPECIAL_IDS) */
  private readonly forkIds: Uint8Array;
  private readonly multiPid: boolean;

  private last: ProcessState | null = null;
  private lastPid = NaN;
  /** the unprefixed process of a `-f` trace on stderr, until its pid shows */
  private root: ProcessState | null = null;
  private lastOpen: ProcessState | null = null;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private carryTail: Buffer | null = null;
  private ended = false;

  constructor(private readonly options: TraceParserOptions = {}) {
    this.personalities = PERSONALITIES[options.arch ?? 'x86_64'];
    this.maxLine = Math.max(256, options.maxLineBytes ?? 1 << 20);
    // interned first, so every other name has an id ≥ SPECIAL_IDS
    this.idExecve = this.names.idOf('execve');
    this.forkIds = new Uint8Array(SPECIAL_IDS);
    for (const n of ['clone', 'clone3', 'fork', 'vfork']) this.forkIds[this.names.idOf(n)] = 1;
    this.multiPid = options.pid === undefined;
    if (options.source !== undefined) this.summary.sources.push(options.source);
    if (options.pid !== undefined) this.summary.pid = options.pid;
  }

  /** Feeds a chunk of strace output. */
  push(chunk: Uint8Array | string): void {
    if (this.ended) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
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
    // The hot loop: one native newline search and one scan per line; a throw (only a bug could
    // cause one) marks its line unreadable and the loop goes on.
    let lines = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      lines++;
      try {
        if (!this.parseLine(buf, start, nl)) this.unreadable(buf, start, nl);
      } catch {
        this.unreadable(buf, start, nl);
      }
      start = nl + 1;
    }
    this.summary.lines += lines;
    if (start < len) this.keep(buf, start, len);
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
  private keep(buf: Uint8Array, start: number, end: number): void {
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

  private line(buf: Uint8Array, start: number, end: number): void {
    this.summary.lines++;
    try {
      if (!this.parseLine(buf, start, end)) this.unreadable(buf, start, end);
    } catch {
      this.unreadable(buf, start, end);
    }
  }

  private unreadable(buf: Uint8Array, start: number, end: number): void {
    const u = this.summary.unreadable;
    u.count++;
    if (u.samples.length < MAX_UNREADABLE_SAMPLES) {
      const text = Buffer.from(buf.subarray(start, Math.min(end, start + MAX_SAMPLE_CHARS * 4))).toString(
        'utf8',
      );
      u.samples.push(text.length > MAX_SAMPLE_CHARS ? text.slice(0, MAX_SAMPLE_CHARS) + '…' : text);
    }
  }

  /** false: the line is not strace output we understand */
  private parseLine(buf: Uint8Array, start: number, lineEnd: number): boolean {
    // Fast path, most lines of a -ff file: `name(…) = 123`, no prefix, a plain numeric result.
    const c0 = buf[start]!;
    if (c0 >= LOWER_A && c0 <= LOWER_Z && lineEnd - start > 3) {
      const last = buf[lineEnd - 1]!;
      if (last >= ZERO && last <= NINE) {
        let h1 = 0;
        let h2 = FNV_SEED;
        let j = start;
        while (j < lineEnd) {
          const d = buf[j]!;
          if (NAME_CHAR[d] === 0) break;
          h1 = (Math.imul(h1, 31) + d) | 0;
          h2 = Math.imul(h2 ^ d, FNV_PRIME);
          j++;
        }
        if (buf[j] === LPAREN && j < lineEnd && j - start <= MAX_NAME_BYTES) {
          let id = this.names.find(h1, h2, j - start);
          if (id === -1) id = this.names.add(buf, start, j, h1, h2);
          if (id >= SPECIAL_IDS) {
            const state = this.stateFor(NO_PID);
            this.count(state, id);
            state.inflight = -1;
            this.lastOpen = null;
            return true;
          }
        }
      }
    }
    return this.parseGeneral(buf, start, lineEnd);
  }

  /** Every line form (DESIGN §4 "strace output"); false when the line is none of them. */
  private parseGeneral(buf: Uint8Array, start: number, lineEnd: number): boolean {
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
        let p = 0;
        let digits = 0;
        while (i < end && isDigit(buf[i]!)) {
          p = p * 10 + buf[i]! - ZERO;
          i++;
          digits++;
        }
        while (i < end && buf[i] !== RBRACKET) i++; // "[pid 123<comm>]"
        if (digits === 0 || i >= end) return false;
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
      let j = i;
      let plain = true;
      let value = 0;
      while (j < end) {
        const d = buf[j]!;
        if (isDigit(d)) value = value * 10 + d - ZERO;
        else if (d === DOT || d === COLON) plain = false;
        else break;
        j++;
      }
      if (j >= end || buf[j] !== SPACE) {
        if (tokens === 0 && pid === NO_PID && this.lastOpen) return this.continuation(buf, i, end);
        return false;
      }
      if (plain && pid === NO_PID && tokens === 0) pid = value;
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
        return this.continuation(buf, i, end);
      return this.resumed(state, buf, i, end);
    }
    if (c === MINUS) return this.signal(buf, i, end);
    if (c === PLUS) return this.exit(state, buf, i, end);
    if (c === LBRACKET && startsWith(buf, i, end, PROCESS_PREFIX)) {
      return this.personalitySwitch(buf, i + PROCESS_PREFIX.length, end);
    }
    if (!isNameChar(c)) {
      if ((c === COMMA || c === RPAREN) && pid === NO_PID && this.lastOpen)
        return this.continuation(buf, i, end);
      return false;
    }
    if (c === LOWER_A + 18 /* s */ && pid === NO_PID && startsWith(buf, i, end, STRACE_PREFIX)) return true;

    // name(…, fingerprinted while scanned
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
    if (j >= end || buf[j] !== LPAREN || j - i > MAX_NAME_BYTES) return false;
    let id = this.names.find(h1, h2, j - i);
    if (id === -1) id = this.names.add(buf, i, j, h1, h2);
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
    const r = resultAt(buf, j, end);
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
      this.result(state, id, buf, r, end, id === this.idExecve ? execPath(buf, j + 1, end) : null);
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

  /** Id of the name at [start, end), or RAW_NAME for names resolved per personality. */
  private nameId(buf: Uint8Array, start: number, end: number): number {
    const [h1, h2] = fingerprint(buf, start, end);
    const found = this.names.find(h1, h2, end - start);
    return found !== -1 ? found : this.names.add(buf, start, end, h1, h2);
  }

  /** `syscall_0x1b6`, `syscall_438`, `????`: resolved through the current personality's table. */
  private resolveRaw(state: ProcessState, buf: Uint8Array, start: number, end: number): number {
    const raw = Buffer.from(buf.subarray(start, end)).toString('latin1');
    let nr = NaN;
    if (raw.startsWith('syscall_0x')) nr = parseInt(raw.slice(10), 16);
    else if (raw.startsWith('syscall_')) nr = parseInt(raw.slice(8), 10);
    const name = Number.isFinite(nr) ? syscallName(this.personalities[state.personality]!, nr) : undefined;
    if (name !== undefined) return this.names.idOf(name);
    this.unresolved.set(raw, (this.unresolved.get(raw) ?? 0) + 1);
    return -1;
  }

  /** `<... name resumed>…) = ret` */
  private resumed(state: ProcessState, buf: Uint8Array, i: number, end: number): boolean {
    if (!startsWith(buf, i, end, RESUMED_PREFIX)) return false;
    let j = i + RESUMED_PREFIX.length;
    const nameStart = j;
    while (j < end && isNameChar(buf[j]!)) j++;
    if (j === nameStart || buf[j] !== SPACE || j - nameStart > MAX_NAME_BYTES) return false;
    let id = this.nameId(buf, nameStart, j);
    if (id === RAW_NAME) id = this.resolveRaw(state, buf, nameStart, j);
    const exec = state.inflight === this.idExecve ? state.inflightExec : null;
    state.inflight = -1;
    state.inflightExec = null;
    if (id < 0 || endsWith(buf, j, end, UNFINISHED)) return true;
    const r = resultAt(buf, j, end);
    if (r >= 0) this.result(state, id, buf, r, end, exec);
    return true;
  }

  /** The tail of a call line that noise cut in two: `, child_tidptr=0x…) = 10`. */
  private continuation(buf: Uint8Array, i: number, end: number): boolean {
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
    const r = resultAt(buf, i, end);
    if (r < 0) return false;
    this.result(state, id, buf, r, end, exec);
    return true;
  }

  /** Reads ` = ret` starting at `r` (just after "= "). */
  private result(
    state: ProcessState,
    id: number,
    buf: Uint8Array,
    r: number,
    end: number,
    exec: string | null,
  ): void {
    const ret = retKind(buf, r, end);
    if (ret === Ret.Eperm) this.eperm[id] = (this.eperm[id] ?? 0) + 1;
    else if (ret === Ret.Enosys) this.enosys[id] = (this.enosys[id] ?? 0) + 1;
    else if (ret === Ret.Ok) {
      if (id === this.idExecve) {
        if (exec !== null && buf[r] === ZERO && (r + 1 >= end || buf[r + 1] === SPACE))
          this.exec(state, exec);
      } else if (this.isFork(id)) {
        const child = decimalAt(buf, r, end);
        if (child > 0) this.forked(state, child);
      }
    }
  }

  private exec(state: ProcessState, program: string): void {
    state.program = program;
    state.programCounts = this.programCounts(program);
    // after an execve, nothing of the parent's program remains to inherit
    state.linked = true;
  }

  private forked(parent: ProcessState, childPid: number): void {
    this.forks.push({ parent, childPid, program: parent.program });
    this.parents.set(childPid, parent);
    const child = this.processes.get(childPid);
    if (child) this.link(child, parent);
  }

  /** `--- SIGCHLD {si_signo=…} ---`, `--- stopped by SIGSTOP ---` */
  private signal(buf: Uint8Array, i: number, end: number): boolean {
    if (!startsWith(buf, i, end, SIGNAL_PREFIX)) return false;
    let j = i + SIGNAL_PREFIX.length;
    if (buf[j] !== UPPER_A + 18 /* S */) return true; // "--- stopped by …", other notices
    const s = j;
    while (j < end && isNameChar(buf[j]!)) j++;
    if (buf[j] === PLUS) j++; // SIGRTMIN+3
    while (j < end && isDigit(buf[j]!)) j++;
    const name = Buffer.from(buf.subarray(s, j)).toString('latin1');
    this.signals.set(name, (this.signals.get(name) ?? 0) + 1);
    return true;
  }

  /** `+++ exited with N +++`, `+++ killed by SIGKILL (core dumped) +++`, `+++ superseded … +++` */
  private exit(state: ProcessState, buf: Uint8Array, i: number, end: number): boolean {
    if (startsWith(buf, i, end, EXITED)) {
      const code = decimalAt(buf, i + EXITED.length, end);
      if (code < 0) return false;
      this.exited(state, { code });
      return true;
    }
    if (startsWith(buf, i, end, KILLED)) {
      let j = i + KILLED.length;
      const s = j;
      while (j < end && isNameChar(buf[j]!)) j++;
      if (buf[j] === PLUS) while (++j < end && isDigit(buf[j]!));
      const exit: ProcessExit = { signal: Buffer.from(buf.subarray(s, j)).toString('latin1') };
      for (let k = j; k < end; k++) {
        if (buf[k] === LPAREN && startsWith(buf, k, end, CORE_DUMPED)) exit.coreDumped = true;
      }
      this.exited(state, exit);
      return true;
    }
    return buf[i + 1] === PLUS && buf[i + 2] === PLUS;
  }

  private exited(state: ProcessState, exit: ProcessExit): void {
    this.exits.push({ state, exit });
    state.exited = true;
    this.lastPid = NaN;
  }

  /** `[ Process PID=123 runs in 32 bit mode. ]` (also `x32 mode`, `64 bit mode`) */
  private personalitySwitch(buf: Uint8Array, i: number, end: number): boolean {
    const pid = decimalAt(buf, i, end);
    if (pid < 0) return false;
    const text = Buffer.from(buf.subarray(i, end)).toString('latin1');
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
    for (const [program, counts] of this.programs) {
      const calls: Record<string, number> = {};
      counts.calls.forEach((n, id) => {
        if (n > 0) {
          const name = names[id]!;
          calls[name] = n;
          s.syscalls[name] = (s.syscalls[name] ?? 0) + n;
        }
      });
      if (Object.keys(calls).length > 0) s.executables[program] = calls;
    }
    this.eperm.forEach((n, id) => n && (s.failures.EPERM[names[id]!] = n));
    this.enosys.forEach((n, id) => n && (s.failures.ENOSYS[names[id]!] = n));
    for (const [k, v] of this.signals) s.signals[k] = v;
    for (const [k, v] of this.unresolved) s.unresolved[k] = v;
    const pidOf = (st: ProcessState): number | undefined =>
      st.pid !== NO_PID ? st.pid : this.options.pid !== undefined ? this.options.pid : undefined;
    s.exits = this.exits.map(({ state, exit }) => {
      const pid = pidOf(state);
      return pid === undefined ? exit : { pid, ...exit };
    });
    s.forks = this.forks.map(({ parent, childPid, program }) => {
      const f: ForkRecord = { childPid, executable: program ?? fallback };
      const parentPid = pidOf(parent);
      if (parentPid !== undefined) f.parentPid = parentPid;
      return f;
    });
    s.personalities = this.personalities.filter((_, k) => this.personalitySeen[k]);
    s.personalities = [...new Set(s.personalities)].sort();
    return normaliseSummary(s);
  }
}

/** Index just after the `= ` of the call's result, or -1. Skips a `-T` ` <0.000012>` suffix. */
function resultAt(buf: Uint8Array, from: number, end: number): number {
  let e = end;
  if (buf[e - 1] === GT) {
    let k = e - 2;
    while (k > from && (isDigit(buf[k]!) || buf[k] === DOT)) k--;
    if (buf[k] === LT && k < e - 2 && buf[k - 1] === SPACE) e = k - 1;
  }
  for (let k = e - 2; k > from; k--) {
    if (buf[k] === EQ && buf[k - 1] === SPACE && buf[k + 1] === SPACE) return k + 2;
  }
  return -1;
}

function retKind(buf: Uint8Array, r: number, end: number): Ret {
  if (r >= end) return Ret.None;
  const c = buf[r]!;
  if (c === MINUS) {
    // "-1 EPERM (Operation not permitted)"
    let k = r + 1;
    while (k < end && isDigit(buf[k]!)) k++;
    if (buf[k] !== SPACE || buf[k + 1] !== UPPER_A + 4 /* E */) return Ret.OtherError;
    const s = k + 1;
    let e = s;
    while (e < end && buf[e] !== SPACE) e++;
    if (e - s === 5 && buf[s + 1] === 80 && buf[s + 2] === 69 && buf[s + 3] === 82 && buf[s + 4] === 77) {
      return Ret.Eperm; // EPERM
    }
    if (
      e - s === 6 &&
      buf[s + 1] === 78 &&
      buf[s + 2] === 79 &&
      buf[s + 3] === 83 &&
      buf[s + 4] === 89 &&
      buf[s + 5] === 83
    ) {
      return Ret.Enosys; // ENOSYS
    }
    return Ret.OtherError;
  }
  if (c === QMARK) return Ret.None;
  return Ret.Ok;
}

/** Non-negative decimal at `at`, or -1. */
function decimalAt(buf: Uint8Array, at: number, end: number): number {
  let v = 0;
  let k = at;
  while (k < end && isDigit(buf[k]!)) {
    v = v * 10 + buf[k]! - ZERO;
    k++;
  }
  return k === at ? -1 : v;
}

/** First argument of `execve("…", …)` as a string (strace's C escapes undone), or null. */
function execPath(buf: Uint8Array, at: number, end: number): string | null {
  if (buf[at] !== QUOTE) return null;
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
      const hex = Buffer.from(buf.subarray(k, k + 2)).toString('latin1');
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
