import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, type ComposeService } from '../../../src/compose';
import { ComposeError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

/** Loads base.yaml then override.yaml and returns service `s`. */
function merged(base: string, override: string): ComposeService {
  const dir = tempProject({ 'base.yaml': base, 'override.yaml': override });
  const p = loadProject({ cwd: dir, env: {}, files: ['base.yaml', 'override.yaml'] });
  return p.services.s!;
}

const svc = (body: string) => `services:\n  s:\n    image: busybox\n${body.replace(/^/gm, '    ')}\n`;

describe('merging several files (compose-go override rules)', () => {
  it('replaces command, entrypoint and healthcheck.test instead of appending', () => {
    const s = merged(
      svc('command: [a, b, c]\nentrypoint: [/bin/sh, -c]\nhealthcheck:\n  test: [CMD, one]\n  interval: 5s'),
      svc('command: x y\nentrypoint: [/init]\nhealthcheck:\n  test: [CMD, two]'),
    );
    expect(s.command).toEqual(['x', 'y']);
    expect(s.entrypoint).toEqual(['/init']);
    expect(s.healthcheck).toEqual({ test: ['CMD', 'two'], interval: '5s' });
  });

  it('merges environment by key (later value, earlier position), mixing list and map forms', () => {
    const s = merged(
      svc('environment:\n  A: "1"\n  B: "2"\n  C: "3"'),
      svc('environment:\n  - B=20\n  - D=4'),
    );
    expect(s.environment).toEqual({ A: '1', B: '20', C: '3', D: '4' });
    expect(Object.keys(s.environment)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('merges labels by key', () => {
    const s = merged(svc('labels: [a=1, b=2]'), svc('labels:\n  b: "3"\n  c: "4"'));
    expect(s.labels).toEqual({ a: '1', b: '3', c: '4' });
  });

  it('appends cap_add/cap_drop and drops duplicates, keeping the first position', () => {
    const s = merged(
      svc('cap_drop: [ALL, NET_RAW]\ncap_add: [CHOWN]'),
      svc('cap_drop: [MKNOD, ALL]\ncap_add: [CHOWN, SETUID]'),
    );
    expect(s.cap_drop).toEqual(['ALL', 'NET_RAW', 'MKNOD']);
    expect(s.cap_add).toEqual(['CHOWN', 'SETUID']);
  });

  it('de-duplicates volumes by target, the later definition winning', () => {
    const dir = tempProject({
      'base.yaml':
        svc('volumes:\n  - data:/data\n  - ./conf:/etc/app:ro\n') + 'volumes:\n  data:\n  other:\n',
      'override.yaml': svc(
        'volumes:\n  - other:/data\n  - type: bind\n    source: ./logs\n    target: /logs',
      ),
    });
    const s = loadProject({ cwd: dir, env: {}, files: ['base.yaml', 'override.yaml'] }).services.s!;
    expect(s.volumes).toEqual([
      { type: 'volume', source: 'other', target: '/data', volume: {} },
      {
        type: 'bind',
        source: path.join(dir, 'conf'),
        target: '/etc/app',
        read_only: true,
        bind: { create_host_path: true },
      },
      { type: 'bind', source: path.join(dir, 'logs'), target: '/logs' },
    ]);
  });

  it('appends security_opt and keeps duplicates', () => {
    const s = merged(
      svc('security_opt: ["no-new-privileges:true", "seccomp:a.json"]'),
      svc('security_opt: ["seccomp:b.json", "no-new-privileges:true"]'),
    );
    expect(s.security_opt).toEqual([
      'no-new-privileges:true',
      'seccomp:a.json',
      'seccomp:b.json',
      'no-new-privileges:true',
    ]);
  });

  it('merges other mappings key by key, the later scalar winning', () => {
    const s = merged(
      svc(
        'user: "1000"\nhealthcheck:\n  test: [CMD, x]\n  interval: 5s\n  retries: 3\nulimits:\n  nofile: {soft: 1, hard: 2}',
      ),
      svc('user: "2000"\nhealthcheck:\n  retries: 9\nulimits:\n  nofile: {hard: 4}'),
    );
    expect(s.user).toBe('2000');
    expect(s.healthcheck).toEqual({ test: ['CMD', 'x'], interval: '5s', retries: 9 });
    expect(s.ulimits).toEqual({ nofile: { soft: 1, hard: 4 } });
  });

  it('merges networks and depends_on given as lists or maps', () => {
    const dir = tempProject({
      'base.yaml':
        svc('networks: [front]\ndepends_on: [db]') +
        '  db:\n    image: postgres\nnetworks:\n  front:\n  back:\n',
      'override.yaml': svc(
        'networks:\n  back:\n    aliases: [api]\ndepends_on:\n  db:\n    condition: service_healthy',
      ),
    });
    const s = loadProject({ cwd: dir, env: {}, files: ['base.yaml', 'override.yaml'] }).services.s!;
    expect(s.networks).toEqual({ front: { aliases: [] }, back: { aliases: ['api'] } });
    expect(s.depends_on).toEqual(['db']);
  });

  it('!reset removes what earlier files set; !override replaces it', () => {
    const s = merged(
      svc(
        'cap_add: [CHOWN]\nenvironment: {A: "1", B: "2"}\nsecurity_opt: ["seccomp:a.json"]\nuser: root\nlabels: {x: "1"}',
      ),
      svc(
        'cap_add: !reset []\nenvironment: !override {C: "3"}\nsecurity_opt: !override ["seccomp:b.json"]\nuser: !reset null\nlabels: {y: "2"}',
      ),
    );
    expect(s.cap_add).toEqual([]);
    expect(s.environment).toEqual({ C: '3' });
    expect(s.security_opt).toEqual(['seccomp:b.json']);
    expect(s.user).toBeUndefined();
    expect(s.labels).toEqual({ x: '1', y: '2' });
  });

  it('!reset also wins over a << merge in the same mapping', () => {
    const dir = tempProject({
      'compose.yaml':
        'x-d: &d\n  cap_add: [NET_ADMIN]\n  user: root\nservices:\n  s:\n    <<: *d\n    image: busybox\n    cap_add: !reset []\n',
    });
    const s = loadProject({ cwd: dir, env: {} }).services.s!;
    expect(s.cap_add).toEqual([]);
    expect(s.user).toBe('root');
  });

  it('replaces x- extensions whole', () => {
    const dir = tempProject({
      'base.yaml': 'x-core-data:\n  exempt: {a: one}\n  cap_add_justifications: {}\nservices: {}\n',
      'override.yaml': 'x-core-data:\n  exempt: {b: two}\n',
    });
    const p = loadProject({ cwd: dir, env: {}, files: ['base.yaml', 'override.yaml'] });
    expect(p.extensions['x-core-data']).toEqual({ exempt: { b: 'two' } });
  });

  it('adds services from later files and keeps the first file as their source', () => {
    const dir = tempProject({
      'base.yaml': 'services:\n  a:\n    image: one\n',
      'sub/override.yaml': 'services:\n  a:\n    user: x\n  b:\n    image: two\n',
    });
    const p = loadProject({ cwd: dir, env: {}, files: ['base.yaml', 'sub/override.yaml'] });
    expect(p.services.a!.source).toEqual({ file: path.join(dir, 'base.yaml'), line: 2, column: 3 });
    expect(p.services.b!.source).toEqual({ file: path.join(dir, 'sub/override.yaml'), line: 4, column: 3 });
    expect(p.files).toEqual([path.join(dir, 'base.yaml'), path.join(dir, 'sub/override.yaml')]);
  });

  it('fails when files give a key different types', () => {
    const e = thrown(() =>
      merged(svc('ulimits: {nofile: 5}\nextra_hosts: [a:1.2.3.4]'), svc('extra_hosts: {b: 1.2.3.5}')),
    );
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toContain('cannot override services.s.extra_hosts');
  });

  it('resolves extends within a file and from another file', () => {
    const dir = tempProject({
      'compose.yaml': `
services:
  base:
    image: busybox
    cap_drop: [ALL]
    environment: {A: "1"}
  child:
    extends: base
    environment: {B: "2"}
    cap_drop: [NET_RAW]
  remote:
    extends:
      file: lib/common.yaml
      service: common
    user: app
`,
      'lib/common.yaml':
        'services:\n  common:\n    image: alpine\n    env_file: common.env\n    volumes: [./data:/data]\n',
      'lib/common.env': 'FROM_FILE=yes\n',
    });
    const p = loadProject({ cwd: dir, env: {} });
    expect(p.services.child).toMatchObject({
      image: 'busybox',
      cap_drop: ['ALL', 'NET_RAW'],
      environment: { A: '1', B: '2' },
    });
    expect(p.services.remote).toMatchObject({
      image: 'alpine',
      user: 'app',
      environment: { FROM_FILE: 'yes' },
      env_file: [path.join(dir, 'lib/common.env')],
    });
    expect(p.services.remote!.volumes[0]!.source).toBe(path.join(dir, 'lib/data'));
    expect(p.services.child!.extra).toBeUndefined();
  });

  it('rejects circular extends', () => {
    const dir = tempProject({
      'compose.yaml': 'services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: y\n    extends: a\n',
    });
    expect(thrown(() => loadProject({ cwd: dir, env: {} })).message).toContain('circular');
  });
});
