import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  findExcess,
  generateProfile,
  readProfile,
  writeProfileAtomic,
  type GenerateInput,
} from '../../src/profile';
import { parseTraceSession, syscallUsers } from '../../src/trace/parser';
import { describeEngine } from '../helpers/engine';

/**
 * Proves generated profiles on the real engine, and what the runtime baseline is for:
 * - busybox and Postgres start and pass their workload under their generated profile;
 * - the traced calls alone start Postgres only with no-new-privileges, never without it;
 * - even with no-new-privileges runc needs a few calls after loading the filter (busybox, whose
 *   trace has no futex/fstatfs/epoll_ctl, shows it).
 * Traces come from the host's strace made portable (as test/fixtures/traces/make-fixtures.sh does)
 * under Docker's default profile; profiles go to `docker run --security-opt seccomp=<file>`.
 */

const BUSYBOX = 'coredata-test/busybox:latest';
const POSTGRES = 'coredata-test/postgres:15';
const ROOT = join(__dirname, '../..');
const DEFAULT = readProfile(join(ROOT, 'seccomp/docker-default.json'));
const BB_WORKLOAD =
  'echo hello; ls / >/dev/null; head -1 /proc/self/status; mkdir -p /x; ' +
  'dd if=/dev/zero of=/x/f bs=1k count=4 2>/dev/null; wc -c /x/f; id -u';
