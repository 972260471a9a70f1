import { archesOf } from './syscalls';

/**
 * Cross-arch equivalents: a profile traced on amd64 must also work where the same program (same
 * source, same libc) makes other calls for the same thing.
 * - aarch64 (and every newer arch) has only the asm-generic table: no `open`, `stat`, `dup2`,
 *   `poll`, `fork`, … — glibc and Go call the `*at`/`*2`/`p*` forms there (kernel
 *   include/uapi/asm-generic/unistd.h; glibc sysdeps/unix/sysv/linux/*.c `#ifdef __NR_x` fallbacks).
 * - 32-bit arm and i386 use the `*64`/`*32` forms for large files and 32-bit ids (`fstat64`,
 *   `_llseek`, `mmap2`, `getuid32`), the `*_time64` forms for 64-bit time (glibc ≥ 2.34 calls them
 *   first), `ugetrlimit`, `_newselect`, `sigreturn`, and on i386 the `socketcall`/`ipc`
 *   multiplexers (Debian's i386 glibc supports kernels older than the direct socket calls).
 * Names here are libseccomp's (src/profile/syscalls/tables.json). The closure is applied
 * (stat → newfstatat → fstatat64). Every target is still checked against Docker's default rules,
 * with their conditions, before it is allowed.
 *
 * The 32-bit forms are added only when 32-bit code may run (`compat32`): a 64-bit program never
 * calls `socketcall` or `fcntl64`, and the trace says whether a 32-bit personality ran. Without
 * them the arm64 forms (`openat`, `newfstatat`, `dup3`, …) still keep an amd64 trace valid on arm64.
 */
