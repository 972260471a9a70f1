import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  composeConfigArgs,
  fromComposeConfig,
  loadProject,
  resolveContext,
  resolveProject,
  type CommandRunner,
} from '../../../src/compose';
import { ComposeError, UsageError } from '../../../src/errors';
import { tempProject } from './helpers';

// docker-config.json is HAND-WRITTEN in the shape of `docker compose config --format json` (the
// compose plugin is not installed on the machine these tests were written on); see its README.
const FIXTURE_DIR = path.resolve(__dirname, '../../fixtures/compose/agreement');
const FIXTURE_YAML = path.join(FIXTURE_DIR, 'compose.yaml');
const fixtureJson = () =>
  JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'docker-config.json'), 'utf8')) as unknown;

type Call = { command: string; args: string[]; cwd: string };

/** A runner answering `docker compose version` and `docker compose … config`, recording the calls. */
function fakeDocker(config: () => string, calls: Call[] = []): CommandRunner {
  return async (command, args, options) => {
    calls.push({ command, args, cwd: options.cwd });
    if (args.includes('version')) return { stdout: 'v2.29.7\n', stderr: '' };
    return { stdout: config(), stderr: '' };
  };
}

function failing(stderr: string, code: number | string = 1): CommandRunner {
  return async () => {
    throw Object.assign(new Error(`Command failed: docker\n${stderr}`), { code, stderr, stdout: '' });
  };
}

describe('fromComposeConfig', () => {
  it('converts compose JSON into the model', () => {
    const p = fromComposeConfig(fixtureJson(), {
      workingDir: FIXTURE_DIR,
      files: [FIXTURE_YAML],
      environment: { X: '1' },
      activeProfiles: [],
    });
    expect(p.name).toBe('agreement');
    expect(p.services.db).toMatchObject({
      image: 'postgres:15',
      command: ['postgres', '-c', 'shared_buffers=256MB'],
      environment: { EMPTY: null, POSTGRES_PASSWORD: 'secret' },
      depends_on: ['prep'],
      networks: { backend: { aliases: ['database'] } },
      healthcheck: {
        test: ['CMD-SHELL', 'pg_isready -U postgres'],
        interval: '1m30s',
        timeout: '5s',
        retries: 5,
      },
      extra: { restart: 'unless-stopped' },
      source: { file: FIXTURE_YAML },
    });
    expect(p.services.db!.entrypoint).toBeUndefined();
    expect(p.services.prep).toMatchObject({
      entrypoint: ['chown', '999'],
      networks: {},
      network_mode: 'none',
      profiles: ['setup'],
    });
    expect(p.volumes).toEqual({ pgdata: { external: false, name: 'agreement_pgdata' } });
    expect(p.networks).toEqual({ backend: { external: false, name: 'agreement_backend' } });
    expect(p.extensions['x-core-data']).toEqual({ exempt: { prep: 'chowns the volume, then exits' } });
    expect(p.environment).toEqual({ X: '1', COMPOSE_PROJECT_NAME: 'agreement' });
  });

  it('rejects JSON that is not compose’s', () => {
    const ctx = { workingDir: '/', files: [], environment: {}, activeProfiles: [] };
    expect(() => fromComposeConfig({ services: {} }, ctx)).toThrow(ComposeError);
    expect(() => fromComposeConfig({ name: 'x', services: { a: { cap_drop: 'ALL' } } }, ctx)).toThrow(
      /services\.a\.cap_drop/,
    );
  });

  it('agrees with the built-in loader on the same project', async () => {
    const opts = { files: [FIXTURE_YAML], cwd: FIXTURE_DIR, env: {} };
    const builtin = loadProject(opts);
    const { project: docker, resolver } = await resolveProject(opts, 'docker', {
      run: fakeDocker(() => JSON.stringify(fixtureJson())),
    });
    expect(resolver).toBe('docker');
    expect(docker.services).toEqual(builtin.services);
    expect(docker.services.db!.source).toEqual({ file: FIXTURE_YAML, line: 12, column: 3 });
    expect({ ...docker, services: undefined }).toEqual({ ...builtin, services: undefined });
  });
});

