import type { SyscallArch } from '../../profile/syscalls';

/** Label of calls made before the first `execve` of a process whose program is not known. */
export const UNKNOWN_EXECUTABLE = '(unknown)';

/** How a process ended, from `+++ exited with N +++` / `+++ killed by SIGx +++`. */
export interface ProcessExit {
  /** absent for a `-ff` file whose pid was not given */
  pid?: number;
  code?: number;
  signal?: string;
  coreDumped?: boolean;
}

/** A successful clone/fork/vfork/clone3: the child inherits the parent's program until it execs. */
export interface ForkRecord {
  parentPid?: number;
  childPid: number;
  /** the parent's program when it forked */
  executable: string;
}

/** What one strace output file (or a merge of many) says. Plain data: JSON-serialisable. */
export interface TraceFileSummary {
  /** file path or label, when known; a merge lists every source */
  sources: string[];
  /** pid of a `-ff` file (from its `.PID` suffix), when known */
  pid?: number;
  /** lines read, including ones that could not be understood */
  lines: number;
  /** syscall → number of calls, over all programs */
  syscalls: Record<string, number>;
  /** program path (from execve) → syscall → calls; see UNKNOWN_EXECUTABLE */
  executables: Record<string, Record<string, number>>;
  /** calls that returned -1 EPERM / -1 ENOSYS, by syscall */
  failures: { EPERM: Record<string, number>; ENOSYS: Record<string, number> };
  /** signals delivered (`--- SIGCHLD {…} ---`), by name */
  signals: Record<string, number>;
  exits: ProcessExit[];
  forks: ForkRecord[];
  /** personalities in which calls were made (`[ Process PID=… runs in 32 bit mode. ]`) */
  personalities: SyscallArch[];
  /** `syscall_0x…` numbers no table resolves, and `????` calls, by raw name */
  unresolved: Record<string, number>;
  /** lines that are neither a call, a signal, an exit nor a mode switch */
  unreadable: { count: number; samples: string[] };
  /** lines longer than the cap: kept as head + tail */
  truncatedLines: number;
}

export function emptySummary(): TraceFileSummary {
  return {
    sources: [],
    lines: 0,
    syscalls: {},
    executables: {},
    failures: { EPERM: {}, ENOSYS: {} },
    signals: {},
    exits: [],
    forks: [],
    personalities: [],
    unresolved: {},
    unreadable: { count: 0, samples: [] },
    truncatedLines: 0,
  };
}

export const MAX_UNREADABLE_SAMPLES = 5;

/** Key order of every record: by UTF-16 code units, as `<` compares. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `into[k] += v` for keys that are any string a trace may contain: an own property even for
 * `__proto__`, and `toString` or `constructor` start from 0, not from what Object.prototype has.
 */
function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) setOwn(into, k, (Object.hasOwn(into, k) ? into[k]! : 0) + v);
}

/** `into[key] = value`, as an own property even for `__proto__`. */
export function setOwn<T>(into: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    into[key] = value;
  }
}

/** The own record of `key` in `r`, created empty when missing. */
function ownRecord(r: Record<string, Record<string, number>>, key: string): Record<string, number> {
  if (Object.hasOwn(r, key)) return r[key]!;
  const created: Record<string, number> = {};
  setOwn(r, key, created);
  return created;
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => compareKeys(a, b)));
}

