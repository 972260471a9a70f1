import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engine';

const exe = path.resolve('dist/docker-coredata');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    cwd: os.tmpdir(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeEngine('the executable through the real docker CLI', () => {
  let cfg: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    if (!fs.existsSync(exe)) throw new Error(`${exe} is missing: run \`npm run build\` first`);
    cfg = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-plugin-'));
    env = { DOCKER_CONFIG: cfg, DOCKER_HOST: '', DOCKER_CONTEXT: '' };
    delete env.DOCKER_HOST;
    delete env.DOCKER_CONTEXT;
    // Installed by the executable itself, into the temp DOCKER_CONFIG.
    const r = run(exe, ['install'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/installed\s+.*cli-plugins\/docker-coredata/);
  });
  afterAll(() => fs.rmSync(cfg, { recursive: true, force: true }));

  it('`docker coredata --help` works and teaches the plugin spelling', () => {
    const r = run('docker', ['coredata', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\$ docker coredata \[COMMAND\]/);
    expect(r.stdout).toMatch(/doctor/);
  });

  it('`docker help coredata` shows the same help', () => {
    const r = run('docker', ['help', 'coredata'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/docker coredata/);
  });

  it('`docker --help` lists coredata and `docker info` shows it without a warning', () => {
    expect(run('docker', ['--help'], env).stdout).toMatch(/coredata\*?\s+Harden a compose data stack/);
    const info = run('docker', ['info'], env);
    const all = info.stdout + info.stderr;
    expect(all).toMatch(/coredata: Harden a compose data stack/);
    expect(all).not.toMatch(/WARNING.*coredata|Invalid Plugins|coredata.*not valid/i);
  });

  it('`docker coredata doctor --json` reports the engine version', () => {
    const server = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
    }).trim();
    const r = run('docker', ['coredata', 'doctor', '--json'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.engine.version).toBe(server);
    expect(report.plugin.mode).toBe('plugin');
    expect(report.plugin.installed).toContain(path.join(cfg, 'cli-plugins', 'docker-coredata'));
  });

  it('`docker --context NAME coredata doctor --json` uses the context’s endpoint', () => {
    // A second path to the same engine, so the test can tell which endpoint was used.
    const alt = path.join(cfg, 'alt.sock');
    fs.symlinkSync('/var/run/docker.sock', alt);
    expect(run('docker', ['context', 'create', 'alt', '--docker', `host=unix://${alt}`], env).code).toBe(0);
    const r = run('docker', ['--context', 'alt', 'coredata', 'doctor', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).endpoint).toEqual({
      host: `unix://${alt}`,
      source: 'flag --context',
      context: 'alt',
      tls: false,
    });
  });

  it('a context whose engine is down gives one sentence and exit 3', () => {
    expect(run('docker', ['context', 'create', 'dead', '--docker', 'host=tcp://127.0.0.1:1'], env).code).toBe(
      0,
    );
    const r = run('docker', ['--context', 'dead', 'coredata', 'doctor'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^Error: cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 \(flag --context\)/m,
    );
  });

  it('`docker __complete coredata do` answers in cobra’s format', () => {
    const r = run('docker', ['__complete', 'coredata', 'do'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^doctor\t/m);
    expect(r.stdout).toMatch(/^:4$/m);
  });

  it('runs as docker-core-data (standalone) from a directory with nothing beside it', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-bin-'));
    try {
      const inst = run(exe, ['install', '--standalone', bin], env);
      expect(inst.stdout).toMatch(/linked\s+.*docker-core-data/);
      const link = path.join(bin, 'docker-core-data');
      const help = run(link, ['--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\$ docker-core-data \[COMMAND\]/);
      const doc = run(link, ['doctor', '--json'], env);
      expect(JSON.parse(doc.stdout).plugin.mode).toBe('standalone');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('`docker coredata version [--json]` prints the package version', () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    const r = run('docker', ['coredata', 'version'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`docker coredata ${version}\n`);
    const j = run('docker', ['coredata', 'version', '--json'], env);
    expect(JSON.parse(j.stdout)).toEqual({ version, node: process.version, arch: process.arch });
  });

  it('compiles the oclif part from its code cache (startup, issue 2)', () => {
    const r = run(exe, ['version', '--help'], { ...env, CORE_DATA_DEBUG_STARTUP: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/USAGE/);
    expect(r.stderr).toBe('');
  });

  it('answers the metadata handshake from docker-plugin-metadata.json', () => {
    const r = run(exe, ['docker-cli-plugin-metadata'], env);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(fs.readFileSync('docker-plugin-metadata.json', 'utf8')));
  });
});
