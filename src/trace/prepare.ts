import type Dockerode from 'dockerode';
import type { ComposeProject, ComposeService } from '../compose/model';
import { readAsset } from '../assets';
import { packArchive, type ArchiveEntry } from '../docker/archive';
import {
  ensureNetwork,
  exists,
  ensureVolume,
  isNotFound,
  pathExists,
  putArchive,
  removeContainer,
  removeNetwork,
  removeVolume,
  runToCompletion,
  statusCode,
  stopContainer,
} from '../docker/container';
import { InterruptedError, UsageError } from '../errors';
import {
  networkName,
  serviceRunConfig,
  traceContainerSpec,
  twinRunConfig,
  volumeName,
  type ServiceRunConfig,
  type StraceInjection,
} from './container-spec';
import type { Prepared, SessionContext } from './context';
import { CORE_DIR, LABEL_REPLACED, WRAPPER_ASSET } from './layout';
import { parseStraceVersion, portableStrace } from './portable-strace';

const STRACE_IN_IMAGE = ['/usr/bin/strace', '/bin/strace', '/usr/local/bin/strace'];

type Say = (message: string) => void;

/**
 * Everything before the start: the service's run config (compose, or the running container with
 * --replace), what the image offers (a shell, a strace), the networks and volumes it expects, and
 * the trace container itself, created with the wrapper and strace put into it. Every object made
 * here is registered for cleanup as soon as it exists.
 */
export async function prepareTraceContainer(ctx: SessionContext, say: Say): Promise<Prepared> {
  const { run, image, replaced } = await resolveRunConfig(ctx, say);
  if (run.privileged)
    ctx.warnings.push(`service "${run.service}" is privileged; it is traced without privileges`);
  if (ctx.options.waitHealthy && (!run.healthcheck || run.healthcheck.Test[0] === 'NONE')) {
    throw new UsageError(`--wait-healthy: service "${run.service}" has no healthcheck`, {
      hint: 'add a healthcheck to the service, or drop --wait-healthy',
    });
  }
  checkAbort(ctx);

  const strace = await chooseStrace(ctx, run, image, say);
  checkAbort(ctx);
  await ensureNetworksAndVolumes(
    ctx.docker,
    ctx.project,
    run,
    ctx.names.labels,
    (what, undo) => ctx.cleanup.add(what, undo),
    say,
  );
  checkAbort(ctx);

  say('creating the trace container');
  const { docker, names, cleanup } = ctx;
  await docker.createVolume({ Name: names.volume, Labels: names.labels });
  cleanup.add(`remove volume ${names.volume}`, () => removeVolume(docker, names.volume));
  const container = await docker.createContainer(traceContainerSpec(run, strace.injection, names));
  cleanup.add(`remove container ${names.containerName}`, () => removeContainer(container));
  for (const net of run.networks.slice(1)) {
    await docker
      .getNetwork(net.name)
      .connect({ Container: container.id, EndpointConfig: { Aliases: net.aliases } });
  }
  say(`injecting ${strace.source === 'portable' ? 'a portable strace and ' : ''}the wrapper`);
  await putArchive(container, CORE_DIR, await packArchive(strace.entries));
  return {
    run,
    image,
    injection: strace.injection,
    straceSource: strace.source,
    straceVersion: strace.version,
    container,
    replaced,
  };
}

export function checkAbort(ctx: SessionContext): void {
  if (ctx.signal.aborted) {
    throw new InterruptedError('interrupted before tracing started; nothing was collected');
  }
}

async function inspectImage(
  docker: Dockerode,
  ref: string,
  service: string,
): Promise<Dockerode.ImageInspectInfo> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (e) {
    if (isNotFound(e)) {
      throw new UsageError(`image "${ref}" of service "${service}" is not available on the engine`, {
        hint: `pull or build it first: docker compose pull ${service} (or docker compose build ${service})`,
      });
    }
    throw e;
  }
}

