import type Dockerode from 'dockerode';
import type { ComposeProject, ComposeService, Healthcheck } from '../compose/model';
import { UsageError } from '../errors';
import type { SeccompProfile } from '../profile/schema';
import { parseDuration } from './duration';
import { CORE_DIR, TRACE_DIR, TRACE_PREFIX, WRAPPER_PATH } from './layout';

/**
 * How a service runs, in the engine's terms: built from the compose model (plus the image's
 * defaults) or from a running container's inspect (`--replace`). The trace container is this with
 * the entrypoint swapped for strace, and nothing else added.
 */
export interface ServiceRunConfig {
  project: string;
  service: string;
  image: string;
  /** effective entrypoint and command (compose's, else the image's) */
  entrypoint: string[];
  command: string[];
  /** K=V, only what the service sets (the engine adds the image's) */
  env: string[];
  user?: string;
  workingDir?: string;
  mounts: MountSpec[];
  /** target → options */
  tmpfs: Record<string, string>;
  shmSize?: number;
  /** host, none, container:ID, service:NAME; unset when joining `networks` */
  networkMode?: string;
  networks: { name: string; aliases: string[] }[];
  capAdd: string[];
  capDrop: string[];
  /** as the service has them, seccomp included (the spec drops it) */
  securityOpt: string[];
  privileged: boolean;
  readOnly: boolean;
  healthcheck?: EngineHealthcheck;
  stopSignal?: string;
  stopGraceSeconds?: number;
  labels: Record<string, string>;
  ulimits?: { Name: string; Soft: number; Hard: number }[];
  sysctls?: Record<string, string>;
  init?: boolean;
}

export interface MountSpec {
  type: 'volume' | 'bind';
  /** engine volume name (prefixed) or absolute host path; absent for an anonymous volume */
  source?: string;
  target: string;
  readOnly: boolean;
}

/** The engine's healthcheck: durations in nanoseconds, 0 = the image's (or Docker's) default. */
export interface EngineHealthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** What the trace container needs from the image config (`docker image inspect` → Config). */
export interface ImageDefaults {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: EngineHealthcheck | null;
  StopSignal?: string;
  User?: string;
}

/** How strace is put in front of a command. */
export interface StraceInjection {
  /** `wrapper`: PID 1 is trace_entrypoint.sh under /bin/sh; `direct`: no shell, `strace -D` is the entrypoint */
  mode: 'wrapper' | 'direct';
  /** argv prefix that starts strace in the container (image strace, or loader + portable strace) */
  launcher: string[];
  /** extra strace options (e.g. `--seccomp-bpf`) */
  options: string[];
}

/** Names and labels of one trace session. */
export interface TraceSessionNames {
  id: string;
  containerName: string;
  /** the per-session volume mounted at /opt/core_data */
  volume: string;
  labels: Record<string, string>;
}

const COMPOSE_LABEL = /^com\.docker\.compose\./;

/** Engine name of a compose named volume: `name:` as written, external as is, else `<project>_<name>`. */
export function volumeName(project: ComposeProject, name: string): string {
  const decl = project.volumes[name];
  if (decl?.name) return decl.name;
  return decl?.external ? name : `${project.name}_${name}`;
}

/** Engine name of a compose network, same rules as volumes. */
export function networkName(project: ComposeProject, name: string): string {
  const decl = project.networks[name];
  if (decl?.name) return decl.name;
  return decl?.external ? name : `${project.name}_${name}`;
}

/** `256m`, `1g`, `1.5GB`, 1048576 → bytes (compose/go-units RAMInBytes: binary multiples). */
export function parseByteSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(value);
  if (!m)
    throw new UsageError(`invalid size "${value}"`, {
      hint: 'write sizes like 64m, 1g or a number of bytes',
    });
  const power = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

const ns = (d: string | undefined, what: string): number | undefined =>
  d === undefined ? undefined : Math.round(parseDuration(d, what) * 1e6);

