import { spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { UsageError } from '../errors';
import { syscallName, type SyscallArch } from '../profile/syscalls';
import { emptySummary, setOwn, UNKNOWN_EXECUTABLE, type TraceFileSummary } from './parser/summary';

/**
 * The eBPF recorder (`trace --recorder bpf`): the kernel counts every system call at the
 * raw_syscalls tracepoints, keyed by mount namespace, command name, number and ABI, while the
 * service runs untraced. No ptrace, so no stop per call: pgbench keeps 82–89 % of its throughput
 * here where strace -ff keeps 25–37 %. What it does not give: arguments, the program's path (the
 * 15-character `comm` instead), and calls of processes outside the container's mount namespace.
 * Needs bpftrace and root on the engine's host (a local engine).
 */

/** The file a bpf session keeps in its directory (instead of strace's `*.trace` files). */
export const BPF_RECORDING = 'recording.json';

// TS_COMPAT (arch/x86/include/asm/thread_info.h): the task is in a 32-bit system call.
export const BPF_PROGRAM = `
BEGIN { printf("READY\\n"); }
tracepoint:raw_syscalls:sys_enter {
  @calls[curtask->nsproxy->mnt_ns->ns.inum, comm, args->id, (curtask->thread_info.status & 2)] = count();
}
tracepoint:raw_syscalls:sys_exit /args->ret == -1 || args->ret == -38/ {
  @fails[curtask->nsproxy->mnt_ns->ns.inum, comm, args->id, args->ret] = count();
}
`;

const Count = z.object({
  mntns: z.number().int(),
  comm: z.string(),
  nr: z.number().int(),
  count: z.number().int().nonnegative(),
});

/** recording.json: what the kernel counted for the container's mount namespace. */
export const BpfRecording = z.object({
  recorder: z.literal('bpf'),
  /** the arch of the engine's host, whose syscall table the numbers are in */
  arch: z.enum(['x86_64', 'aarch64']),
  mntns: z.number().int(),
  calls: z.array(Count.extend({ compat: z.boolean() })),
  failures: z.array(Count.extend({ errno: z.enum(['EPERM', 'ENOSYS']) })),
});
export type BpfRecording = z.infer<typeof BpfRecording>;

const LINE = /^@(calls|fails)\[(\d+), (.*), (-?\d+), (-?\d+)\]: (\d+)$/;

/** bpftrace's map dump → the records of one mount namespace (everything else is the host's). */
export function parseBpftraceMaps(
  text: string,
  mntns: number,
): Pick<BpfRecording, 'calls' | 'failures'> & { unreadable: number } {
  const calls: BpfRecording['calls'] = [];
  const failures: BpfRecording['failures'] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('@')) continue;
    const m = LINE.exec(line.trim());
    if (!m) {
      unreadable++;
      continue;
    }
    const [, map, ns, comm, nr, fourth, count] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (Number(ns) !== mntns) continue;
    const base = { mntns, comm, nr: Number(nr), count: Number(count) };
    if (map === 'calls') calls.push({ ...base, compat: fourth !== '0' });
    else if (fourth === '-1' || fourth === '-38')
      failures.push({ ...base, errno: fourth === '-1' ? 'EPERM' : 'ENOSYS' });
  }
  return { calls, failures, unreadable };
}

/**
 * runc's own processes in the container's namespace (`runc:[0:PARENT]`, `runc:[1:CHILD]`,
 * `runc:[2:INIT]`, for the start and for every exec and healthcheck): most of what they call comes
 * before the filter is loaded (mounts, pivot_root, capabilities), and what comes after is the
 * runtime baseline's (src/profile/baseline.ts). Kept in recording.json, left out of the summary.
 */
export const RUNTIME_COMM = /^runc:\[\d:[A-Z]+\]$/;

/** The recording as the strace parser's summary, so `generate` merges both kinds of session. */
export function recordingSummary(rec: BpfRecording, source: string): TraceFileSummary {
  const s = emptySummary();
  s.sources = [source];
  const compatArch: SyscallArch = rec.arch === 'x86_64' ? 'x86' : 'arm';
  const personalities = new Set<SyscallArch>();
  const add = (into: Record<string, number>, key: string, n: number) =>
    setOwn(into, key, (Object.hasOwn(into, key) ? into[key]! : 0) + n);
  for (const c of rec.calls) {
    if (RUNTIME_COMM.test(c.comm)) continue;
    const arch = c.compat ? compatArch : rec.arch;
    personalities.add(arch);
    const name = syscallName(arch, c.nr);
    if (name === undefined) {
      add(s.unresolved, `syscall_${c.nr}`, c.count);
      continue;
    }
    add(s.syscalls, name, c.count);
    const program = c.comm || UNKNOWN_EXECUTABLE;
    if (!Object.hasOwn(s.executables, program)) setOwn(s.executables, program, {});
    add(s.executables[program]!, name, c.count);
    s.lines += 1;
  }
  for (const f of rec.failures) {
    if (RUNTIME_COMM.test(f.comm)) continue;
    const name = syscallName(rec.arch, f.nr);
    if (name) add(s.failures[f.errno], name, f.count);
  }
  s.personalities = [...personalities].sort();
  return s;
}

/** bpftrace counting every system call on this host until stopped. */
export class BpfRecorder {
  private child?: ChildProcess;
  private out = '';
  private err = '';
  private exited?: Promise<number | null>;

  /** Resolves once the probes are attached. */
  async start(bpftrace = 'bpftrace'): Promise<void> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new UsageError('the bpf recorder needs root (bpftrace loads eBPF programs)', {
        hint: 'run as root, or use the default recorder (--recorder strace)',
      });
    }
    const child = spawn(bpftrace, ['-e', BPF_PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout.on('data', (c: Buffer) => (this.out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (this.err += c.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error('bpftrace did not attach within 30 s')), 30_000);
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(
          new UsageError(`the bpf recorder could not start: ${e.message}`, {
            hint: 'install bpftrace (apt-get install bpftrace) and mount tracefs (mount -t tracefs nodev /sys/kernel/tracing), or use --recorder strace',
          }),
        );
      };
      child.on('error', fail);
      child.stdout.on('data', () => {
        if (!settled && this.out.includes('READY\n')) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
      void this.exited!.then((code) => fail(new Error(`bpftrace exited (${code}): ${lastLines(this.err)}`)));
    });
  }

  /** Stops counting; bpftrace prints its maps as it exits. */
  async stop(): Promise<string> {
    if (!this.child || !this.exited) throw new Error('the recorder was not started');
    this.child.kill('SIGINT');
    const code = await Promise.race([
      this.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error('bpftrace did not stop within 30 s');
    }
    return this.out;
  }
}

const lastLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() && !/RLIMIT_MEMLOCK/.test(l))
    .slice(-3)
    .join(' / ') || 'no output';
