import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ComposeProject, ComposeService } from '../../../src/compose/model';
import { UsageError } from '../../../src/errors';
import { hasNoNewPrivileges } from '../../../src/policy';
import type { SeccompProfile } from '../../../src/profile/schema';
import {
  effectiveHealthcheck,
  keptSecurityOpts,
  parseByteSize,
  serviceContainerSpec,
  serviceRunConfig,
  traceContainerSpec,
  tracedExec,
  twinRunConfig,
  type ImageDefaults,
  type StraceInjection,
  type TraceSessionNames,
} from '../../../src/trace/container-spec';

function service(fields: Partial<ComposeService> & { name: string }): ComposeService {
  return ComposeService.parse({ source: { file: '/p/compose.yaml' }, ...fields });
}

function project(services: ComposeService[], extra: Partial<ComposeProject> = {}): ComposeProject {
  return ComposeProject.parse({
    name: 'shop',
    workingDir: '/p',
    files: ['/p/compose.yaml'],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    volumes: { pgdata: { external: false, name: 'shop_pgdata' }, shared: { external: true } },
    networks: {
      default: { external: false, name: 'shop_default' },
      back: { external: false, name: 'shop_back' },
    },
    extensions: {},
    activeProfiles: [],
    environment: { FROM_SHELL: 'shell-value' },
    ...extra,
  });
}

const image: ImageDefaults = {
  Entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
  Cmd: ['postgres'],
  StopSignal: 'SIGINT',
  Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9 },
};
const portable: StraceInjection = {
  mode: 'wrapper',
  launcher: [
    '/opt/core_data/lib/ld-linux-x86-64.so.2',
    '--library-path',
    '/opt/core_data/lib',
    '/opt/core_data/bin/strace',
  ],
  options: [],
};
const names: TraceSessionNames = {
  id: '20260101T000000Z-abc123',
  containerName: 'coredata-trace-shop-db-abc123',
  volume: 'coredata-trace-shop-db-abc123',
  labels: { 'io.coredata.trace': '20260101T000000Z-abc123' },
};

