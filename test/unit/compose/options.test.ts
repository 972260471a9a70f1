import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, normalizeProjectName } from '../../../src/compose';
import { ComposeError, UsageError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

const one = (image = 'busybox') => `services:\n  app:\n    image: ${image}\n`;

describe('compose files', () => {
  it('discovers compose.yaml first, with its override file', () => {
    const dir = tempProject({
      'compose.yaml': one('from-compose-yaml'),
      'docker-compose.yml': one('from-docker-compose'),
      'compose.override.yml': 'services:\n  app:\n    user: overridden\n',
    });
    const p = loadProject({ cwd: dir, env: {} });
    expect(p.files).toEqual([path.join(dir, 'compose.yaml'), path.join(dir, 'compose.override.yml')]);
    expect(p.services.app).toMatchObject({ image: 'from-compose-yaml', user: 'overridden' });
  });

  it.each(['compose.yml', 'docker-compose.yml', 'docker-compose.yaml'])('discovers %s', (name) => {
    const dir = tempProject({ [name]: one() });
    expect(loadProject({ cwd: dir, env: {} }).files).toEqual([path.join(dir, name)]);
  });

  it('looks in parent directories, and the project directory is where the file is', () => {
    const dir = tempProject({ 'docker-compose.yml': one(), 'a/b/.keep': '' });
    const p = loadProject({ cwd: path.join(dir, 'a/b'), env: {} });
    expect(p.files).toEqual([path.join(dir, 'docker-compose.yml')]);
    expect(p.workingDir).toBe(dir);
  });

  it('fails with a UsageError naming the file names when nothing is found', () => {
    const dir = tempProject({ 'readme.txt': '' });
    const e = thrown(() => loadProject({ cwd: dir, env: {}, projectDirectory: dir })) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.hint).toContain('compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml');
  });

  it('takes -f files relative to cwd, in order, over COMPOSE_FILE and discovery', () => {
    const dir = tempProject({
      'compose.yaml': one('discovered'),
      'sub/a.yaml': one('a'),
      'sub/b.yaml': 'services:\n  app:\n    user: b\n',
      'env.yaml': one('from-env'),
    });
    const p = loadProject({
      cwd: dir,
      env: { COMPOSE_FILE: 'env.yaml' },
      files: ['sub/a.yaml', 'sub/b.yaml'],
    });
    expect(p.files).toEqual([path.join(dir, 'sub/a.yaml'), path.join(dir, 'sub/b.yaml')]);
    expect(p.services.app).toMatchObject({ image: 'a', user: 'b' });
    expect(p.workingDir).toBe(path.join(dir, 'sub'));
  });

  it('splits COMPOSE_FILE on ":" or COMPOSE_PATH_SEPARATOR, over discovery', () => {
    const dir = tempProject({
      'compose.yaml': one('discovered'),
      'a.yaml': one('a'),
      'b.yaml': 'services:\n  app:\n    user: b\n',
    });
    let p = loadProject({ cwd: dir, env: { COMPOSE_FILE: 'a.yaml:b.yaml' } });
    expect(p.services.app).toMatchObject({ image: 'a', user: 'b' });
    p = loadProject({ cwd: dir, env: { COMPOSE_FILE: 'b.yaml;a.yaml', COMPOSE_PATH_SEPARATOR: ';' } });
    expect(p.files).toEqual([path.join(dir, 'b.yaml'), path.join(dir, 'a.yaml')]);
    expect(p.services.app!.image).toBe('a');
  });

  it('reads COMPOSE_FILE from the .env of the directory it starts in', () => {
    const dir = tempProject({
      '.env': 'COMPOSE_FILE=other.yaml\n',
      'compose.yaml': one('discovered'),
      'other.yaml': one('other'),
    });
    expect(loadProject({ cwd: dir, env: {} }).services.app!.image).toBe('other');
  });

  it('fails with a ComposeError naming a missing -f file', () => {
    const dir = tempProject({ 'compose.yaml': one() });
    const e = thrown(() => loadProject({ cwd: dir, env: {}, files: ['nope.yaml'] })) as ComposeError;
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toContain(path.join(dir, 'nope.yaml'));
    expect(e.location).toEqual({ file: path.join(dir, 'nope.yaml') });
  });

  it('--project-directory sets the working directory and where discovery starts', () => {
    const dir = tempProject({
      'proj/compose.yaml': 'services:\n  app:\n    image: x\n    volumes: [./data:/data]\n',
      'elsewhere/.keep': '',
    });
    const p = loadProject({ cwd: path.join(dir, 'elsewhere'), env: {}, projectDirectory: '../proj' });
    expect(p.workingDir).toBe(path.join(dir, 'proj'));
    expect(p.services.app!.volumes[0]!.source).toBe(path.join(dir, 'proj/data'));
    const q = loadProject({ cwd: dir, env: {}, files: ['proj/compose.yaml'], projectDirectory: 'elsewhere' });
    expect(q.services.app!.volumes[0]!.source).toBe(path.join(dir, 'elsewhere/data'));
  });
});