export const CROSS_ARCH_EQUIVALENTS: Readonly<Record<string, readonly string[]>> = {
  // files and directories: asm-generic has only the *at forms
  open: ['openat'],
  creat: ['openat'],
  stat: ['newfstatat', 'stat64', 'fstatat64'],
  lstat: ['newfstatat', 'lstat64', 'fstatat64'],
  fstat: ['newfstatat', 'fstat64', 'fstatat64'],
  newfstatat: ['fstatat64'],
  access: ['faccessat'],
  unlink: ['unlinkat'],
  rmdir: ['unlinkat'],
  rename: ['renameat'],
  mkdir: ['mkdirat'],
  mknod: ['mknodat'],
  link: ['linkat'],
  symlink: ['symlinkat'],
  readlink: ['readlinkat'],
  chmod: ['fchmodat'],
  chown: ['fchownat', 'chown32'],
  lchown: ['fchownat', 'lchown32'],
  fchown: ['fchown32'],
  utime: ['utimensat', 'utimensat_time64'],
  utimes: ['utimensat', 'utimensat_time64'],
  futimesat: ['utimensat', 'utimensat_time64'],
  utimensat: ['utimensat_time64'],
  getdents: ['getdents64'],
  lseek: ['_llseek'],
  truncate: ['truncate64'],
  ftruncate: ['ftruncate64'],
  statfs: ['statfs64'],
  fstatfs: ['fstatfs64'],
  fcntl: ['fcntl64'],
  sendfile: ['sendfile64'],
  fadvise64: ['fadvise64_64', 'arm_fadvise64_64'],
  sync_file_range: ['arm_sync_file_range'],
  // descriptors, polling, events
  dup2: ['dup3'],
  pipe: ['pipe2'],
  poll: ['ppoll', 'ppoll_time64'],
  ppoll: ['ppoll_time64'],
  select: ['pselect6', '_newselect', 'pselect6_time64'],
  pselect6: ['pselect6_time64'],
  epoll_wait: ['epoll_pwait'],
  epoll_create: ['epoll_create1'],
  inotify_init: ['inotify_init1'],
  eventfd: ['eventfd2'],
  signalfd: ['signalfd4'],
  // processes, signals, time
  fork: ['clone'],
  vfork: ['clone'],
  pause: ['ppoll', 'ppoll_time64'],
  alarm: ['setitimer'],
  getpgrp: ['getpgid'],
  time: ['clock_gettime', 'clock_gettime64'],
  gettimeofday: ['clock_gettime', 'clock_gettime64'],
  clock_gettime: ['clock_gettime64'],
  clock_getres: ['clock_getres_time64'],
  clock_nanosleep: ['clock_nanosleep_time64'],
  clock_adjtime: ['clock_adjtime64'],
  nanosleep: ['clock_nanosleep', 'clock_nanosleep_time64'],
  futex: ['futex_time64'],
  rt_sigreturn: ['sigreturn'],
  rt_sigtimedwait: ['rt_sigtimedwait_time64'],
  timer_settime: ['timer_settime64'],
  timer_gettime: ['timer_gettime64'],
  timerfd_settime: ['timerfd_settime64'],
  timerfd_gettime: ['timerfd_gettime64'],
  sched_rr_get_interval: ['sched_rr_get_interval_time64'],
  io_pgetevents: ['io_pgetevents_time64'],
  mq_timedsend: ['mq_timedsend_time64'],
  mq_timedreceive: ['mq_timedreceive_time64'],
  getrlimit: ['prlimit64', 'ugetrlimit'],
  setrlimit: ['prlimit64'],
  arch_prctl: ['set_thread_area', 'set_tls'],
  mmap: ['mmap2'],
  // 32-bit ids
  getuid: ['getuid32'],
  geteuid: ['geteuid32'],
  getgid: ['getgid32'],
  getegid: ['getegid32'],
  setuid: ['setuid32'],
  setgid: ['setgid32'],
  setreuid: ['setreuid32'],
  setregid: ['setregid32'],
  setresuid: ['setresuid32'],
  setresgid: ['setresgid32'],
  getresuid: ['getresuid32'],
  getresgid: ['getresgid32'],
  getgroups: ['getgroups32'],
  setgroups: ['setgroups32'],
  setfsuid: ['setfsuid32'],
  setfsgid: ['setfsgid32'],
  // i386 multiplexers
  socket: ['socketcall'],
  socketpair: ['socketcall'],
  bind: ['socketcall'],
  connect: ['socketcall'],
  listen: ['socketcall'],
  accept: ['socketcall'],
  accept4: ['socketcall'],
  getsockname: ['socketcall'],
  getpeername: ['socketcall'],
  sendto: ['socketcall'],
  recvfrom: ['socketcall'],
  shutdown: ['socketcall'],
  setsockopt: ['socketcall'],
  getsockopt: ['socketcall'],
  sendmsg: ['socketcall'],
  recvmsg: ['socketcall'],
  sendmmsg: ['socketcall'],
  recvmmsg: ['socketcall', 'recvmmsg_time64'],
  semget: ['ipc'],
  semop: ['ipc'],
  semctl: ['ipc'],
  semtimedop: ['ipc', 'semtimedop_time64'],
  shmget: ['ipc'],
  shmat: ['ipc'],
  shmdt: ['ipc'],
  shmctl: ['ipc'],
  msgget: ['ipc'],
  msgsnd: ['ipc'],
  msgrcv: ['ipc'],
  msgctl: ['ipc'],
};

const onArm64 = (name: string): boolean => archesOf(name).includes('aarch64');

export interface EquivalentsOptions {
  /** also the i386/arm forms (`*64`, `*32`, `*_time64`, `socketcall`, `ipc`, …); default false */
  compat32?: boolean;
}

/**
 * Every name `names` implies on other arches (closure), each with the observed names it stands for.
 * Names already in `names` are not listed. Without `compat32` only what arm64 needs: the arm64
 * forms of calls arm64 lacks (a call arm64 has is made there as it is: glibc picks the form by
 * which `__NR_*` the arch defines).
 */
export function crossArchEquivalents(
  names: Iterable<string>,
  options: EquivalentsOptions = {},
): Map<string, string[]> {
  const follow = (from: string, to: string): boolean =>
    options.compat32 === true || (!onArm64(from) && onArm64(to));
  const have = new Set(names);
  const out = new Map<string, Set<string>>();
  const queue: [string, string][] = [...have].map((n) => [n, n]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    const [name, origin] = item;
    for (const eq of CROSS_ARCH_EQUIVALENTS[name] ?? []) {
      if (have.has(eq) || !follow(name, eq)) continue;
      let origins = out.get(eq);
      if (!origins) out.set(eq, (origins = new Set()));
      if (!origins.has(origin)) {
        origins.add(origin);
        queue.push([eq, origin]);
      }
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}
