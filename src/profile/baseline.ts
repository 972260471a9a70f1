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
 * some runs only). `go-runtime` entries did not, but the Go runtime may make them on the filtered
 * thread at any time (scheduler, allocator, preemption signals), so a profile without them could
 * fail one start in many. Proof, both ways: test/integration/profile.test.ts.
 */
export interface BaselineEntry {
  name: string;
  /** `nnp`: needed with and without no-new-privileges; `no-nnp`: only without it */
  when: 'nnp' | 'no-nnp';
  source: 'observed' | 'go-runtime';
  reason: string;
}

const nnp = (source: BaselineEntry['source'], reason: string, ...names: string[]): BaselineEntry[] =>
  names.map((name) => ({ name, when: 'nnp', source, reason }));
const noNnp = (reason: string, ...names: string[]): BaselineEntry[] =>
  names.map((name) => ({ name, when: 'no-nnp', source: 'observed', reason }));

export const RUNTIME_BASELINE: readonly BaselineEntry[] = [
  ...nnp('observed', 'runc init: the execve of the service itself', 'execve'),
  ...nnp('observed', 'runc init: opens the exec fifo and /proc/self/fd after the filter', 'openat'),
  ...nnp('observed', 'runc init: writes the exec fifo', 'write'),
  ...nnp('observed', 'runc init: closes pipes and the fds it does not pass on', 'close'),
  ...nnp('observed', 'runc init: lists /proc/self/fd to close inherited fds', 'getdents64'),
  ...nnp('observed', 'runc init: checks /proc/self/fd is on procfs', 'fstatfs'),
  ...nnp('observed', 'runc init: records its pid for the start hooks', 'getpid'),
  ...nnp('observed', 'runc init (Go runtime): os.File registers with the netpoller', 'epoll_ctl'),
  ...nnp('observed', 'runc init (Go runtime): thread wake-ups', 'futex'),
  ...nnp('observed', 'runc init (Go runtime): returns from preemption signals (some runs)', 'rt_sigreturn'),
  ...nnp('go-runtime', 'runc init (Go runtime): netpoller', 'epoll_pwait'),
  ...nnp('go-runtime', 'runc init (Go runtime): lock spinning', 'sched_yield', 'nanosleep'),
  ...nnp('go-runtime', 'runc init (Go runtime): heap growth and scavenging', 'mmap', 'munmap', 'madvise'),
  ...nnp('go-runtime', 'runc init (Go runtime): preemption signals to threads', 'tgkill'),
  ...nnp(
    'go-runtime',
    'runc init (Go runtime): starting an OS thread',
    'clone',
    'sigaltstack',
    'rt_sigprocmask',
    'gettid',
  ),
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