const PSQL = [
  'psql',
  '-v',
  'ON_ERROR_STOP=1',
  '-qAt',
  '-c',
  'CREATE TABLE t(id int primary key, v text)',
  '-c',
  'INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1,1000) g',
  '-c',
  'SELECT count(*) FROM t',
];
const PG_USER = ['--user', 'postgres', '--cap-drop', 'ALL'];
const NNP = ['--security-opt', 'no-new-privileges'];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[], timeoutMs = 120_000): Run {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function imageMissing(image: string): boolean {
  return docker(['image', 'inspect', image]).status !== 0;
}

describeEngine('generated profiles on the real engine', () => {
  let work: string;
  let strace: string[];
  let straceMount: string[];
  const containers: string[] = [];
  const uniqueName = (what: string) => {
    const name = `coredata-profile-${what}-${process.pid}-${containers.length}`;
    containers.push(name);
    return name;
  };

  beforeAll(() => {
    for (const image of [BUSYBOX, POSTGRES]) {
      if (imageMissing(image)) throw new Error(`image ${image} is missing: run bash test/images/build.sh`);
    }
    work = mkdtempSync(join(tmpdir(), 'coredata-profile-it-'));
    chmodSync(work, 0o755);
    ({ strace, straceMount } = portableStrace(join(work, 'strace')));
  });

  afterAll(() => {
    for (const name of containers) docker(['rm', '-f', name]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** `docker run` under strace -ff into a fresh directory; returns the directory. */
  function traceDir(name: string): string {
    const dir = join(work, 'traces', name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    return dir;
  }

  async function generate(
    dir: string,
    options: Omit<GenerateInput, 'observed' | 'defaultProfile'>,
    file: string,
  ) {
    const { merged } = await parseTraceSession(readdirSync(dir).map((f) => join(dir, f)));
    const { profile, report } = generateProfile({
      observed: Object.keys(merged.syscalls),
      observedBy: syscallUsers(merged),
      defaultProfile: DEFAULT,
      ...options,
    });
    expect(findExcess(profile, DEFAULT, { caps: options.caps })).toEqual([]);
    const path = join(work, file);
    writeProfileAtomic(path, profile);
    return { path, report, observed: Object.keys(merged.syscalls) };
  }

  it('busybox: its generated profile runs the workload; without the baseline runc cannot start it', async () => {
    const dir = traceDir('busybox');
    const traced = docker([
      'run',
      '--rm',
      '--name',
      uniqueName('bb-trace'),
      '--cap-drop',
      'ALL',
      ...straceMount,
      '-v',
      `${dir}:/traces`,
      BUSYBOX,
      ...strace,
      '-ff',
      '-o',
      '/traces/bb',
      'sh',
      '-c',
      BB_WORKLOAD,
    ]);
    expect(traced.status, traced.stderr).toBe(0);

    const run = (profile: string, extra: string[]) =>
      docker([
        'run',
        '--rm',
        '--name',
        uniqueName('bb'),
        '--cap-drop',
        'ALL',
        ...extra,
        '--security-opt',
        `seccomp=${profile}`,
        BUSYBOX,
        'sh',
        '-c',
        BB_WORKLOAD,
      ]);
    const expectWorkload = (r: Run) => {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^hello\nName:\s+head\n4096 \/x\/f\n0\n$/);
    };

    const withNnp = await generate(dir, { caps: [], noNewPrivileges: true }, 'bb-nnp.json');
    expectWorkload(run(withNnp.path, NNP));
    const withoutNnp = await generate(dir, { caps: [], noNewPrivileges: false }, 'bb.json');
    expectWorkload(run(withoutNnp.path, []));

    // the traced calls alone: runc fails after loading the filter, with and without NNP
    const bare = await generate(
      dir,
      { caps: [], noNewPrivileges: true, runtimeBaseline: false },
      'bb-bare.json',
    );
    expect(bare.observed).not.toContain('futex');
    for (const extra of [[], NNP]) {
      const r = run(bare.path, extra);
      expect(r.status, `${extra.join(' ')}: ${r.stdout}`).not.toBe(0);
      expect(r.stdout).not.toContain('hello');
    }
    // and the NNP baseline is not enough without NNP
    const r = run(withNnp.path, []);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/operation not permitted/);
  }, 120_000);

  it('postgres: traced calls start it only with NNP; generated profiles start it and pass the workload', async () => {
    const dir = traceDir('postgres');
    const name = uniqueName('pg-trace');
    const started = docker([
      'run',
      '-d',
      '--name',
      name,
      ...PG_USER,
      ...NNP,
      ...straceMount,
      '-v',
      `${dir}:/traces`,
      '--entrypoint',
      strace[0]!,
      POSTGRES,
      ...strace.slice(1),
      '-ff',
      '-o',
      '/traces/pg',
      '/usr/local/bin/docker-entrypoint.sh',
      'postgres',
    ]);
    expect(started.status, started.stderr).toBe(0);
    const underStrace = (prefix: string, cmd: string[]) => [
      ...strace,
      '-ff',
      '-o',
      `/traces/${prefix}`,
      ...cmd,
    ];
    expect(waitReady(name, underStrace('ready', ['pg_isready', '-q', '-h', '127.0.0.1']))).toBe(true);
    const workload = docker(['exec', '--user', 'postgres', name, ...underStrace('psql', PSQL)]);
    expect(workload.stdout.trim(), workload.stderr).toBe('1000');
    stopPostgres(
      name,
      underStrace('stop', ['pg_ctl', 'stop', '-m', 'fast', '-W', '-D', '/var/lib/postgresql/data']),
    );
    expect(docker(['wait', name]).stdout.trim()).toBe('0');

    /** Starts Postgres under `profile`, runs the workload, stops it; undefined = ran fine. */
    const attempt = (profile: string, extra: string[]): string | undefined => {
      const c = uniqueName('pg');
      const r = docker([
        'run',
        '-d',
        '--name',
        c,
        ...PG_USER,
        ...extra,
        '--security-opt',
        `seccomp=${profile}`,
        POSTGRES,
      ]);
      if (r.status !== 0) return `did not start: ${r.stderr.trim()}`;
      if (!waitReady(c, ['pg_isready', '-q', '-h', '127.0.0.1'])) {
        return `not ready: ${docker(['logs', c]).stderr.slice(-500)}`;
      }
      const w = docker(['exec', '--user', 'postgres', c, ...PSQL]);
      if (w.stdout.trim() !== '1000') return `workload failed: ${w.stderr}`;
      stopPostgres(c, ['pg_ctl', 'stop', '-m', 'fast', '-W', '-D', '/var/lib/postgresql/data']);
      const exit = docker(['wait', c]).stdout.trim();
      return exit === '0' ? undefined : `exited ${exit}: ${docker(['logs', c]).stderr.slice(-500)}`;
    };

    const bare = await generate(
      dir,
      { caps: [], noNewPrivileges: true, runtimeBaseline: false },
      'pg-bare.json',
    );
    expect(attempt(bare.path, NNP)).toBeUndefined();
    expect(attempt(bare.path, [])).toMatch(/did not start: .*operation not permitted/);

    const withNnp = await generate(dir, { caps: [], noNewPrivileges: true }, 'pg-nnp.json');
    expect(withNnp.report.refused.filter((r) => r.name !== 'clone3')).toEqual([]);
    expect(attempt(withNnp.path, NNP)).toBeUndefined();
    const withoutNnp = await generate(dir, { caps: [], noNewPrivileges: false }, 'pg.json');
    expect(attempt(withoutNnp.path, [])).toBeUndefined();
  }, 300_000);

  function waitReady(container: string, probe: string[]): boolean {
    for (let k = 0; k < 120; k++) {
      if (docker(['exec', '--user', 'postgres', container, ...probe]).status === 0) return true;
      const running = docker(['inspect', '-f', '{{.State.Running}}', container]).stdout.trim();
      if (running !== 'true') return false;
      execFileSync('sleep', ['0.5']);
    }
    return false;
  }

  function stopPostgres(container: string, cmd: string[]): void {
    // -W: the exec must not outlive the server (it is killed when PID 1 exits)
    docker(['exec', '--user', 'postgres', container, ...cmd]);
  }
});

/** strace + the shared objects ldd lists + the ELF loader, mountable at /opt/core_data. */
function portableStrace(dir: string): { strace: string[]; straceMount: string[] } {
  const bin = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));
  if (!bin) throw new Error('strace is not installed on this host (apt-get install -y strace)');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'lib'), { recursive: true });
  copyFileSync(bin, join(dir, 'bin/strace'));
  chmodSync(join(dir, 'bin/strace'), 0o755);
  const ldd = execFileSync('ldd', [bin], { encoding: 'utf8' });
  let loader: string | undefined;
  for (const m of ldd.matchAll(/(\/\S+)/g)) {
    const so = m[1]!;
    copyFileSync(so, join(dir, 'lib', basename(so)));
    chmodSync(join(dir, 'lib', basename(so)), 0o755);
    if (/ld-linux/.test(so)) loader = basename(so);
  }
  if (!loader) throw new Error(`no ELF loader in ldd ${bin}`);
  return {
    strace: [
      `/opt/core_data/lib/${loader}`,
      '--library-path',
      '/opt/core_data/lib',
      '/opt/core_data/bin/strace',
    ],
    straceMount: ['-v', `${dir}:/opt/core_data:ro`],
  };
}