async function runningContainers(
  docker: Dockerode,
  project: string,
  service: string,
): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({
    filters: JSON.stringify({
      label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
      status: ['running'],
    }),
  });
}

/** The compose model's view of the service, completed by its image's defaults. */
export async function composeRunConfig(
  docker: Dockerode,
  project: ComposeProject,
  service: ComposeService,
): Promise<{ run: ServiceRunConfig; image: Dockerode.ImageInspectInfo }> {
  const image = await inspectImage(docker, service.image as string, service.name);
  const cfg = image.Config as Dockerode.ImageInspectInfo['Config'] & {
    Healthcheck?: ServiceRunConfig['healthcheck'];
    StopSignal?: string;
  };
  const entrypoint = cfg.Entrypoint;
  const run = serviceRunConfig(project, service, {
    Entrypoint: entrypoint === undefined || entrypoint === null ? null : [entrypoint].flat(),
    Cmd: cfg.Cmd ?? null,
    Healthcheck: cfg.Healthcheck ?? null,
    StopSignal: cfg.StopSignal,
    User: cfg.User,
  });
  return { run, image };
}

const displayName = (c: Dockerode.ContainerInfo) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);

/** The compose model's view of the service, or — with --replace — the running container's own. */
async function resolveRunConfig(
  ctx: SessionContext,
  say: Say,
): Promise<{ run: ServiceRunConfig; image: Dockerode.ImageInspectInfo; replaced: string[] }> {
  const { docker, project, service, cleanup } = ctx;
  say('looking for running containers of the service');
  const running = await runningContainers(docker, project.name, service.name);
  if (running.length === 0) return { ...(await composeRunConfig(docker, project, service)), replaced: [] };
  if (!ctx.options.replace) {
    throw new UsageError(
      `service "${service.name}" is running in project "${project.name}" (${running.map(displayName).join(', ')})`,
      {
        hint: `trace with --replace (it is stopped while a twin is traced and started again afterwards), or stop it first: docker compose stop ${service.name}`,
      },
    );
  }
  const info = await docker.getContainer((running[0] as Dockerode.ContainerInfo).Id).inspect();
  const run = twinRunConfig(info, project.name, service.name);
  const image = await inspectImage(docker, info.Image, service.name);
  const replaced: string[] = [];
  // Registered before stopping anything, so it runs last: the originals start again whatever happens.
  cleanup.add(`start ${service.name} again`, async () => {
    for (const id of replaced) {
      await docker
        .getContainer(id)
        .start()
        .catch((e: unknown) => {
          if (statusCode(e) !== 304) throw e;
        });
    }
  });
  for (const c of running) {
    say(`stopping ${displayName(c)} (--replace)`);
    replaced.push(c.Id);
    await stopContainer(docker.getContainer(c.Id));
  }
  // On the trace container: `trace --cleanup` starts these again after a hard interruption.
  ctx.names.labels[LABEL_REPLACED] = replaced.join(',');
  return { run, image, replaced };
}

interface StraceChoice {
  injection: StraceInjection;
  source: 'image' | 'portable';
  version: string;
  /** the archive put under /opt/core_data */
  entries: ArchiveEntry[];
}

