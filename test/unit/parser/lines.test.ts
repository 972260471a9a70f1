import { describe, expect, it } from 'vitest';
import { mergeSummaries, parseTraceText, TraceParser, UNKNOWN_EXECUTABLE } from '../../../src/trace/parser';

const parse = (text: string, options = {}) => parseTraceText(text, options);

describe('line forms', () => {
  it('plain calls, results, errors', () => {
    const s = parse(
      [
        'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3',
        'read(3, "root:x:0:0:root:/root:/bin/sh\\n", 4096) = 29',
        'mount("none", "/mnt", "tmpfs", 0, NULL) = -1 EPERM (Operation not permitted)',
        'clone3({flags=CLONE_VM, exit_signal=0, stack=0x7f, stack_size=0x1000}, 88) = -1 ENOSYS (Function not implemented)',
        'statx(AT_FDCWD, "/x", 0, STATX_ALL, 0x7ffd) = -1 ENOENT (No such file or directory)',
        'exit_group(0)                           = ?',
        '+++ exited with 0 +++',
      ].join('\n') + '\n',
    );
    expect(s.syscalls).toEqual({ clone3: 1, exit_group: 1, mount: 1, openat: 1, read: 1, statx: 1 });
    expect(s.failures).toEqual({ EPERM: { mount: 1 }, ENOSYS: { clone3: 1 } });
    expect(s.exits).toEqual([{ code: 0 }]);
    expect(s.unreadable.count).toBe(0);
  });

  it('-t, -tt, -ttt and -r timestamps, with and without pid prefixes', () => {
    const s = parse(
      [
        '12:34:56 getpid() = 1',
        '12:34:56.123456 getpid() = 1',
        '1700000000.123456 getpid() = 1',
        '     0.000123 getpid() = 1',
        '[pid   42] 12:34:56.123456 getuid() = 0',
        '42    1700000000.123456 getgid() = 0',
        '[pid 43<sh>] getegid() = 0',
      ].join('\n'),
    );
    expect(s.syscalls).toEqual({ getegid: 1, getgid: 1, getpid: 4, getuid: 1 });
    expect(s.unreadable.count).toBe(0);
  });

  it('-T durations and -y fd decorations do not hide the result', () => {
    const s = parse(
      [
        'openat(AT_FDCWD, "/lib/libc.so.6", O_RDONLY) = 3</usr/lib/x86_64-linux-gnu/libc.so.6> <0.000021>',
        'connect(3<socket:[1234]>, {sa_family=AF_UNIX, sun_path="/x"}, 110) = -1 EPERM (Operation not permitted) <0.000010>',
        'bpf(BPF_PROG_LOAD, 0x7ff, 116) = -1 ENOSYS (Function not implemented) (INJECTED) <0.000002>',
        'write(1</dev/pts/0>, " = -1 EPERM (x)", 15) = 15 <0.000005>',
      ].join('\n'),
    );
    expect(s.failures).toEqual({ EPERM: { connect: 1 }, ENOSYS: { bpf: 1 } });
  });

  it('unfinished and resumed calls count once, results come from the resumed line', () => {
    const s = parse(
      [
        '[pid 10] wait4(-1,  <unfinished ...>',
        '[pid 11] mount("a", "b", "c", 0, NULL <unfinished ...>',
        '[pid 11] <... mount resumed>) = -1 EPERM (Operation not permitted)',
        '[pid 10] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 11',
        '[pid 12] futex(0x7f, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>) = ?',
        '[pid 12] +++ exited with 0 +++',
      ].join('\n'),
    );
    expect(s.syscalls).toEqual({ futex: 1, mount: 1, wait4: 1 });
    expect(s.failures.EPERM).toEqual({ mount: 1 });
    expect(s.exits).toEqual([{ pid: 12, code: 0 }]);
  });

  it('signals and exits', () => {
    const s = parse(
      [
        '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=5, si_uid=0, si_status=0} ---',
        '--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=1, si_uid=0} ---',
        '--- stopped by SIGSTOP ---',
        '[pid 7] +++ killed by SIGKILL +++',
        '[pid 8] +++ killed by SIGSEGV (core dumped) +++',
        '[pid 9] +++ exited with 130 +++',
        '[pid 6] +++ superseded by execve in pid 9 +++',
      ].join('\n'),
    );
    expect(s.signals).toEqual({ SIGCHLD: 1, SIGTERM: 1 });
    expect(s.exits).toEqual([
      { pid: 7, signal: 'SIGKILL' },
      { pid: 8, signal: 'SIGSEGV', coreDumped: true },
      { pid: 9, code: 130 },
    ]);
    expect(s.unreadable.count).toBe(0);
  });

  it('resolves syscall_0x… through the table of the current personality', () => {
    const s = parse(
      [
        'syscall_0x1b6(0x3, 0x4, 0) = 5', // x86_64 438: pidfd_getfd
        'syscall_0x3e7(0) = -1 ENOSYS (Function not implemented)', // 999: unknown
        '[ Process PID=1 runs in 32 bit mode. ]',
        'syscall_0xc0(0, 0x1000, 0x3, 0x22, 0xffffffff, 0) = 0xf7f00000', // i386 192: mmap2
        '_llseek(3, 0, [0], SEEK_SET) = 0',
        '[ Process PID=1 runs in x32 mode. ]',
        'syscall_0x40000002(0x1, 0) = 3', // x32 2: open
        '[ Process PID=1 runs in 64 bit mode. ]',
        'syscall_438(3, 4, 0) = 5',
        '????( <unfinished ...>',
      ].join('\n'),
      { pid: 1 },
    );
    expect(s.syscalls).toEqual({ _llseek: 1, mmap2: 1, open: 1, pidfd_getfd: 2 });
    expect(s.unresolved).toEqual({ '????': 1, syscall_0x3e7: 1 });
    expect(s.personalities).toEqual(['x32', 'x86', 'x86_64']);
  });

  it('on an aarch64 tracer, 32 bit mode means arm', () => {
    const s = parse(['[ Process PID=3 runs in 32 bit mode. ]', 'syscall_0xc0(0) = 0'].join('\n'), {
      pid: 3,
      arch: 'aarch64',
    });
    expect(s.syscalls).toEqual({ mmap2: 1 });
    expect(s.personalities).toEqual(['arm']);
  });

  it('follows programs across execve, with C escapes in the path', () => {
    const s = parse(
      [
        'execve("/bin/sh", ["sh"], 0x7ffd /* 3 vars */) = 0',
        'getpid() = 1',
        'execve("/nope", ["x"], 0x7ffd /* 3 vars */) = -1 ENOENT (No such file or directory)',
        'execve("/opt/a\\"b\\\\c\\x41\\101", ["x"], 0x7ffd) = 0',
        'getuid() = 0',
      ].join('\n'),
    );
    expect(s.executables).toEqual({
      [UNKNOWN_EXECUTABLE]: { execve: 1 },
      '/bin/sh': { execve: 2, getpid: 1 },
      '/opt/a"b\\cAA': { getuid: 1 },
    });
  });

  it('the first program may be given; children inherit the program of their parent', () => {
    const s = parse(
      [
        '1 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>',
        '2 getpid() = 2',
        '1 <... clone resumed>) = 2',
        '3 getppid() = 1',
        '1 vfork() = 3',
        '2 execve("/bin/true", ["true"], 0x1) = 0',
        '2 exit_group(0) = ?',
      ].join('\n'),
      { executable: '/init' },
    );
    expect(s.executables).toEqual({
      '/init': { clone: 1, execve: 1, getpid: 1, getppid: 1, vfork: 1 },
      '/bin/true': { exit_group: 1 },
    });
    expect(s.forks).toEqual([
      { parentPid: 1, childPid: 2, executable: '/init' },
      { parentPid: 1, childPid: 3, executable: '/init' },
    ]);
  });

  it('execve split by -f into unfinished/resumed still switches the program', () => {
    const s = parse(
      [
        '[pid 5] execve("/usr/bin/x", ["x"], 0x1 /* 1 var */ <unfinished ...>',
        '[pid 6] getpid() = 6',
        '[pid 5] <... execve resumed>) = 0',
        '[pid 5] brk(NULL) = 0x55',
      ].join('\n'),
    );
    expect(s.executables['/usr/bin/x']).toEqual({ brk: 1 });
  });

  it('CRLF, blank lines and a last line without newline', () => {
    const s = parse('getpid() = 1\r\n\r\n\ngetuid() = 0');
    expect(s.syscalls).toEqual({ getpid: 1, getuid: 1 });
    expect(s.lines).toBe(4);
    expect(s.unreadable.count).toBe(0);
  });

  it('counts what it cannot read, keeps a few short samples', () => {
    const s = parse(
      ['hello world', '123', '[pid x] getpid() = 1', 'a'.repeat(1000), '(', '--', '+', 'x y', '???'].join(
        '\n',
      ),
    );
    expect(s.unreadable.count).toBe(9);
    expect(s.unreadable.samples).toHaveLength(5);
    expect(s.unreadable.samples.every((x) => x.length <= 201)).toBe(true);
    expect(s.syscalls).toEqual({});
  });

  it('caps huge lines (kept as head and tail) without losing the call or its result', () => {
    const p = new TraceParser({ maxLineBytes: 1024 });
    p.push('write(1, "');
    const block = 'x'.repeat(64 * 1024);
    for (let k = 0; k < 80; k++) p.push(block); // 5 MiB in one line
    p.push('", 5242880) = -1 EPERM (Operation not permitted)\ngetpid() = 1\n');
    const s = p.end();
    expect(s.truncatedLines).toBe(1);
    expect(s.syscalls).toEqual({ getpid: 1, write: 1 });
    expect(s.failures.EPERM).toEqual({ write: 1 });
  });

  it('accepts strings and bytes, and a pushed chunk after end() is ignored', () => {
    const p = new TraceParser();
    p.push('getpid() = 1\nget');
    p.push(Buffer.from('uid() = 0\n'));
    const s = p.end();
    p.push('getgid() = 0\n');
    expect(p.end()).toBe(s);
    expect(s.syscalls).toEqual({ getpid: 1, getuid: 1 });
  });
});