const db = service({
  name: 'db',
  image: 'coredata-test/postgres:15',
  user: 'postgres',
  working_dir: '/var/lib/postgresql',
  environment: { POSTGRES_PASSWORD: 'pw', FROM_SHELL: null, UNSET: null },
  volumes: [
    { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data' },
    { type: 'volume', source: 'shared', target: '/shared', read_only: true },
    { type: 'bind', source: '/p/init', target: '/docker-entrypoint-initdb.d', read_only: true },
    { type: 'volume', target: '/anon' },
  ],
  tmpfs: ['/run:size=64m'],
  shm_size: '256m',
  networks: { default: { aliases: [] }, back: { aliases: ['database'] } },
  cap_drop: ['ALL'],
  cap_add: ['CHOWN', 'SETUID'],
  security_opt: ['no-new-privileges:true', 'seccomp:seccomp/db.json', 'apparmor=docker-default'],
  healthcheck: { test: ['CMD', 'pg_isready', '-U', 'postgres'], interval: '2s', retries: 30 },
  stop_grace_period: '1m30s',
  labels: { team: 'data', 'com.docker.compose.project': 'spoofed' },
});

function dbSpec(svc = db, injection = portable): Dockerode.ContainerCreateOptions {
  const p = project([svc]);
  return traceContainerSpec(serviceRunConfig(p, svc, image), injection, names);
}

describe('traceContainerSpec: the trace container is the service, never more privileged', () => {
  it('keeps cap_add and cap_drop exactly, adds no capability, is never privileged', () => {
    const spec = dbSpec();
    expect(spec.HostConfig?.CapAdd).toEqual(['CHOWN', 'SETUID']);
    expect(spec.HostConfig?.CapDrop).toEqual(['ALL']);
    expect(spec.HostConfig?.Privileged).toBe(false);
  });

  it('stays unprivileged and adds nothing when the service is privileged or has no caps', () => {
    const spec = dbSpec(service({ name: 'x', image: 'i', privileged: true, command: ['run'] }));
    expect(spec.HostConfig?.Privileged).toBe(false);
    expect(spec.HostConfig?.CapAdd).toEqual([]);
    expect(spec.HostConfig?.CapDrop).toEqual([]);
    expect(JSON.stringify(spec)).not.toMatch(/SYS_PTRACE/);
  });

  it('drops every seccomp option, keeps the others (no-new-privileges, apparmor)', () => {
    const spec = dbSpec();
    expect(spec.HostConfig?.SecurityOpt).toEqual(['no-new-privileges=true', 'apparmor=docker-default']);
    expect(
      keptSecurityOpts(['seccomp=unconfined', 'seccomp:/x.json', 'SECCOMP={"a":1}', 'label=disable']),
    ).toEqual(['label=disable']);
  });

  it('labels the container with the session, and drops compose labels', () => {
    const spec = dbSpec();
    expect(spec.Labels).toEqual({ team: 'data', 'io.coredata.trace': names.id });
    expect(spec.name).toBe(names.containerName);
  });

  it('prefixes named volumes with the project, keeps external and bind sources, mounts the session volume', () => {
    const spec = dbSpec();
    expect(spec.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'shop_pgdata', Target: '/var/lib/postgresql/data', ReadOnly: false },
      { Type: 'volume', Source: 'shared', Target: '/shared', ReadOnly: true },
      { Type: 'volume', Target: '/anon', ReadOnly: false },
      { Type: 'volume', Source: names.volume, Target: '/opt/core_data', ReadOnly: false },
    ]);
    expect(spec.HostConfig?.Binds).toEqual(['/p/init:/docker-entrypoint-initdb.d:ro']);
    expect(spec.HostConfig?.Tmpfs).toEqual({ '/run': 'size=64m' });
    expect(spec.HostConfig?.ShmSize).toBe(256 * 1024 * 1024);
  });

  it('joins the prefixed networks with the service name as alias (first at create, others connected later)', () => {
    const p = project([db]);
    const run = serviceRunConfig(p, db, image);
    expect(run.networks).toEqual([
      { name: 'shop_default', aliases: ['db'] },
      { name: 'shop_back', aliases: ['db', 'database'] },
    ]);
    const spec = traceContainerSpec(run, portable, names);
    expect(spec.HostConfig?.NetworkMode).toBe('shop_default');
    expect(spec.NetworkingConfig?.EndpointsConfig).toEqual({ shop_default: { Aliases: ['db'] } });
  });

  it('puts the wrapper in front of the effective entrypoint + command, with an empty Cmd', () => {
    const spec = dbSpec();
    expect(spec.Entrypoint).toEqual([
      '/bin/sh',
      '/opt/core_data/trace_entrypoint.sh',
      '/opt/core_data/traces/main',
      ...portable.launcher,
      '--',
      '/usr/local/bin/docker-entrypoint.sh',
      'postgres',
    ]);
    expect(spec.Cmd).toEqual([]);
    expect(spec.User).toBe('postgres');
    expect(spec.WorkingDir).toBe('/var/lib/postgresql');
  });

  it('without /bin/sh runs strace -D directly as the entrypoint', () => {
    const spec = dbSpec(db, { ...portable, mode: 'direct' });
    expect(spec.Entrypoint).toEqual([
      ...portable.launcher,
      '-D',
      '-ff',
      '-A',
      '-o',
      '/opt/core_data/traces/main',
      '--',
      '/usr/local/bin/docker-entrypoint.sh',
      'postgres',
    ]);
  });

  it('resolves environment: values as given, null from the project environment, unset dropped', () => {
    expect(dbSpec().Env).toEqual(['POSTGRES_PASSWORD=pw', 'FROM_SHELL=shell-value']);
  });

  it('wraps the healthcheck in strace (CMD and CMD-SHELL), keeping its timing', () => {
    const spec = dbSpec();
    expect(spec.Healthcheck).toEqual({
      Test: [
        'CMD',
        ...portable.launcher,
        '-ff',
        '-A',
        '-o',
        '/opt/core_data/traces/health',
        '--',
        'pg_isready',
        '-U',
        'postgres',
      ],
      Interval: 2e9,
      Retries: 30,
    });
    const shell = dbSpec(
      service({
        name: 'w',
        image: 'i',
        command: ['x'],
        healthcheck: { test: ['CMD-SHELL', 'curl -f localhost || exit 1'] },
      }),
    );
    expect(shell.Healthcheck?.Test?.slice(-4)).toEqual([
      '--',
      '/bin/sh',
      '-c',
      'curl -f localhost || exit 1',
    ]);
    expect(shell.Healthcheck?.Interval).toBe(5e9); // the image's
  });

  it('takes the image healthcheck when compose has none, none when disabled', () => {
    expect(effectiveHealthcheck(undefined, image.Healthcheck)?.Test).toEqual(['CMD-SHELL', 'true']);
    expect(effectiveHealthcheck({ disable: true }, image.Healthcheck)).toEqual({ Test: ['NONE'] });
    expect(effectiveHealthcheck(undefined, null)).toBeUndefined();
  });

  it('stop signal and grace period: compose first, then the image', () => {
    const spec = dbSpec();
    expect(spec.StopSignal).toBe('SIGINT');
    expect(spec.StopTimeout).toBe(90);
    const own = dbSpec(service({ name: 'x', image: 'i', stop_signal: 'SIGQUIT', command: ['x'] }));
    expect(own.StopSignal).toBe('SIGQUIT');
  });

  it('follows the engine rule for entrypoint and command', () => {
    const p = project([]);
    const onlyEntrypoint = service({ name: 'a', image: 'i', entrypoint: ['/bin/run'] });
    expect(serviceRunConfig(p, onlyEntrypoint, image)).toMatchObject({
      entrypoint: ['/bin/run'],
      command: [],
    });
    const onlyCommand = service({ name: 'b', image: 'i', command: ['postgres', '-c', 'fsync=off'] });
    expect(serviceRunConfig(p, onlyCommand, image)).toMatchObject({
      entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
      command: ['postgres', '-c', 'fsync=off'],
    });
    const neither = service({ name: 'c', image: 'i' });
    expect(() => traceContainerSpec(serviceRunConfig(p, neither, {}), portable, names)).toThrow(
      /has no command/,
    );
  });

  it('refuses a build-only service', () => {
    expect(() => serviceRunConfig(project([]), service({ name: 'built', build: '.' }), image)).toThrow(
      UsageError,
    );
  });

  it('keeps network_mode and joins no network then', () => {
    const spec = dbSpec(service({ name: 'h', image: 'i', command: ['x'], network_mode: 'host' }));
    expect(spec.HostConfig?.NetworkMode).toBe('host');
    expect(spec.NetworkingConfig).toBeUndefined();
  });

  it('never restarts or auto-removes the trace container (the traces are read after exit)', () => {
    const spec = dbSpec();
    expect(spec.HostConfig?.AutoRemove).toBe(false);
    expect(spec.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });
});

