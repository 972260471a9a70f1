import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packArchive, type ArchiveEntry } from '../../src/docker/archive';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { UsageError } from '../../src/errors';
import { cleanupTraces, traceService } from '../../src/trace';
import { findHostStrace, parseLdd } from '../../src/trace/portable-strace';
import { traceProject } from '../fixtures/trace-engine/project';
import { describeEngine } from '../helpers/engine';

const BUSYBOX = 'coredata-test/busybox:latest';
const NOSHELL = `coredata-test/noshell:trace-${process.pid}`;
const WITH_STRACE = `coredata-test/with-strace:trace-${process.pid}`;
const BROKEN_STRACE = `coredata-test/broken-strace:trace-${process.pid}`;

/** `docker import` of archive entries (parents first), running `sleep 600` by default. */
async function importImage(tag: string, entries: ArchiveEntry[]): Promise<void> {
  execFileSync('docker', ['import', '-c', 'CMD ["/bin/sleep", "600"]', '-', tag], {
    input: await packArchive(entries),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Directory entries for the parents of `file` not yet in `seen`, then the file itself. */
function withParents(file: string, content: Buffer, seen: Set<string>): ArchiveEntry[] {
  const parts = file.replace(/^\//, '').split('/');
  const out: ArchiveEntry[] = [];
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (!seen.has(dir)) out.push({ name: dir, type: 'directory', mode: 0o755 });
    seen.add(dir);
  }
  out.push({ name: parts.join('/'), type: 'file', mode: 0o755, content });
  return out;
}
const quiet = () => new PassThrough().resume() as unknown as NodeJS.WriteStream;

describeEngine('trace: lifecycle (--replace, --cleanup, host workload, images without a shell)', () => {
  let engine: Engine;
  let dir: string;
  const created: { containers: string[]; networks: string[] } = { containers: [], networks: [] };

  beforeAll(async () => {
    engine = await connectEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-trace-life-'));
    const busybox = fs.readFileSync('/bin/busybox');
    const bin = (...applets: string[]): ArchiveEntry[] => [
      { name: 'bin', type: 'directory', mode: 0o755 },
      ...applets.map((a) => ({ name: `bin/${a}`, type: 'file' as const, mode: 0o755, content: busybox })),
    ];
    // No /bin/sh at all: busybox installed as /bin/sleep only.
    await importImage(NOSHELL, bin('sleep'));
    // A strace of the image's own: complete (libraries where ldd finds them), or without them.
    const strace = findHostStrace() as string;
    const ldd = parseLdd(execFileSync('ldd', [strace], { encoding: 'utf8' }));
    const seen = new Set(['bin']);
    const complete = [...bin('sh', 'sleep'), ...withParents('usr/bin/strace', fs.readFileSync(strace), seen)];
    for (const lib of [...ldd.libraries, ldd.loader as string])
      complete.push(...withParents(lib, fs.readFileSync(lib), seen));
    await importImage(WITH_STRACE, complete);
    await importImage(BROKEN_STRACE, [
      ...bin('sh', 'sleep'),
      ...withParents('usr/bin/strace', fs.readFileSync(strace), new Set(['bin'])),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const id of created.containers)
      await engine.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const n of created.networks)
      await engine.docker
        .getNetwork(n)
        .remove()
        .catch(() => undefined);
    for (const tag of [NOSHELL, WITH_STRACE, BROKEN_STRACE]) {
      await engine.docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A container as `docker compose up` would have made it: compose labels, project network. */
  async function composeContainer(project: string, service: string): Promise<Dockerode.Container> {
    const network = `${project}_default`;
    await engine.docker.createNetwork({ Name: network, Labels: { 'com.docker.compose.project': project } });
    created.networks.push(network);
    const c = await engine.docker.createContainer({
      name: `${project}-${service}-1`,
      Image: BUSYBOX,
      Cmd: ['sleep', '600'],
      StopTimeout: 1, // busybox sleep as PID 1 ignores SIGTERM
      Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service, team: 'data' },
      HostConfig: { NetworkMode: network, CapDrop: ['ALL'] },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service] } } },
    });
    created.containers.push(c.id);
    await c.start();
    return c;
  }

  it('--replace: stops the running service, traces a twin of it, starts it again', async () => {
    const project = traceProject(dir, [{ name: 'app', image: BUSYBOX, command: ['sleep', '1'] }]);
    const original = await composeContainer(project.name, 'app');

    await expect(
      traceService(engine, project, 'app', { progress: 'silent', durationMs: 1000 }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/service "app" is running in project/),
      hint: expect.stringMatching(/--replace/),
    });

    const seen = path.join(dir, 'seen');
    const result = await traceService(engine, project, 'app', {
      replace: true,
      exec: ['echo twin'],
      workload: `echo "$COREDATA_CONTAINER" > ${seen}.id; docker inspect -f '{{.State.Running}}' ${original.id} > ${seen}.running`,
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome, result.message).toBe('collected');
    expect(result.manifest.replaced).toEqual([original.id]);
    // the twin runs the container's own command, not the compose file's
    expect(result.manifest.command).toEqual(['sleep', '600']);
    expect(result.manifest.capDrop).toEqual(['ALL']);
    expect(fs.readFileSync(`${seen}.running`, 'utf8').trim()).toBe('false');
    expect(fs.readFileSync(`${seen}.id`, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(`${seen}.id`, 'utf8').trim()).not.toBe(original.id);
    expect((await original.inspect()).State.Running).toBe(true);
  });

  it('--cleanup removes labelled leftovers and starts an original an interrupted --replace had stopped', async () => {
    const project = traceProject(dir, [{ name: 'db', image: BUSYBOX }]);
    const original = await composeContainer(project.name, 'db');
    await original.stop({ t: 0 });
    const labels = { 'io.coredata.trace': 'leftover', 'io.coredata.trace.replaced': original.id };
    const left = await engine.docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sleep', '600'],
      Labels: labels,
    });
    await engine.docker.createVolume({ Name: `coredata-trace-leftover-${process.pid}`, Labels: labels });

    const done = await cleanupTraces(engine);
    expect(done.errors).toEqual([]);
    expect(done.volumes).toContain(`coredata-trace-leftover-${process.pid}`);
    expect(done.restarted).toEqual([`${project.name}-db-1`]);
    await expect(left.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await original.inspect()).State.Running).toBe(true);
  });

  it('runs strace -D as the entrypoint in an image without /bin/sh: the service is PID 1 itself', async () => {
    // busybox sleep as PID 1 ignores SIGTERM (as it would untraced): it is killed after the grace period
    const project = traceProject(dir, [
      { name: 'bare', image: NOSHELL, cap_drop: ['ALL'], user: '65534', stop_grace_period: '1s' },
    ]);
    const result = await traceService(engine, project, 'bare', {
      exec: ['/bin/sleep 0'],
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome, result.message).toBe('collected');
    expect(result.manifest.strace.mode).toBe('direct');
    expect(result.manifest.exit.by).toBe('kill');
    expect(result.warnings.join('\n')).toMatch(/did not stop within 1s and was killed/);
    const text = fs.readFileSync(path.join(result.outputDir, 'main.1.trace'), 'utf8');
    expect(text).toMatch(/execve\("\/bin\/sleep", \["\/bin\/sleep", "600"\]/);
    expect(text).toMatch(/nanosleep/);
    const exec = result.manifest.files.filter((f) => f.source === 'exec');
    expect(exec.length).toBeGreaterThan(0);
  });

  it('without /bin/sh but with init: the stop signal reaches the service and its end is traced', async () => {
    const project = traceProject(dir, [
      { name: 'bare', image: NOSHELL, init: true, stop_grace_period: '5s' },
    ]);
    const result = await traceService(engine, project, 'bare', {
      durationMs: 1500,
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome, result.message).toBe('collected');
    expect(result.manifest.exit.by).toBe('stop');
    const text = result.manifest.files
      .filter((f) => f.source === 'main')
      .map((f) => fs.readFileSync(path.join(result.outputDir, f.name), 'utf8'))
      .join('\n');
    expect(text).toMatch(/--- SIGTERM/);
  });

  it("uses the image's own strace when it runs, and a portable one when it does not", async () => {
    const own = await traceService(
      engine,
      traceProject(dir, [{ name: 's', image: WITH_STRACE, user: '1000' }]),
      's',
      {
        exec: ['echo hi'],
        progress: 'silent',
        log: quiet(),
      },
    );
    expect(own.outcome, own.message).toBe('collected');
    expect(own.manifest.strace).toMatchObject({
      source: 'image',
      launcher: ['/usr/bin/strace'],
      mode: 'wrapper',
    });
    expect(own.manifest.strace.version).toMatch(/^\d+\.\d+/);
    expect(own.warnings).toEqual([]);

    const broken = await traceService(engine, traceProject(dir, [{ name: 's', image: BROKEN_STRACE }]), 's', {
      exec: ['echo hi'],
      progress: 'silent',
      log: quiet(),
    });
    expect(broken.outcome, broken.message).toBe('collected');
    expect(broken.manifest.strace.source).toBe('portable');
    expect(broken.warnings).toContain("the image's /usr/bin/strace does not run; using a portable strace");
  });

  it('refuses --wait-healthy for a service without a healthcheck, before creating anything', async () => {
    const project = traceProject(dir, [{ name: 'app', image: BUSYBOX, command: ['sleep', '600'] }]);
    await expect(
      traceService(engine, project, 'app', { waitHealthy: true, progress: 'silent' }),
    ).rejects.toThrow(UsageError);
    const filters = JSON.stringify({ label: [`io.coredata.trace.project=${project.name}`] });
    expect(await engine.docker.listContainers({ all: true, filters })).toEqual([]);
  });

  it('refuses an image the engine does not have, as bad input', async () => {
    const project = traceProject(dir, [{ name: 'app', image: 'coredata-test/missing:nope' }]);
    await expect(traceService(engine, project, 'app', { progress: 'silent' })).rejects.toThrow(
      /not available on the engine/,
    );
  });
});