describe('resolveProject', () => {
  const project = () =>
    tempProject({ 'compose.yaml': 'services:\n  app:\n    image: busybox\n    cap_drop: [ALL]\n' });

  it('runs docker compose config with the resolved files, directory, name, env files and every profile', async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, 'extra.env'), 'A=1\n');
    const calls: Call[] = [];
    const json = {
      name: 'flagname',
      services: { app: { image: 'busybox', cap_drop: ['ALL'], networks: { default: null } } },
    };
    const { project: p } = await resolveProject(
      { cwd: dir, env: {}, projectName: 'flagname', envFiles: ['extra.env'], profiles: ['debug'] },
      'docker',
      { run: fakeDocker(() => JSON.stringify(json), calls) },
    );
    expect(calls).toEqual([
      {
        command: 'docker',
        args: [
          'compose',
          '-f',
          path.join(dir, 'compose.yaml'),
          '--project-directory',
          dir,
          '-p',
          'flagname',
          '--env-file',
          path.join(dir, 'extra.env'),
          '--profile',
          '*',
          'config',
          '--format',
          'json',
        ],
        cwd: dir,
      },
    ]);
    expect(p.activeProfiles).toEqual(['debug']);
    expect(p.services.app!.source).toEqual({ file: path.join(dir, 'compose.yaml'), line: 2, column: 3 });
    expect(composeConfigArgs(resolveContext({ cwd: dir, env: {} }))).not.toContain('-p');
  });

  it('auto uses docker compose when `docker compose version` answers, and says so', async () => {
    const dir = project();
    const json = { name: 'x', services: { app: { image: 'from-docker' } } };
    const r = await resolveProject({ cwd: dir, env: {} }, 'auto', {
      run: fakeDocker(() => JSON.stringify(json)),
    });
    expect(r.resolver).toBe('docker');
    expect(r.project.services.app!.image).toBe('from-docker');
    expect(r.note).toContain('docker compose v2.29.7');
  });

  it('auto falls back to the built-in loader with a note when the compose plugin is missing', async () => {
    const dir = project();
    const r = await resolveProject({ cwd: dir, env: {} }, 'auto', {
      run: failing("docker: 'compose' is not a docker command.\nSee 'docker --help'"),
    });
    expect(r.resolver).toBe('builtin');
    expect(r.project.services.app!.image).toBe('busybox');
    expect(r.note).toBe(
      "docker compose is not available (docker: 'compose' is not a docker command. See 'docker --help'); read the project with the built-in loader (auto)",
    );
  });

  it('auto falls back when docker itself is missing', async () => {
    const dir = project();
    const r = await resolveProject({ cwd: dir, env: {} }, 'auto', { run: failing('', 'ENOENT') });
    expect(r.resolver).toBe('builtin');
    expect(r.note).toContain('docker is not installed or not on PATH');
  });

  it('auto falls back on this machine, whose docker has no compose plugin', async () => {
    const dir = project();
    const r = await resolveProject({ cwd: dir, env: { PATH: process.env.PATH } }, 'auto');
    // Where the plugin exists, auto rightly picks it; either way it says which.
    expect(r.note).toMatch(
      r.resolver === 'builtin' ? /built-in loader \(auto\)$/ : /docker compose .* \(auto\)$/,
    );
  });

  it('docker without the plugin is a UsageError; a failing config is a ComposeError with its message', async () => {
    const dir = project();
    await expect(
      resolveProject({ cwd: dir, env: {} }, 'docker', {
        run: failing("docker: 'compose' is not a docker command."),
      }),
    ).rejects.toBeInstanceOf(UsageError);
    const err = (await resolveProject({ cwd: dir, env: {} }, 'docker', {
      run: failing('service "app" refers to undefined volume data: invalid compose project'),
    }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ComposeError);
    expect(err.message).toBe(
      'docker compose config failed: service "app" refers to undefined volume data: invalid compose project',
    );
    await expect(
      resolveProject({ cwd: dir, env: {} }, 'docker', { run: fakeDocker(() => 'not json') }),
    ).rejects.toThrow(/printed no JSON/);
  });

  it('builtin never runs a command', async () => {
    const dir = project();
    const r = await resolveProject({ cwd: dir, env: {} }, 'builtin', { run: failing('must not run') });
    expect(r).toMatchObject({ resolver: 'builtin' });
    expect(r.note).toBeUndefined();
  });
});