/** The effective healthcheck: compose's fields over the image's (the engine merges field by field). */
export function effectiveHealthcheck(
  hc: Healthcheck | undefined,
  image: EngineHealthcheck | null | undefined,
): EngineHealthcheck | undefined {
  if (hc?.disable) return { Test: ['NONE'] };
  const test = hc?.test && hc.test.length > 0 ? hc.test : image?.Test;
  if (!test || test.length === 0) return undefined;
  const out: EngineHealthcheck = { Test: [...test] };
  const fields: [keyof EngineHealthcheck, number | undefined][] = [
    ['Interval', ns(hc?.interval, 'healthcheck interval') ?? image?.Interval],
    ['Timeout', ns(hc?.timeout, 'healthcheck timeout') ?? image?.Timeout],
    ['Retries', hc?.retries ?? image?.Retries],
    ['StartPeriod', ns(hc?.start_period, 'healthcheck start_period') ?? image?.StartPeriod],
    ['StartInterval', ns(hc?.start_interval, 'healthcheck start_interval') ?? image?.StartInterval],
  ];
  for (const [k, v] of fields)
    if (v !== undefined && v !== 0) (out as unknown as Record<string, number>)[k] = v;
  return out;
}

/** The compose service in engine terms; `image` is the image's config for what compose leaves out. */
export function serviceRunConfig(
  project: ComposeProject,
  service: ComposeService,
  image: ImageDefaults,
): ServiceRunConfig {
  if (!service.image) {
    throw new UsageError(`service "${service.name}" has no image (build only)`, {
      hint: `build it first (docker compose build ${service.name}) and give it an \`image:\` name`,
    });
  }
  // The engine's rule: an entrypoint set by the user drops the image's CMD.
  const entrypoint = service.entrypoint ?? image.Entrypoint ?? [];
  const command = service.command ?? (service.entrypoint ? [] : (image.Cmd ?? []));

  const env: string[] = [];
  for (const [k, v] of Object.entries(service.environment)) {
    const value = v ?? project.environment[k];
    if (value !== undefined) env.push(`${k}=${value}`);
  }

  const mounts: MountSpec[] = [];
  const tmpfs: Record<string, string> = {};
  for (const t of service.tmpfs) {
    const [target, ...opts] = t.split(':');
    if (target) tmpfs[target] = opts.join(':');
  }
  for (const v of service.volumes) {
    const readOnly = v.read_only ?? false;
    if (v.type === 'tmpfs') tmpfs[v.target] = readOnly ? 'ro' : '';
    else if (v.type === 'bind') mounts.push({ type: 'bind', source: v.source, target: v.target, readOnly });
    else if (v.type === 'volume')
      mounts.push({
        type: 'volume',
        source: v.source ? volumeName(project, v.source) : undefined,
        target: v.target,
        readOnly,
      });
    else throw new UsageError(`service "${service.name}": volumes of type ${v.type} cannot be traced`);
  }

  const networkEntries = Object.entries(service.networks);
  const networks = service.network_mode
    ? []
    : (networkEntries.length > 0 ? networkEntries : [['default', { aliases: [] }] as const]).map(
        ([name, cfg]) => ({
          name: networkName(project, name),
          aliases: [...new Set([service.name, ...cfg.aliases])],
        }),
      );

  const ulimits = service.ulimits
    ? Object.entries(service.ulimits).map(([name, v]) => {
        const o = (typeof v === 'number' ? { soft: v, hard: v } : v) as { soft?: number; hard?: number };
        return { Name: name, Soft: Number(o.soft ?? o.hard), Hard: Number(o.hard ?? o.soft) };
      })
    : undefined;

  return {
    project: project.name,
    service: service.name,
    image: service.image,
    entrypoint: [...entrypoint],
    command: [...command],
    env,
    user: service.user,
    workingDir: service.working_dir,
    mounts,
    tmpfs,
    shmSize: service.shm_size === undefined ? undefined : parseByteSize(service.shm_size),
    networkMode: service.network_mode,
    networks,
    capAdd: [...service.cap_add],
    capDrop: [...service.cap_drop],
    securityOpt: [...service.security_opt],
    privileged: service.privileged,
    readOnly: service.read_only,
    healthcheck: effectiveHealthcheck(service.healthcheck, image.Healthcheck),
    stopSignal: service.stop_signal ?? (image.StopSignal || undefined),
    stopGraceSeconds:
      service.stop_grace_period === undefined
        ? undefined
        : Math.ceil(parseDuration(service.stop_grace_period, 'stop_grace_period') / 1000),
    labels: Object.fromEntries(Object.entries(service.labels).filter(([k]) => !COMPOSE_LABEL.test(k))),
    ulimits,
    sysctls: service.sysctls,
    init: service.init,
  };
}