describe('mergeSummaries', () => {
  it('adds counts and keeps everything sorted', () => {
    const a = parse('execve("/a", [], 0) = 0\ngetpid() = 1\nmount() = -1 EPERM (x)\n', {
      source: 'a',
      pid: 1,
    });
    const b = parse('getpid() = 2\nopen("/x", 0) = 3\n--- SIGINT {} ---\n+++ exited with 1 +++\n', {
      source: 'b',
      pid: 2,
      executable: '/a',
    });
    const m = mergeSummaries([a, b]);
    expect(m.sources).toEqual(['a', 'b']);
    expect(m.syscalls).toEqual({ execve: 1, getpid: 2, mount: 1, open: 1 });
    expect(Object.keys(m.syscalls)).toEqual(['execve', 'getpid', 'mount', 'open']);
    expect(m.executables['/a']).toEqual({ getpid: 2, mount: 1, open: 1 });
    expect(m.failures.EPERM).toEqual({ mount: 1 });
    expect(m.exits).toEqual([{ pid: 2, code: 1 }]);
    expect(m.lines).toBe(7);
    expect(JSON.stringify(mergeSummaries([a, b]))).toBe(JSON.stringify(m));
  });
});

describe('edge of the buffer', () => {
  it('a last line that is only a name, with or without digits, ends', () => {
    expect(parseTraceText('getpid').unreadable.count).toBe(1);
    expect(parseTraceText('getpid() = 1\nabc1').unreadable.count).toBe(1);
    expect(parseTraceText('x9').lines).toBe(1);
  });
});
