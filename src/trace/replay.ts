import type Dockerode from 'dockerode';
import type { ComposeProject, ComposeService } from '../compose/model';
import { execIn, logTail, removeContainer, stopContainer } from '../docker/container';
import type { Engine } from '../docker/engine';
import type { SeccompProfile } from '../profile/schema';
import { serviceContainerSpec } from './container-spec';
import { sleep } from './context';
import { composeRunConfig, ensureNetworksAndVolumes } from './prepare';
import { runHostCommand, waitForHealth } from './workload';
import { LABEL_SESSION } from './layout';

/** The workload harden replays: the same as it traced with. */
export interface ReplayWorkload {
  exec: string[];
  workload?: string;
  durationMs?: number;
  waitHealthy: boolean;
  healthyTimeoutMs?: number;
  signal: AbortSignal;
  log: NodeJS.WriteStream;
  /** called once the container runs, before the workload (the bpf recorder reads its namespace) */
  onStarted?: (container: Dockerode.Container) => Promise<void>;
}

export interface ReplayResult {
  /** the container started under the profile */
  started: boolean;
  /** null: the service has no healthcheck, or it was not waited for */
  healthy: boolean | null;
  execs: { command: string; exitCode: number | null }[];
  host?: { command: string; exitCode: number | null };
  /** the service's exit status after the graceful stop */
  exitStatus: number | null;
  /** why it failed, in one sentence; absent when everything passed */
  failure?: string;
  logTail: string[];
  wallMs: number;
}

/**
 * Runs the service under `profile` and replays the workload: wait healthy, the `exec`s in the
 * container (untraced, under the same profile as in production), the host workload, then a
 * graceful stop. Everything it creates carries our label and is removed afterwards.
 */
export async function replayService(
  engine: Engine,
  project: ComposeProject,
  service: ComposeService,
  /** undefined: Docker's default profile (the bpf recorder's run) */
  profile: SeccompProfile | undefined,
  w: ReplayWorkload,
  round: string,
): Promise<ReplayResult> {
  const { docker } = engine;
  const started = Date.now();
  const { run } = await composeRunConfig(docker, project, service);
  const labels = { [LABEL_SESSION]: `harden-${round}-${started}` };
  const created: (() => Promise<void>)[] = [];
  await ensureNetworksAndVolumes(docker, project, run, labels, (_what, undo) => created.push(undo));
  const name = `${project.name}-${service.name}-coredata-${round}-${started}`;
  const result: ReplayResult = {
    started: false,
    healthy: null,
    execs: [],
    exitStatus: null,
    logTail: [],
    wallMs: 0,
  };
  let container: Dockerode.Container | undefined;
  try {
    container = await docker.createContainer(
      serviceContainerSpec(run, { name, labels, ...(profile ? { seccomp: profile } : {}) }),
    );
    try {
      await container.start();
      result.started = true;
    } catch (e) {
      result.failure = `the service did not start under the profile: ${(e as Error).message}`;
      return result;
    }
    if (w.onStarted) await w.onStarted(container);
    if (w.waitHealthy && run.healthcheck) {
      const { outcome, status } = await waitForHealth(container, {
        timeoutMs: w.healthyTimeoutMs ?? 120_000,
        signal: w.signal,
      });
      result.healthy = outcome === 'healthy';
      if (!result.healthy) {
        result.failure = `the service did not become healthy under the profile (${outcome === 'exited' ? 'exited' : outcome === 'timeout' ? `still ${status}` : outcome})`;
        return result;
      }
    }
    for (const cmd of w.exec) {
      if (w.signal.aborted) break;
      const out = await execIn(container, ['/bin/sh', '-c', cmd], { out: w.log });
      result.execs.push({ command: cmd, exitCode: out.exitCode });
      if (out.exitCode !== 0) {
        result.failure = `exec "${cmd}" exited with ${out.exitCode} under the profile`;
        return result;
      }
    }
    if (w.workload && !w.signal.aborted) {
      const env = {
        ...process.env,
        COREDATA_CONTAINER: container.id,
        COREDATA_PROJECT: project.name,
        COREDATA_SERVICE: service.name,
      };
      const code = await runHostCommand(w.workload, env, w.log, w.signal);
      result.host = { command: w.workload, exitCode: code };
      if (code !== 0) {
        result.failure = `the workload exited with ${code} under the profile`;
        return result;
      }
    }
    if (w.durationMs && w.exec.length === 0 && !w.workload) await sleep(w.durationMs, w.signal);
    await stopContainer(container, run.stopGraceSeconds);
    const state = (await container.inspect()).State as { ExitCode?: number; OOMKilled?: boolean };
    result.exitStatus = state.ExitCode ?? null;
    return result;
  } finally {
    if (container) {
      result.logTail = await logTail(container, 15).catch(() => []);
      await removeContainer(container).catch(() => undefined);
    }
    for (const undo of created.reverse()) await undo().catch(() => undefined);
    result.wallMs = Date.now() - started;
  }
}
