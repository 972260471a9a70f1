import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { TraceResult } from '../../src/trace';
import { describeEngine } from '../helpers/engine';

const root = path.resolve(__dirname, '../..');

describeEngine('trace: SIGINT to the compiled CLI (standalone)', () => {
  let engine: Engine;
  let dir: string;
  const project = `cdsigint${process.pid}`;
  beforeAll(async () => {
    engine = await connectEngine();
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    } catch {
      // type errors elsewhere in the tree still emit; what matters is that the command was compiled
    }
    if (!fs.existsSync(path.join(root, 'dist/commands/trace.js')))
      throw new Error('dist/commands/trace.js was not compiled');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-trace-sigint-'));
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      [
        `name: ${project}`,
        'services:',
        '  app:',
        '    image: coredata-test/busybox:latest',
        '    command: ["sh", "-c", "while true; do echo tick > /dev/null; sleep 1; done"]',
        '    cap_drop: [ALL]',
        '',
      ].join('\n'),
    );
  }, 180_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops and removes what it created, keeps the traces, exits 130 and says so', async () => {
    const env = { ...process.env };
    for (const k of Object.keys(env))
      if (k.startsWith('DOCKER_CLI_PLUGIN') || k.startsWith('COMPOSE_')) delete env[k];
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/run.js'), 'trace', 'app', '-f', path.join(dir, 'compose.yaml'), '--json'],
      {
        cwd: dir,
        env,
        stdio: ['pipe', 'pipe', 'pipe'], // stdin stays open: interactive mode waits for Enter or Ctrl-C
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    for (let i = 0; i < 120 && !/Tracing app: press Enter or Ctrl-C to stop/.test(stderr); i++) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stderr).toMatch(/Tracing app: press Enter or Ctrl-C to stop/);
    await new Promise((r) => setTimeout(r, 2_500)); // let the loop run a few times under strace
    child.kill('SIGINT');
    const code = await exited;

    expect(code, stderr).toBe(130);
    const result = TraceResult.parse(JSON.parse(stdout));
    expect(result.outcome).toBe('interrupted');
    expect(result.message).toMatch(/^interrupted; kept \d+ trace files? \(\d+ lines\) in /);
    expect(result.files).toBeGreaterThan(0);
    expect(path.relative(dir, result.outputDir)).toMatch(/^seccomp\/traces\/app\/\d{8}T\d{6}Z$/);
    const kept = fs.readdirSync(result.outputDir);
    expect(kept).toContain('manifest.json');
    expect(kept.filter((f) => f.endsWith('.trace')).length).toBe(result.files);
    const main = kept
      .filter((f) => f.startsWith('main.'))
      .map((f) => fs.readFileSync(path.join(result.outputDir, f), 'utf8'));
    expect(main.join('\n')).toMatch(/--- SIGTERM/); // stopped gracefully, through the wrapper
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace

    const filters = JSON.stringify({ label: [`io.coredata.trace.project=${project}`] });
    expect(await engine.docker.listContainers({ all: true, filters })).toEqual([]);
    expect((await engine.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect(await engine.docker.listNetworks({ filters })).toEqual([]);
  }, 120_000);
});