describe('serviceContainerSpec: harden replays the service itself under a profile', () => {
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }],
  };
  const replay = () => {
    const p = project([db]);
    return serviceContainerSpec(serviceRunConfig(p, db, image), {
      name: 'shop-db-coredata-replay1',
      labels: { 'io.coredata.trace': 'harden-replay1' },
      seccomp: profile,
    });
  };

  it('runs the service’s own entrypoint, command and healthcheck: no tracer, no session volume', () => {
    const spec = replay();
    const traced = dbSpec();
    expect(spec.Entrypoint).toEqual(['/usr/local/bin/docker-entrypoint.sh']);
    expect(spec.Cmd).toEqual(['postgres']);
    expect(spec.Healthcheck?.Test).toEqual(['CMD', 'pg_isready', '-U', 'postgres']);
    expect(spec.HostConfig?.Mounts?.map((m) => m.Target)).toEqual(
      traced.HostConfig?.Mounts?.map((m) => m.Target).filter((t) => t !== '/opt/core_data'),
    );
  });

  it('puts the profile inline after the kept options; caps, mounts and networks as the trace container', () => {
    const spec = replay();
    const traced = dbSpec();
    expect(spec.HostConfig?.SecurityOpt).toEqual([
      'no-new-privileges=true',
      'apparmor=docker-default',
      `seccomp=${JSON.stringify(profile)}`,
    ]);
    const { Mounts: _m, SecurityOpt: _s, ...host } = spec.HostConfig!;
    const { Mounts: _tm, SecurityOpt: _ts, ...tracedHost } = traced.HostConfig!;
    expect(host).toEqual(tracedHost);
    expect(spec.NetworkingConfig).toEqual(traced.NetworkingConfig);
    expect(spec.Labels).toEqual({ team: 'data', 'io.coredata.trace': 'harden-replay1' });
  });
});

