import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, type ComposeProject } from '../../../src/compose';
import { formatGoDuration, normaliseDuration, parseGoDuration } from '../../../src/compose/duration';
import { shellSplit } from '../../../src/compose/shellwords';
import { parseShortVolume } from '../../../src/compose/volumes';
import { ComposeError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

function load(
  yaml: string,
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): ComposeProject & { dir: string } {
  const dir = tempProject({ 'compose.yaml': yaml, ...files });
  return { ...loadProject({ cwd: dir, env: { HOME: '/home/tester', ...env } }), dir };
}

describe('normalisation into the model', () => {
  it('splits string command/entrypoint like a shell, keeps lists, keeps null', () => {
    const p = load(`services:
  a:
    image: x
    command: sh -c 'echo "hello world" && exit 0' --flag="a b" esc\\ aped ""
    entrypoint: ["/bin/tini", "--"]
  b:
    image: x
    command: null
    entrypoint: /docker-entrypoint.sh
`);
    expect(p.services.a!.command).toEqual([
      'sh',
      '-c',
      'echo "hello world" && exit 0',
      '--flag=a b',
      'esc aped',
      '',
    ]);
    expect(p.services.a!.entrypoint).toEqual(['/bin/tini', '--']);
    expect(p.services.b!.command).toBeNull();
    expect(p.services.b!.entrypoint).toEqual(['/docker-entrypoint.sh']);
  });

  it('stops a string command at an unquoted shell operator, as compose does, and warns', () => {
    const p = load('services:\n  a:\n    image: x\n    command: echo one && echo two\n');
    expect(p.services.a!.command).toEqual(['echo', 'one']);
    expect(p.warnings?.[0]).toContain('services.a.command');
  });

  it('turns the environment list form into a map; a bare name takes the project environment', () => {
    const p = load(
      'services:\n  a:\n    image: x\n    environment:\n      - A=1\n      - B=x=y\n      - FROM_SHELL\n      - UNSET\n      - EMPTY=\n',
      {},
      { FROM_SHELL: 'sh' },
    );
    expect(p.services.a!.environment).toEqual({ A: '1', B: 'x=y', FROM_SHELL: 'sh', UNSET: null, EMPTY: '' });
  });

  it('writes numbers and booleans in the environment map as strings', () => {
    const p = load(
      'services:\n  a:\n    image: x\n    environment:\n      PORT: 5432\n      DEBUG: true\n      RATIO: 0.5\n      NOTHING:\n',
    );
    expect(p.services.a!.environment).toEqual({ PORT: '5432', DEBUG: 'true', RATIO: '0.5', NOTHING: null });
  });

  it('reads env_file entries (string, list, {path, required}) under environment', () => {
    const files = {
      'a.env': 'A=from-a\nSHARED=a\nHOST=${HOST_FROM_PROJECT}\n',
      'conf/b.env': 'SHARED=b\nB=from-b\n',
    };
    const p = load(
      `services:
  one:
    image: x
    env_file: a.env
    environment: {SHARED: from-environment}
  two:
    image: x
    env_file:
      - a.env
      - path: conf/b.env
      - path: missing.env
        required: false
`,
      files,
      { HOST_FROM_PROJECT: 'db' },
    );
    expect(p.services.one!.environment).toEqual({ A: 'from-a', SHARED: 'from-environment', HOST: 'db' });
    expect(p.services.one!.env_file).toEqual([path.join(p.dir, 'a.env')]);
    expect(p.services.two!.environment).toEqual({ A: 'from-a', SHARED: 'b', HOST: 'db', B: 'from-b' });
    expect(p.services.two!.env_file).toEqual([
      path.join(p.dir, 'a.env'),
      path.join(p.dir, 'conf/b.env'),
      path.join(p.dir, 'missing.env'),
    ]);
  });

  it('fails on a missing required env_file, naming it', () => {
    const e = thrown(() => load('services:\n  a:\n    image: x\n    env_file: [nope.env]\n')) as ComposeError;
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toMatch(/env file .*nope\.env not found/);
    expect(e.location).toMatchObject({ line: 4 });
  });

  it('turns short volumes into the long form; bind sources absolute, named volumes unprefixed', () => {
    const p = load(`services:
  a:
    image: x
    volumes:
      - data:/var/lib/data
      - ./conf:/etc/conf:ro
      - ../shared:/shared:rw,z
      - ~/cache:/cache
      - /abs/path:/abs:ro,rshared
      - /anonymous
      - cache:/nocopy:nocopy
      - type: bind
        source: ./long
        target: /long
        read_only: true
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 1000}
volumes:
  data:
  cache:
`);
    const dir = p.dir;
    expect(p.services.a!.volumes).toEqual([
      { type: 'volume', source: 'data', target: '/var/lib/data', volume: {} },
      {
        type: 'bind',
        source: path.join(dir, 'conf'),
        target: '/etc/conf',
        read_only: true,
        bind: { create_host_path: true },
      },
      {
        type: 'bind',
        source: path.join(path.dirname(dir), 'shared'),
        target: '/shared',
        bind: { create_host_path: true, selinux: 'z' },
      },
      { type: 'bind', source: '/home/tester/cache', target: '/cache', bind: { create_host_path: true } },
      {
        type: 'bind',
        source: '/abs/path',
        target: '/abs',
        read_only: true,
        bind: { create_host_path: true, propagation: 'rshared' },
      },
      { type: 'volume', target: '/anonymous', volume: {} },
      { type: 'volume', source: 'cache', target: '/nocopy', volume: { nocopy: true } },
      { type: 'bind', source: path.join(dir, 'long'), target: '/long', read_only: true },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 1000 } },
    ]);
  });

  it('rejects an undeclared named volume and a malformed spec', () => {
    expect(
      thrown(() => load('services:\n  a:\n    image: x\n    volumes: [data:/data]\n')).message,
    ).toContain('service "a" refers to undefined volume "data"');
    const e = thrown(() =>
      load(
        'services:\n  a:\n    image: x\n    volumes:\n      - ok:/ok\n      - "a::b"\nvolumes: {ok: {}}\n',
      ),
    ) as ComposeError;
    expect(e.message).toContain('services.a.volumes.1 invalid volume spec "a::b"');
    expect(e.location).toMatchObject({ line: 6, column: 9 });
  });

  it('normalises networks (list or map) with aliases, and adds the implicit default network', () => {
    const p = load(`services:
  a:
    image: x
    networks: [front, back]
  b:
    image: x
    networks:
      back:
        aliases: [db, database]
      front:
  c:
    image: x
  d:
    image: x
    network_mode: host
networks:
  front:
  back:
    external: true
  named:
    name: custom-name
`);
    expect(p.services.a!.networks).toEqual({ front: { aliases: [] }, back: { aliases: [] } });
    expect(p.services.b!.networks).toEqual({ back: { aliases: ['db', 'database'] }, front: { aliases: [] } });
    expect(p.services.c!.networks).toEqual({ default: { aliases: [] } });
    expect(p.services.d!.networks).toEqual({});
    expect(p.services.d!.network_mode).toBe('host');
    const name = p.name;
    expect(p.networks).toEqual({
      front: { external: false, name: `${name}_front` },
      back: { external: true, name: 'back' },
      named: { external: false, name: 'custom-name' },
      default: { external: false, name: `${name}_default` },
    });
  });

  it('rejects an undefined network', () => {
    expect(thrown(() => load('services:\n  a:\n    image: x\n    networks: [nope]\n')).message).toContain(
      'refers to undefined network "nope"',
    );
  });

  it('normalises healthchecks: test string → CMD-SHELL, durations in Go form', () => {
    const p = load(`services:
  a:
    image: x
    healthcheck:
      test: pg_isready -U postgres
      interval: 90s
      timeout: 1500ms
      retries: "3"
      start_period: 1h
  b:
    image: x
    healthcheck:
      disable: true
    stop_grace_period: 2m
`);
    expect(p.services.a!.healthcheck).toEqual({
      test: ['CMD-SHELL', 'pg_isready -U postgres'],
      interval: '1m30s',
      timeout: '1.5s',
      retries: 3,
      start_period: '1h0m0s',
    });
    expect(p.services.b!.healthcheck).toEqual({ disable: true });
    expect(p.services.b!.stop_grace_period).toBe('2m0s');
  });

  it('rejects a duration that is not one', () => {
    const e = thrown(() => load('services:\n  a:\n    image: x\n    healthcheck:\n      interval: 10\n'));
    expect(e.message).toContain('services.a.healthcheck.interval must be a duration');
  });

  it('turns labels lists into maps, depends_on into names, keeps profiles and the rest', () => {
    const p = load(`services:
  a:
    image: x
    labels: [com.example.a=1, flag]
    depends_on: [b, b]
    profiles: [debug, ops]
    ports: ["8080:80"]
    restart: unless-stopped
    x-note: kept
    privileged: "true"
    read_only: true
    init: false
    user: 999
    sysctls: [net.core.somaxconn=1024]
    tmpfs: /run
  b:
    image: x
    depends_on:
      c: {condition: service_healthy}
  c:
    build: ./ctx
`);
    const a = p.services.a!;
    expect(a.labels).toEqual({ 'com.example.a': '1', flag: '' });
    expect(a.depends_on).toEqual(['b']);
    expect(p.services.b!.depends_on).toEqual(['c']);
    expect(a.profiles).toEqual(['debug', 'ops']);
    expect(a.extra).toEqual({ ports: ['8080:80'], restart: 'unless-stopped', 'x-note': 'kept' });
    expect(a).toMatchObject({ privileged: true, read_only: true, init: false, user: '999', tmpfs: ['/run'] });
    expect(a.sysctls).toEqual({ 'net.core.somaxconn': '1024' });
    expect(p.services.c!.build).toEqual({ context: path.join(p.dir, 'ctx'), dockerfile: 'Dockerfile' });
    expect(p.services.c!.cap_drop).toEqual([]);
  });

  it('checks depends_on, image/build and attribute types', () => {
    expect(thrown(() => load('services:\n  a:\n    image: x\n    depends_on: [ghost]\n')).message).toContain(
      'service "a" depends on undefined service "ghost"',
    );
    expect(thrown(() => load('services:\n  a:\n    user: x\n')).message).toContain(
      'has neither an image nor a build context',
    );
    const e = thrown(() => load('services:\n  a:\n    image: x\n    cap_drop: ALL\n')) as ComposeError;
    expect(e.message).toContain('services.a.cap_drop must be a list');
    expect(e.location).toMatchObject({ line: 4, column: 5 });
    expect(thrown(() => load('services:\n  a:\n    image: x\n    privileged: maybe\n')).message).toContain(
      'must be a boolean',
    );
    expect(thrown(() => load('nonsense: 1\nservices: {}\n')).message).toContain(
      'nonsense is not a compose attribute',
    );
  });
});