describe('project name', () => {
  const files = { 'My Project/compose.yaml': 'name: ${NAME_FROM_ENV:-from-file}\n' + one() };

  it('prefers -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', () => {
    const dir = path.join(tempProject(files), 'My Project');
    expect(loadProject({ cwd: dir, env: { COMPOSE_PROJECT_NAME: 'env' }, projectName: 'flag' }).name).toBe(
      'flag',
    );
    expect(loadProject({ cwd: dir, env: { COMPOSE_PROJECT_NAME: 'env' } }).name).toBe('env');
    expect(loadProject({ cwd: dir, env: {} }).name).toBe('from-file');
    expect(loadProject({ cwd: dir, env: { NAME_FROM_ENV: 'Interpolated.Name' } }).name).toBe(
      'interpolatedname',
    );
    fs.writeFileSync(path.join(dir, 'compose.yaml'), one());
    expect(loadProject({ cwd: dir, env: {} }).name).toBe('myproject');
  });

  it('takes the last name: of several files', () => {
    const dir = tempProject({ 'a.yaml': 'name: first\n' + one(), 'b.yaml': 'name: second\n' });
    expect(loadProject({ cwd: dir, env: {}, files: ['a.yaml', 'b.yaml'] }).name).toBe('second');
  });

  it('takes COMPOSE_PROJECT_NAME from .env, the process environment winning', () => {
    const dir = tempProject({ 'compose.yaml': one(), '.env': 'COMPOSE_PROJECT_NAME=dotenv\n' });
    expect(loadProject({ cwd: dir, env: {} }).name).toBe('dotenv');
    expect(loadProject({ cwd: dir, env: { COMPOSE_PROJECT_NAME: 'shell' } }).name).toBe('shell');
  });

  it('normalises like compose', () => {
    expect(normalizeProjectName('My_Project.v2')).toBe('my_projectv2');
    expect(normalizeProjectName('__-Core Data')).toBe('coredata');
    expect(normalizeProjectName('..')).toBe('');
  });

  it('rejects an explicit name that is not already normal', () => {
    const dir = tempProject({ 'compose.yaml': one() });
    const e = thrown(() => loadProject({ cwd: dir, env: {}, projectName: 'Bad Name' })) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('invalid project name "Bad Name"');
    expect(e.hint).toBe('try -p badname');
    expect(thrown(() => loadProject({ cwd: dir, env: { COMPOSE_PROJECT_NAME: '-x' } }))).toBeInstanceOf(
      UsageError,
    );
  });

  it('makes COMPOSE_PROJECT_NAME available to interpolation', () => {
    const dir = tempProject({
      'compose.yaml':
        'name: stack\nservices:\n  app:\n    image: x\n    labels: {project: "${COMPOSE_PROJECT_NAME}"}\n',
    });
    expect(loadProject({ cwd: dir, env: {} }).services.app!.labels).toEqual({ project: 'stack' });
  });
});

describe('environment', () => {
  it('reads .env from the project directory; the process environment wins', () => {
    const dir = tempProject({
      'compose.yaml': 'services:\n  app:\n    image: "x:${TAG}"\n    environment: {A: "${A}", B: "${B}"}\n',
      '.env': 'TAG=1\nA=dotenv\nB=dotenv\n',
    });
    const p = loadProject({ cwd: dir, env: { B: 'shell' } });
    expect(p.services.app!.image).toBe('x:1');
    expect(p.services.app!.environment).toEqual({ A: 'dotenv', B: 'shell' });
    expect(p.environment).toMatchObject({ TAG: '1', A: 'dotenv', B: 'shell' });
  });

  it('uses --env-file files (relative to cwd, later wins) instead of .env', () => {
    const dir = tempProject({
      'proj/compose.yaml': 'services:\n  app:\n    image: "x:${TAG}-${OTHER:-none}-${ONLY_DOTENV:-absent}"\n',
      'proj/.env': 'TAG=dotenv\nONLY_DOTENV=yes\n',
      'one.env': 'TAG=one\nOTHER=o\n',
      'two.env': 'TAG=two-${OTHER}\n',
    });
    const p = loadProject({
      cwd: dir,
      env: {},
      files: ['proj/compose.yaml'],
      envFiles: ['one.env', 'two.env'],
    });
    expect(p.services.app!.image).toBe('x:two-o-o-absent');
  });

  it('fails on a missing --env-file', () => {
    const dir = tempProject({ 'compose.yaml': one() });
    const e = thrown(() => loadProject({ cwd: dir, env: {}, envFiles: ['missing.env'] })) as ComposeError;
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toBe(`${path.join(dir, 'missing.env')}: env file not found`);
  });

  it('reports a broken .env line', () => {
    const dir = tempProject({ 'compose.yaml': one(), '.env': 'OK=1\nBROKEN="open\n' });
    const e = thrown(() => loadProject({ cwd: dir, env: {} })) as ComposeError;
    expect(e.location).toEqual({ file: path.join(dir, '.env'), line: 2 });
  });
});

describe('profiles', () => {
  it('come from --profile, else COMPOSE_PROFILES; every service is returned', () => {
    const dir = tempProject({
      'compose.yaml': 'services:\n  app: {image: x}\n  debug: {image: y, profiles: [debug]}\n',
      '.env': 'COMPOSE_PROFILES=debug, tools\n',
    });
    expect(loadProject({ cwd: dir, env: {} }).activeProfiles).toEqual(['debug', 'tools']);
    const p = loadProject({ cwd: dir, env: {}, profiles: ['ops'] });
    expect(p.activeProfiles).toEqual(['ops']);
    expect(Object.keys(p.services)).toEqual(['app', 'debug']);
    expect(p.services.debug!.profiles).toEqual(['debug']);
  });
});