describe('tracedExec', () => {
  it('runs the command through /bin/sh -c under strace, one prefix per exec', () => {
    expect(tracedExec(portable, 2, 'pgbench -T 5')).toEqual([
      ...portable.launcher,
      '-ff',
      '-A',
      '-o',
      '/opt/core_data/traces/exec-2',
      '--',
      '/bin/sh',
      '-c',
      'pgbench -T 5',
    ]);
  });
  it('splits on blanks when the image has no shell', () => {
    expect(tracedExec({ ...portable, mode: 'direct' }, 1, ' ls  -l /').slice(-3)).toEqual(['ls', '-l', '/']);
  });
});

describe('twinRunConfig (--replace)', () => {
  const inspect = {
    Id: 'abcdef0123456789',
    Image: 'sha256:1111',
    Config: {
      Hostname: 'abcdef012345',
      Entrypoint: ['docker-entrypoint.sh'],
      Cmd: ['postgres'],
      Env: ['PGDATA=/data'],
      User: 'postgres',
      WorkingDir: '',
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db', team: 'data' },
      StopSignal: 'SIGINT',
      Healthcheck: { Test: ['CMD', 'pg_isready'] },
    },
    HostConfig: {
      NetworkMode: 'shop_default',
      CapAdd: null,
      CapDrop: ['ALL'],
      SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ERRNO"}', 'no-new-privileges:true'],
      Privileged: true,
      ReadonlyRootfs: false,
      Tmpfs: { '/run': '' },
    },
    Mounts: [
      {
        Type: 'volume',
        Name: 'shop_pgdata',
        Source: '/var/lib/docker/volumes/shop_pgdata/_data',
        Destination: '/data',
        RW: true,
      },
      { Type: 'bind', Source: '/p/conf', Destination: '/conf', RW: false },
    ],
    NetworkSettings: { Networks: { shop_default: { Aliases: ['db', 'abcdef012345', 'shop-db-1'] } } },
  } as unknown as Dockerode.ContainerInspectInfo;

  it('rebuilds the service from the running container, without compose labels, seccomp or privileges', () => {
    const run = twinRunConfig(inspect, 'shop', 'db');
    expect(run).toMatchObject({
      image: 'sha256:1111',
      entrypoint: ['docker-entrypoint.sh'],
      command: ['postgres'],
      user: 'postgres',
      capDrop: ['ALL'],
      capAdd: [],
      labels: { team: 'data' },
      networks: [{ name: 'shop_default', aliases: ['db', 'shop-db-1'] }],
      mounts: [
        { type: 'volume', source: 'shop_pgdata', target: '/data', readOnly: false },
        { type: 'bind', source: '/p/conf', target: '/conf', readOnly: true },
      ],
    });
    const spec = traceContainerSpec(run, portable, names);
    expect(spec.HostConfig?.Privileged).toBe(false);
    expect(spec.HostConfig?.SecurityOpt).toEqual(['no-new-privileges=true']);
    expect(spec.Labels).toEqual({ team: 'data', 'io.coredata.trace': names.id });
  });
});

describe('small parsers', () => {
  it.each([
    ['64m', 64 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['512k', 512 * 1024],
    ['100', 100],
    [2048, 2048],
  ])('parseByteSize(%j)', (v, n) => expect(parseByteSize(v)).toBe(n));
  it('refuses nonsense sizes', () => expect(() => parseByteSize('lots')).toThrow(UsageError));

  it.each([
    [['no-new-privileges:true'], true],
    [['no-new-privileges=true'], true],
    [['no-new-privileges'], true],
    [['no-new-privileges:false'], false],
    [['no-new-privileges:true', 'no-new-privileges:false'], false],
    [['NO-NEW-PRIVILEGES:True'], true],
    [[], false],
  ])('hasNoNewPrivileges(%j) = %s', (opts, on) => expect(hasNoNewPrivileges(opts)).toBe(on));
});