/** A running compose container in engine terms, for the twin traced with `--replace`. */
export function twinRunConfig(
  info: Dockerode.ContainerInspectInfo,
  project: string,
  service: string,
): ServiceRunConfig {
  const cfg = info.Config;
  const host = info.HostConfig;
  const shortId = info.Id.slice(0, 12);
  const networks = Object.entries(info.NetworkSettings?.Networks ?? {}).map(([name, ep]) => ({
    name,
    aliases: [
      ...new Set([
        service,
        ...((ep.Aliases ?? []) as string[]).filter((a) => a !== shortId && a !== cfg.Hostname),
      ]),
    ],
  }));
  const mode = host.NetworkMode;
  const networkMode =
    mode && (mode === 'host' || mode === 'none' || mode.startsWith('container:')) ? mode : undefined;
  const mounts: MountSpec[] = (info.Mounts ?? [])
    .filter((m) => m.Type === 'volume' || m.Type === 'bind')
    .map((m) => ({
      type: m.Type as 'volume' | 'bind',
      source: m.Type === 'volume' ? m.Name : m.Source,
      target: m.Destination,
      readOnly: !m.RW,
    }));
  const hc = cfg.Healthcheck as EngineHealthcheck | undefined;
  return {
    project,
    service,
    image: info.Image,
    entrypoint: toArgv(cfg.Entrypoint),
    command: toArgv(cfg.Cmd),
    env: cfg.Env ?? [],
    user: cfg.User || undefined,
    workingDir: cfg.WorkingDir || undefined,
    mounts,
    tmpfs: (host as { Tmpfs?: Record<string, string> }).Tmpfs ?? {},
    shmSize: host.ShmSize || undefined,
    networkMode,
    networks: networkMode ? [] : networks,
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    securityOpt: host.SecurityOpt ?? [],
    privileged: host.Privileged ?? false,
    readOnly: host.ReadonlyRootfs ?? false,
    healthcheck: hc?.Test?.length ? hc : undefined,
    stopSignal: (cfg as { StopSignal?: string }).StopSignal || undefined,
    stopGraceSeconds: (cfg as { StopTimeout?: number }).StopTimeout ?? undefined,
    labels: Object.fromEntries(Object.entries(cfg.Labels ?? {}).filter(([k]) => !COMPOSE_LABEL.test(k))),
    ulimits: (host.Ulimits ?? undefined) as ServiceRunConfig['ulimits'],
    sysctls: (host as { Sysctls?: Record<string, string> }).Sysctls,
    init: host.Init ?? undefined,
  };
}

function toArgv(v: string | string[] | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? [...v] : [v];
}

/** security_opt for the trace: everything but seccomp (traced under Docker's default), `:` written as `=`. */
export function keptSecurityOpts(opts: readonly string[]): string[] {
  return opts
    .filter((o) => !/^seccomp[:=]/i.test(o.trim()) && o.trim().toLowerCase() !== 'seccomp')
    .map((o) => (o.includes('=') || !o.includes(':') ? o : o.replace(':', '=')));
}

/** `strace … -ff -A -o /opt/core_data/traces/<prefix> --` for a healthcheck or an exec. */
export function straceCommand(injection: StraceInjection, prefix: string): string[] {
  return [...injection.launcher, ...injection.options, '-ff', '-A', '-o', `${TRACE_DIR}/${prefix}`, '--'];
}

/** A `--exec CMD` inside the container, under strace: via /bin/sh -c, or split on blanks without a shell. */
export function tracedExec(injection: StraceInjection, index: number, cmd: string): string[] {
  const argv = injection.mode === 'wrapper' ? ['/bin/sh', '-c', cmd] : cmd.split(/\s+/).filter(Boolean);
  return [...straceCommand(injection, `${TRACE_PREFIX.exec}-${index}`), ...argv];
}

/** The healthcheck with its test run under strace (CMD and CMD-SHELL forms; NONE stays). */
export function tracedHealthcheck(hc: EngineHealthcheck, injection: StraceInjection): EngineHealthcheck {
  const [kind, ...rest] = hc.Test;
  const strace = straceCommand(injection, TRACE_PREFIX.healthcheck);
  if (kind === 'CMD') return { ...hc, Test: ['CMD', ...strace, ...rest] };
  if (kind === 'CMD-SHELL') return { ...hc, Test: ['CMD', ...strace, '/bin/sh', '-c', rest.join(' ')] };
  return { ...hc };
}

/**
 * The trace container: the service's own config with strace in front of its command. It keeps the
 * service's cap_add/cap_drop, user, env, mounts and networks, drops seccomp options, and is never
 * privileged; /opt/core_data (wrapper, strace, traces) is the session's own volume.
 */
