/**
 * The runtime baseline: calls the container runtime itself makes *under the service's filter*,
 * which a trace of the service never shows. runc (libcontainer/standard_init_linux.go) loads the
 * filter
 * - with no-new-privileges: as late as it can, just before execve — yet its Go code still closes
 *   the sync pipes, opens and writes the exec fifo, checks `/proc/self/fd` is procfs (fstatfs),
 *   closes the fds it does not pass on (getdents64), and the Go runtime wakes threads (futex);
 * - without it: before finalizeNamespace, so also capget/capset, setgroups/setgid/setuid, prctl,
 *   chdir to the working directory, the exec-path lookup (faccessat2, newfstatat), stdio chown for
 *   a non-root user (fstat, fchown), getppid, …
 *
 * How the lists were derived (Docker 20.10.24, runc 1.1.5, kernel 6.x, amd64): a profile with
 * `defaultAction: SCMP_ACT_LOG` and no rules, the kernel's audit lines (`type=1326 … comm=
 * "runc:[2:INIT]" … syscall=N`, printk rate limit off) collected for busybox and postgres with and
 * without `--security-opt no-new-privileges`, as root and `--user postgres`, with `--cap-drop ALL`,
 * `-w`, `-t`, `--init`, `--read-only`; 20+ runs. `observed` entries showed up there (rt_sigreturn in
 * some runs only). Proof, both ways: test/integration/profile.test.ts.
 *
 * Not in the baseline: what the Go runtime *could* do on runc's filtered thread (nanosleep and
 * sched_yield spinning on a runtime lock, madvise, tgkill, epoll_pwait, a new thread's clone/
 * sigaltstack/gettid). runc 1.1 loads the filter without SECCOMP_FILTER_FLAG_TSYNC from the thread
 * its init goroutine is locked to, so the runtime's other threads (sysmon, the scavenger, the
 * netpoller) are not filtered and that thread only runs the init goroutine. Measured: none of them
 * in the audit log of those runs, and 220 of 220 starts (60 in a row, 160 four at a time on a busy
 * 2-core host) of a static busybox under the NNP baseline plus its own calls, none of them allowed.
 * Should a runc do more under the filter, harden's complain-mode replay logs it (comm
 * "runc:[2:INIT]") and adds it.
 */
export interface BaselineEntry {
  name: string;
  /** `nnp`: needed with and without no-new-privileges; `no-nnp`: only without it */
  when: 'nnp' | 'no-nnp';
  reason: string;
}

const nnp = (reason: string, ...names: string[]): BaselineEntry[] =>
  names.map((name) => ({ name, when: 'nnp', reason }));
const noNnp = (reason: string, ...names: string[]): BaselineEntry[] =>
  names.map((name) => ({ name, when: 'no-nnp', reason }));

export const RUNTIME_BASELINE: readonly BaselineEntry[] = [
  ...nnp('runc init: the execve of the service itself', 'execve'),
  ...nnp('runc init: opens the exec fifo and /proc/self/fd after the filter', 'openat'),
  ...nnp('runc init: writes the exec fifo', 'write'),
  ...nnp('runc init: closes pipes and the fds it does not pass on', 'close'),
  ...nnp('runc init: lists /proc/self/fd to close inherited fds', 'getdents64'),
  ...nnp('runc init: checks /proc/self/fd is on procfs', 'fstatfs'),
  ...nnp('runc init: records its pid for the start hooks', 'getpid'),
  ...nnp('runc init (Go runtime): os.File registers with the netpoller', 'epoll_ctl'),
  ...nnp('runc init (Go runtime): thread wake-ups', 'futex'),
  ...nnp('runc init (Go runtime): returns from preemption signals (some runs)', 'rt_sigreturn'),
  ...noNnp('runc init: reads and sets the capability sets', 'capget', 'capset'),
  ...noNnp('runc init: drops the bounding set, keeps caps across setuid', 'prctl'),
  ...noNnp('runc init: switches to the service user and groups', 'setgroups', 'setgid', 'setuid'),
  ...noNnp('runc init: chown of stdio for a non-root user', 'fstat', 'fchown'),
  ...noNnp('runc init: changes to the working directory', 'chdir', 'getcwd'),
  ...noNnp('runc init: looks up the executable on PATH', 'newfstatat', 'faccessat2'),
  ...noNnp('runc init: checks its parent is still alive', 'getppid'),
  ...noNnp('runc init: reads its config and fd flags', 'read', 'fcntl'),
];

/** The baseline for a service run with or without no-new-privileges. */
export function runtimeBaseline(noNewPrivileges: boolean): BaselineEntry[] {
  return RUNTIME_BASELINE.filter((e) => e.when === 'nnp' || !noNewPrivileges);
}
