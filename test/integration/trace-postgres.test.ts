import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { traceService, type TraceResult } from '../../src/trace';
import { traceProject } from '../fixtures/trace-engine/project';
import { describeEngine } from '../helpers/engine';

const IMAGE = 'coredata-test/postgres:15';

describeEngine('trace: Postgres as user postgres, cap_drop ALL, no-new-privileges', () => {
  let engine: Engine;
  let dir: string;
  let result: TraceResult;
  let output = '';
  const read = (source: string) =>
    result.manifest.files
      .filter((f) => f.source === source)
      .map((f) => fs.readFileSync(path.join(result.outputDir, f.name), 'utf8'))
      .join('\n');

  beforeAll(async () => {
    engine = await connectEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-trace-pg-'));
    const project = traceProject(dir, [
      {
        name: 'db',
        image: IMAGE,
        user: 'postgres',
        environment: { POSTGRES_PASSWORD: 'secret' },
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
        healthcheck: {
          test: ['CMD', 'pg_isready', '-U', 'postgres'],
          interval: '1s',
          timeout: '5s',
          retries: 60,
        },
        stop_grace_period: '30s',
      },
    ]);
    const log = new PassThrough();
    log.on('data', (c: Buffer) => (output += c.toString()));
    result = await traceService(engine, project, 'db', {
      waitHealthy: true,
      healthyTimeoutMs: 90_000,
      exec: ['pgbench -i -s 1 -U postgres postgres', 'pgbench -T 5 -c 2 -U postgres postgres'],
      progress: 'silent',
      log: log as unknown as NodeJS.WriteStream,
    });
  }, 240_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('collects traces, with the workload run under strace', () => {
    expect(result.outcome, `${result.message}\n${output}`).toBe('collected');
    expect(result.manifest.workload.exec.map((e) => e.exitCode)).toEqual([0, 0]);
    expect(output).toMatch(/tps = \d+/);
    expect(result.manifest).toMatchObject({
      user: 'postgres',
      capDrop: ['ALL'],
      capAdd: [],
      noNewPrivileges: true,
      healthcheck: ['CMD', 'pg_isready', '-U', 'postgres'],
      strace: { source: 'portable', mode: 'wrapper' },
      exit: { status: 0, by: 'stop', oomKilled: false },
    });
  });

  it('shuts down cleanly, and the shutdown is in the traces', () => {
    const main = read('main');
    expect(main).toMatch(/execve\("\/usr\/lib\/postgresql\/15\/bin\/postgres"/);
    expect(main).toMatch(/--- SIGTERM/);
    expect(main).toMatch(/unlink\("(?:[^"]*\/)?postmaster\.pid"\)\s+= 0/);
    expect(main).toMatch(/exit_group\(0\)/);
  });

  it('covers the healthcheck and the pgbench execs', () => {
    expect(read('healthcheck')).toMatch(/execve\("\/usr\/bin\/pg_isready"|execve\("[^"]*pg_isready"/);
    const execs = read('exec');
    expect(execs).toMatch(/execve\("[^"]*pgbench"/);
    expect(execs).toMatch(
      /connect\(\d+, \{sa_family=AF_UNIX, sun_path="\/var\/run\/postgresql\/\.s\.PGSQL\.5432"\}/,
    );
    // backends forked by the postmaster are traced too (strace -ff follows forks)
    expect(result.manifest.files.filter((f) => f.source === 'main').length).toBeGreaterThan(5);
  });

  it('leaves no labelled container or volume', async () => {
    const filters = JSON.stringify({ label: [`io.coredata.trace=${result.session}`] });
    expect(await engine.docker.listContainers({ all: true, filters })).toEqual([]);
    expect((await engine.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  });
});
