import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { UsageError } from '../../src/errors';
import { traceService } from '../../src/trace';
import { traceProject, unprivilegedApp } from '../fixtures/trace-engine/project';
import { describeEngine } from '../helpers/engine';

const IMAGE = 'coredata-test/busybox:latest';
const quiet = () => new PassThrough().resume() as unknown as NodeJS.WriteStream;

describeEngine('trace: a bare busybox image (no libc, no /tmp)', () => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    engine = await connectEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-trace-bb-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function leftovers(label: string) {
    const filters = JSON.stringify({ label: [label] });
    const containers = await engine.docker.listContainers({ all: true, filters });
    const { Volumes } = await engine.docker.listVolumes({ filters });
    const networks = await engine.docker.listNetworks({ filters });
    return [
      ...containers.map((c) => c.Id),
      ...(Volumes ?? []).map((v) => v.Name),
      ...networks.map((n) => n.Name),
    ];
  }

  it('traces --exec with a portable strace, as a non-root user with cap_drop ALL, and leaves nothing behind', async () => {
    const project = traceProject(dir, [unprivilegedApp(IMAGE)]);
    const result = await traceService(engine, project, 'app', {
      exec: ['echo traced-exec; ls /bin > /dev/null', 'id -u'],
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome, result.message).toBe('collected');
    expect(result.exitCode).toBe(0);
    expect(result.skipped).toEqual([]);
    const m = result.manifest;
    expect(m.strace).toMatchObject({ source: 'portable', mode: 'wrapper' });
    expect(m.strace.launcher[0]).toMatch(/^\/opt\/core_data\/lib\/ld-/);
    expect(m).toMatchObject({
      user: '1000:1000',
      capDrop: ['ALL'],
      noNewPrivileges: true,
      securityOpt: ['no-new-privileges=true'],
    });
    expect(m.workload.exec).toEqual([
      { command: 'echo traced-exec; ls /bin > /dev/null', exitCode: 0 },
      { command: 'id -u', exitCode: 0 },
    ]);
    expect(m.exit.by).toBe('stop');

    const read = (source: string) =>
      m.files
        .filter((f) => f.source === source)
        .map((f) => fs.readFileSync(path.join(result.outputDir, f.name), 'utf8'))
        .join('\n');
    // The exec'd programs' own system calls, under the container's user.
    const execs = read('exec');
    expect(execs).toMatch(/write\(1, "traced-exec\\n", 12\)/);
    expect(execs).toMatch(/execve\("\/bin\/sh", \["\/bin\/sh", "-c", "echo traced-exec/);
    expect(execs).toMatch(/getdents64\(/);
    expect(execs).toMatch(/getuid\(\)\s+= 1000/);
    // PID 1's command, and its end on the forwarded SIGTERM.
    const main = read('main');
    expect(main).toMatch(/execve\("\/bin\/sleep", \["sleep", "600"\]/);
    expect(main).toMatch(/--- SIGTERM/);
    expect(main).toMatch(/\+\+\+ killed by SIGTERM \+\+\+/);

    // Layout: seccomp/traces/<service>/<UTC timestamp>/ under the project directory, with a manifest.
    expect(path.relative(dir, result.outputDir)).toMatch(/^seccomp\/traces\/app\/\d{8}T\d{6}Z$/);
    const onDisk = JSON.parse(fs.readFileSync(path.join(result.outputDir, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(m);
    for (const f of m.files) {
      const text = fs.readFileSync(path.join(result.outputDir, f.name), 'utf8');
      expect(text.split('\n').filter(Boolean)).toHaveLength(f.lines);
    }
    expect(await leftovers(`io.coredata.trace=${result.session}`)).toEqual([]);
  });

  it('traces a read_only service: the injected files and the traces live on the session volume', async () => {
    const project = traceProject(dir, [
      { name: 'ro', image: IMAGE, command: ['sleep', '600'], read_only: true },
    ]);
    const result = await traceService(engine, project, 'ro', {
      exec: ['echo ro'],
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome, result.message).toBe('collected');
    expect(result.manifest.readOnly).toBe(true);
    expect(result.manifest.files.some((f) => f.source === 'exec')).toBe(true);
  });

  it('says which services exist when the name is unknown, and refuses a build-only service', async () => {
    const project = traceProject(dir, [
      { name: 'app', image: IMAGE },
      { name: 'built', build: '.' },
    ]);
    await expect(traceService(engine, project, 'nope', { progress: 'silent' })).rejects.toThrow(UsageError);
    await expect(traceService(engine, project, 'nope', { progress: 'silent' })).rejects.toMatchObject({
      hint: 'services: app, built',
    });
    await expect(traceService(engine, project, 'built', { progress: 'silent' })).rejects.toThrow(
      /build only/,
    );
  });

  it('reports a service that fails on its own (exit 1), keeping its traces and log', async () => {
    const project = traceProject(dir, [
      { name: 'crash', image: IMAGE, command: ['sh', '-c', 'echo about to fail >&2; exit 3'] },
    ]);
    const result = await traceService(engine, project, 'crash', {
      durationMs: 20_000,
      progress: 'silent',
      log: quiet(),
    });
    expect(result.outcome).toBe('service-failed');
    expect(result.exitCode).toBe(1);
    expect(result.exitStatus).toBe(3);
    expect(result.manifest.exit.by).toBe('self');
    expect(result.logTail).toContain('about to fail');
    expect(result.files).toBeGreaterThan(0);
    expect(await leftovers(`io.coredata.trace=${result.session}`)).toEqual([]);
  });
});
