import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  linkForks,
  parseTraceFile,
  parseTraceSession,
  parseTraceText,
  syscallUsers,
  UNKNOWN_EXECUTABLE,
} from '../../../src/trace/parser';

const FIXTURES = join(__dirname, '../../fixtures/traces');
const bb = (name: string) => join(FIXTURES, 'busybox', name);
const filesIn = (dir: string) => readdirSync(dir).map((f) => join(dir, f));
const newlines = (path: string) => readFileSync(path).filter((b) => b === 10).length;

describe('real strace -ff output (busybox sh and applets)', () => {
  it('reads every line and attributes calls to the program that made them', async () => {
    const files = filesIn(bb('ff'));
    const { files: summaries, merged } = await parseTraceSession(files);
    expect(merged.unreadable).toEqual({ count: 0, samples: [] });
    expect(merged.lines).toBe(files.reduce((n, f) => n + newlines(f), 0));
    expect(merged.personalities).toEqual(['x86_64']);
    for (const name of ['execve', 'clone', 'wait4', 'openat', 'newfstatat', 'exit_group', 'rt_sigreturn']) {
      expect(merged.syscalls[name]).toBeGreaterThan(0);
    }
    // the applets run as forked children of sh (no execve): their calls belong to /bin/sh
    expect(merged.executables['/bin/sh']?.getdents64).toBeGreaterThan(0);
    // only strace's own child, before it execs /bin/sh, is unknown
    expect(merged.executables[UNKNOWN_EXECUTABLE]).toEqual({ execve: 1 });
    // every file has its pid, an exit, and all but the first a parent
    expect(summaries.every((s) => s.pid !== undefined && s.exits.length === 1)).toBe(true);
    const children = new Set(merged.forks.map((f) => f.childPid));
    expect(summaries.filter((s) => !children.has(s.pid!))).toHaveLength(1);
  });

  it('records calls refused with EPERM', async () => {
    const { merged } = await parseTraceSession(filesIn(bb('ff')));
    expect(merged.failures.EPERM).toEqual({ sethostname: 1, unshare: 1 });
    expect(merged.failures.ENOSYS).toEqual({});
  });

  it('lists who made each call', async () => {
    const { merged } = await parseTraceSession(filesIn(bb('ff')));
    const users = syscallUsers(merged);
    expect(users.mkdir).toEqual(['/bin/sh']);
    expect(users.execve).toContain(UNKNOWN_EXECUTABLE);
  });

  it('links a child file to its parent only through linkForks', async () => {
    const files = filesIn(bb('ff'));
    const raw = await Promise.all(files.map((f) => parseTraceFile(f)));
    const unknownBefore = raw.filter((s) => s.executables[UNKNOWN_EXECUTABLE]).length;
    const unknownAfter = linkForks(raw).filter((s) => s.executables[UNKNOWN_EXECUTABLE]).length;
    expect(unknownBefore).toBeGreaterThan(1);
    expect(unknownAfter).toBe(1);
  });
});

describe('real strace -f output in one file', () => {
  it('-f -tt -T -y -o: pid prefixes, timestamps, durations, fd paths, unfinished/resumed', async () => {
    const path = bb('f-tt-T-y');
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^\d+ +\d\d:\d\d:\d\d\.\d+ /m);
    expect(text).toContain('<unfinished ...>');
    expect(text).toMatch(/<\d+\.\d+>$/m);
    const s = await parseTraceFile(path);
    expect(s.unreadable.count).toBe(0);
    expect(s.lines).toBe(newlines(path));
    expect(s.exits.every((e) => e.pid !== undefined)).toBe(true);
    expect(new Set(s.exits.map((e) => e.pid)).size).toBe(s.exits.length);
    expect(s.failures.EPERM).toEqual({ sethostname: 1, unshare: 1 });
    expect(Object.keys(s.executables).sort()).toEqual([UNKNOWN_EXECUTABLE, '/bin/sh', '/proc/self/exe']);
    expect(s.executables[UNKNOWN_EXECUTABLE]).toEqual({ execve: 1 });
  });

  it('-f -ttt on stderr: "[pid N]" prefixes, an unprefixed root, strace notices cutting lines', async () => {
    const path = bb('f-ttt.stderr');
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^\[pid +\d+\] \d+\.\d+ /m);
    expect(text).toMatch(/strace: Process \d+ attached/);
    const s = await parseTraceFile(path);
    expect(s.unreadable).toEqual({ count: 0, samples: [] });
    // the cut clone lines were put back together: every child is linked to sh
    expect(s.forks.map((f) => f.executable)).toEqual(s.forks.map(() => '/bin/sh'));
    expect(s.forks.length).toBeGreaterThanOrEqual(2);
    expect(s.exits.every((e) => e.pid !== undefined && e.code === 0)).toBe(true);
    expect(s.executables[UNKNOWN_EXECUTABLE]).toEqual({ execve: 1 });
  });

  it('-f -t: killed children, delivered signals, injected ENOSYS, exit status', async () => {
    const s = await parseTraceFile(bb('f-t-signal'));
    expect(s.unreadable.count).toBe(0);
    const byPid = new Map(s.exits.map((e) => [e.pid, e]));
    const root = s.forks[0]!.parentPid!;
    expect(byPid.get(root)).toEqual({ pid: root, code: 3 });
    expect(s.exits.filter((e) => e.signal).map((e) => e.signal)).toEqual(['SIGKILL', 'SIGTERM']);
    expect(s.signals).toMatchObject({ SIGCHLD: 2, SIGTERM: 1 });
    expect(s.failures.ENOSYS).toEqual({ getppid: 1 });
  });
});

describe('real strace -ff output of Postgres (start, psql through exec, pg_ctl stop)', () => {
  it('sees the programs, their calls and the shutdown', async () => {
    const { merged } = await parseTraceSession(filesIn(join(FIXTURES, 'postgres')));
    expect(merged.unreadable.count).toBe(0);
    const programs = Object.keys(merged.executables);
    for (const p of ['postgres', 'psql', 'pg_ctl']) {
      expect(programs).toContain(`/usr/lib/postgresql/15/bin/${p}`);
    }
    expect(programs).toContain('/usr/local/bin/docker-entrypoint.sh');
    const pg = merged.executables['/usr/lib/postgresql/15/bin/postgres']!;
    for (const name of ['epoll_wait', 'shmget', 'fsync', 'pwrite64', 'accept', 'kill', 'clone']) {
      expect(pg[name]).toBeGreaterThan(0);
    }
    expect(merged.signals.SIGINT).toBe(1); // pg_ctl stop -m fast
    expect(Object.keys(merged.syscalls).length).toBeGreaterThan(60);
    // background workers are forked, never exec'd: linked to postgres
    expect(merged.forks.every((f) => f.executable === '/usr/lib/postgresql/15/bin/postgres')).toBe(true);
  });

  it('gives the same summary however the file is cut into chunks', async () => {
    const path = join(FIXTURES, 'postgres', readdirSync(join(FIXTURES, 'postgres')).sort()[0]!);
    const bytes = readFileSync(path);
    const whole = parseTraceText(bytes, { source: path });
    for (const size of [1, 7, 64, 4096]) {
      const { TraceParser } = await import('../../../src/trace/parser');
      const p = new TraceParser({ source: path });
      for (let o = 0; o < bytes.length; o += size) p.push(bytes.subarray(o, o + size));
      expect(p.end()).toEqual(whole);
    }
  });
});