/** A shell for the wrapper or none; the image's strace when it runs, else a portable one. */
async function chooseStrace(
  ctx: SessionContext,
  run: ServiceRunConfig,
  image: Dockerode.ImageInspectInfo,
  say: Say,
): Promise<StraceChoice> {
  const { docker, names } = ctx;
  say('probing the image for /bin/sh and strace');
  const probe = await docker.createContainer({
    name: `${names.containerName}-probe`,
    Image: image.Id,
    Entrypoint: ['/coredata-probe-never-started'],
    Cmd: [],
    Labels: names.labels,
    HostConfig: { NetworkMode: 'none' },
  });
  let hasShell = false;
  let imageStrace: string | undefined;
  try {
    hasShell = await pathExists(probe, '/bin/sh');
    for (const candidate of STRACE_IN_IMAGE) {
      if (await pathExists(probe, candidate)) {
        imageStrace = candidate;
        break;
      }
    }
  } finally {
    await removeContainer(probe);
  }
  const mode = hasShell ? 'wrapper' : 'direct';
  const options = ctx.options.straceOptions ?? [];
  const entries: ArchiveEntry[] = [{ name: 'traces', type: 'directory', mode: 0o1777 }];
  if (hasShell)
    entries.push({
      name: 'trace_entrypoint.sh',
      type: 'file',
      mode: 0o755,
      content: readAsset(WRAPPER_ASSET),
    });

  if (imageStrace) {
    const check = await runToCompletion(docker, {
      name: `${names.containerName}-strace-check`,
      Image: image.Id,
      Entrypoint: [imageStrace],
      Cmd: ['-V'],
      ...(run.user ? { User: run.user } : {}),
      Labels: names.labels,
      HostConfig: { NetworkMode: 'none' },
    }).catch(() => undefined);
    const version = check?.exitCode === 0 ? parseStraceVersion(check.output) : undefined;
    if (version) {
      return { injection: { mode, launcher: [imageStrace], options }, source: 'image', version, entries };
    }
    ctx.warnings.push(`the image's ${imageStrace} does not run; using a portable strace`);
  }
  say('packing a portable strace');
  const portable = await portableStrace(image.Architecture, ctx.env);
  return {
    injection: { mode, launcher: portable.launcher, options },
    source: 'portable',
    version: portable.version,
    entries: [...entries, ...portable.entries],
  };
}

/**
 * The networks and volumes `run` uses, before its container is created: external ones must exist;
 * missing project ones are created with `labels` and handed to `created` to be removed afterwards;
 * `network_mode: service:X` becomes the running container of X. Shared by trace, harden's replays
 * and the bpf recorder.
 */
export async function ensureNetworksAndVolumes(
  docker: Dockerode,
  project: ComposeProject,
  run: ServiceRunConfig,
  labels: Record<string, string>,
  created: (what: string, undo: () => Promise<void>) => void,
  say: Say = () => undefined,
): Promise<void> {
  if (run.networkMode?.startsWith('service:')) {
    const other = run.networkMode.slice('service:'.length);
    const [peer] = await runningContainers(docker, project.name, other);
    if (!peer) {
      throw new UsageError(`network_mode "service:${other}": service "${other}" is not running`, {
        hint: `start it first: docker compose up -d ${other}`,
      });
    }
    run.networkMode = `container:${peer.Id}`;
  }

  const external = (decls: Record<string, { external: boolean }>, name: (k: string) => string) =>
    new Set(
      Object.entries(decls)
        .filter(([, d]) => d.external)
        .map(([k]) => name(k)),
    );
  const externalNetworks = external(project.networks, (k) => networkName(project, k));
  for (const net of run.networks) {
    if (externalNetworks.has(net.name)) {
      if (!(await exists(() => docker.getNetwork(net.name).inspect()))) {
        throw new UsageError(`external network "${net.name}" does not exist`, {
          hint: `docker network create ${net.name}`,
        });
      }
    } else if (await ensureNetwork(docker, net.name, labels)) {
      say(`created network ${net.name}`);
      created(`remove network ${net.name}`, () => removeNetwork(docker, net.name));
    }
  }

  const externalVolumes = external(project.volumes, (k) => volumeName(project, k));
  for (const m of run.mounts) {
    const source = m.source;
    if (m.type !== 'volume' || !source) continue;
    if (externalVolumes.has(source)) {
      if (!(await exists(() => docker.getVolume(source).inspect()))) {
        throw new UsageError(`external volume "${source}" does not exist`, {
          hint: `docker volume create ${source}`,
        });
      }
    } else if (await ensureVolume(docker, source, labels)) {
      say(`created volume ${source}`);
      created(`remove volume ${source}`, () => removeVolume(docker, source));
    }
  }
}