/** Sum of several summaries (files of one session, or several sessions). Pure; inputs untouched. */
export function mergeSummaries(summaries: readonly TraceFileSummary[]): TraceFileSummary {
  const out = emptySummary();
  const personalities = new Set<SyscallArch>();
  for (const s of summaries) {
    out.sources.push(...s.sources);
    out.lines += s.lines;
    addCounts(out.syscalls, s.syscalls);
    for (const [exe, calls] of Object.entries(s.executables))
      addCounts(ownRecord(out.executables, exe), calls);
    addCounts(out.failures.EPERM, s.failures.EPERM);
    addCounts(out.failures.ENOSYS, s.failures.ENOSYS);
    addCounts(out.signals, s.signals);
    out.exits.push(...s.exits);
    out.forks.push(...s.forks);
    for (const p of s.personalities) personalities.add(p);
    addCounts(out.unresolved, s.unresolved);
    out.unreadable.count += s.unreadable.count;
    for (const line of s.unreadable.samples) {
      if (out.unreadable.samples.length < MAX_UNREADABLE_SAMPLES) out.unreadable.samples.push(line);
    }
    out.truncatedLines += s.truncatedLines;
  }
  if (summaries.length === 1 && summaries[0]?.pid !== undefined) out.pid = summaries[0].pid;
  out.personalities = [...personalities].sort();
  return normaliseSummary(out);
}

/** Sorts every keyed record so equal content serialises identically. */
export function normaliseSummary(s: TraceFileSummary): TraceFileSummary {
  s.syscalls = sortedRecord(s.syscalls);
  s.executables = sortedRecord(
    Object.fromEntries(Object.entries(s.executables).map(([k, v]) => [k, sortedRecord(v)])),
  );
  s.failures = { EPERM: sortedRecord(s.failures.EPERM), ENOSYS: sortedRecord(s.failures.ENOSYS) };
  s.signals = sortedRecord(s.signals);
  s.unresolved = sortedRecord(s.unresolved);
  return s;
}

/**
 * `-ff` writes one file per pid, so a child's calls before its own execve land under
 * UNKNOWN_EXECUTABLE in its file. The parent's file recorded the fork with the parent's program:
 * give those calls to that program, following chains (a child of a child that never exec'd).
 * Only summaries of one session (one pid namespace) may be linked together.
 */
export function linkForks(summaries: readonly TraceFileSummary[]): TraceFileSummary[] {
  const parentOf = new Map<number, ForkRecord>();
  for (const s of summaries) for (const f of s.forks) parentOf.set(f.childPid, f);
  const byPid = new Map<number, TraceFileSummary>();
  for (const s of summaries) if (s.pid !== undefined) byPid.set(s.pid, s);

  const resolved = new Map<number, string>();
  const programOf = (pid: number, seen: Set<number>): string => {
    const known = resolved.get(pid);
    if (known !== undefined) return known;
    const fork = parentOf.get(pid);
    let program = UNKNOWN_EXECUTABLE;
    if (fork) {
      program = fork.executable;
      if (program === UNKNOWN_EXECUTABLE && fork.parentPid !== undefined && !seen.has(fork.parentPid)) {
        seen.add(fork.parentPid);
        program = programOf(fork.parentPid, seen);
      }
    }
    resolved.set(pid, program);
    return program;
  };

  return summaries.map((s) => {
    const unknown = s.executables[UNKNOWN_EXECUTABLE];
    if (s.pid === undefined || !unknown) return s;
    const program = programOf(s.pid, new Set([s.pid]));
    if (program === UNKNOWN_EXECUTABLE) return s;
    const executables: Record<string, Record<string, number>> = {};
    for (const [exe, calls] of Object.entries(s.executables)) {
      if (exe !== UNKNOWN_EXECUTABLE) setOwn(executables, exe, { ...calls });
    }
    addCounts(ownRecord(executables, program), unknown);
    const forks = s.forks.map((f) =>
      f.executable === UNKNOWN_EXECUTABLE ? { ...f, executable: program } : f,
    );
    return normaliseSummary({ ...s, executables, forks });
  });
}

/** syscall → programs that made it (sorted), the shape the profile generator's report wants. */
export function syscallUsers(summary: TraceFileSummary): Record<string, string[]> {
  const users = new Map<string, Set<string>>();
  for (const [exe, calls] of Object.entries(summary.executables)) {
    for (const name of Object.keys(calls)) {
      let set = users.get(name);
      if (!set) users.set(name, (set = new Set()));
      set.add(exe);
    }
  }
  return sortedRecord(Object.fromEntries([...users].map(([k, v]) => [k, [...v].sort()])));
}