describe('helpers', () => {
  it('shellSplit follows go-shellwords', () => {
    expect(shellSplit(`a  'b c'  "d \\" e" f\\ g`).words).toEqual(['a', 'b c', 'd " e', 'f g']);
    expect(shellSplit('echo hi > /dev/null')).toEqual({ words: ['echo', 'hi'], stoppedAt: 8 });
    expect(shellSplit('echo ">" \';\'').words).toEqual(['echo', '>', ';']);
    expect(() => shellSplit('echo "open')).toThrow(/unterminated/);
  });

  it('parses the short volume syntax', () => {
    expect(parseShortVolume('data:/d:ro')).toEqual({
      type: 'volume',
      source: 'data',
      target: '/d',
      read_only: true,
      options: [],
    });
    expect(parseShortVolume('./x:/x')).toMatchObject({ type: 'bind', source: './x' });
    expect(parseShortVolume('/only')).toEqual({ type: 'volume', target: '/only', options: [] });
    expect(parseShortVolume('a:b:c:d')).toBeUndefined();
  });

  it('parses and prints Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('')).toBeUndefined();
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(1_500n)).toBe('1.5µs');
    expect(formatGoDuration(250_000_000n)).toBe('250ms');
    expect(normaliseDuration('61.5s')).toBe('1m1.5s');
    expect(normaliseDuration('3600s')).toBe('1h0m0s');
    expect(normaliseDuration('-5s')).toBe('-5s');
  });
});