/** What differs between the containers built from a service's run config. */
export interface ContainerSpecOptions {
  name: string;
  labels: Record<string, string>;
  /** replaces the service's entrypoint + command (the tracer's launcher) */
  entrypoint?: string[];
  /** replaces the service's healthcheck (the traced one) */
  healthcheck?: EngineHealthcheck;
  /** mounted besides the service's own (the session volume) */
  extraMounts?: Dockerode.MountSettings[];
  /** run under this profile (sent as JSON: the API takes no path); default: Docker's default */
  seccomp?: SeccompProfile;
}

/**
 * The engine's create options for a service: its image, command, environment, user, mounts,
 * tmpfs, networks (first one joined with its aliases), caps and security options as they are
 * (seccomp replaced: Docker's default, or `seccomp`). Never privileged, no capability added that
 * the service does not add itself. Shared by `trace` and `harden`'s replays.
 */
export function serviceContainerSpec(
  run: ServiceRunConfig,
  o: ContainerSpecOptions,
): Dockerode.ContainerCreateOptions {
  const binds = run.mounts
    .filter((m) => m.type === 'bind')
    .map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  const mounts: Dockerode.MountSettings[] = run.mounts
    .filter((m) => m.type === 'volume')
    // An anonymous volume has no Source; the engine accepts that, the typings do not.
    .map(
      (m) =>
        ({
          Type: 'volume',
          Source: m.source,
          Target: m.target,
          ReadOnly: m.readOnly,
        }) as Dockerode.MountSettings,
    );
  mounts.push(...(o.extraMounts ?? []));

  const [first] = run.networks;
  const healthcheck = o.healthcheck ?? run.healthcheck;
  const hostConfig: Dockerode.HostConfig = {
    Privileged: false,
    CapAdd: [...run.capAdd],
    CapDrop: [...run.capDrop],
    SecurityOpt: [
      ...keptSecurityOpts(run.securityOpt),
      ...(o.seccomp ? [`seccomp=${JSON.stringify(o.seccomp)}`] : []),
    ],
    Binds: binds,
    Mounts: mounts,
    Tmpfs: { ...run.tmpfs },
    ReadonlyRootfs: run.readOnly,
    NetworkMode: run.networkMode ?? first?.name,
    AutoRemove: false,
    RestartPolicy: { Name: 'no' },
    ...(run.shmSize !== undefined ? { ShmSize: run.shmSize } : {}),
    ...(run.ulimits ? { Ulimits: run.ulimits } : {}),
    ...(run.sysctls ? { Sysctls: run.sysctls } : {}),
    ...(run.init !== undefined ? { Init: run.init } : {}),
  };
  return {
    name: o.name,
    Image: run.image,
    ...(o.entrypoint
      ? { Entrypoint: o.entrypoint, Cmd: [] }
      : { Entrypoint: run.entrypoint.length > 0 ? run.entrypoint : undefined, Cmd: run.command }),
    Env: [...run.env],
    ...(run.user ? { User: run.user } : {}),
    ...(run.workingDir ? { WorkingDir: run.workingDir } : {}),
    Labels: { ...run.labels, ...o.labels },
    ...(run.stopSignal ? { StopSignal: run.stopSignal } : {}),
    ...(run.stopGraceSeconds !== undefined ? { StopTimeout: run.stopGraceSeconds } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: hostConfig,
    ...(first && !run.networkMode
      ? { NetworkingConfig: { EndpointsConfig: { [first.name]: { Aliases: first.aliases } } } }
      : {}),
  };
}

/** The trace container: the service's, run through the wrapper (or strace itself) under strace. */
export function traceContainerSpec(
  run: ServiceRunConfig,
  injection: StraceInjection,
  session: TraceSessionNames,
): Dockerode.ContainerCreateOptions {
  const real = [...run.entrypoint, ...run.command];
  if (real.length === 0) {
    throw new UsageError(`service "${run.service}" has no command: neither compose nor the image sets one`);
  }
  const main = `${TRACE_DIR}/${TRACE_PREFIX.main}`;
  const entrypoint =
    injection.mode === 'wrapper'
      ? ['/bin/sh', WRAPPER_PATH, main, ...injection.launcher, ...injection.options, '--', ...real]
      : [...injection.launcher, ...injection.options, '-D', '-ff', '-A', '-o', main, '--', ...real];
  return serviceContainerSpec(run, {
    name: session.containerName,
    labels: session.labels,
    entrypoint,
    ...(run.healthcheck ? { healthcheck: tracedHealthcheck(run.healthcheck, injection) } : {}),
    extraMounts: [{ Type: 'volume', Source: session.volume, Target: CORE_DIR, ReadOnly: false }],
  });
}
