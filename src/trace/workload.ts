import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { execIn, waitForExit } from '../docker/container';
import { tracedExec } from './container-spec';
import { aborted, sleep, untilAborted, type Prepared, type SessionContext } from './context';
import { formatDuration } from './duration';
import type { ExecRecord } from './manifest';

/** Why tracing ended. */
export type WindowEnd = 'duration' | 'workload' | 'user' | 'interrupted' | 'exited' | 'unhealthy';

export interface WindowResult {
  end: WindowEnd;
  startedAt: Date;
  execs: ExecRecord[];
  host: ExecRecord | null;
  /** why --wait-healthy gave up */
  unhealthy?: string;
  /** an unexpected failure while tracing (the service is still stopped and collected) */
  error?: unknown;
}

/** Watches the trace container's exit, telling an exit on its own from one we asked for. */
export class ServiceExit {
  readonly done: Promise<void>;
  private stopping = false;
  private onItsOwn = false;

  constructor(container: Dockerode.Container) {
    // Subscribed before the start: the engine's next-exit condition.
    this.done = waitForExit(container).then(
      () => {
        this.onItsOwn = !this.stopping;
      },
      () => undefined,
    );
  }

  markStopping(): void {
    this.stopping = true;
  }

  get exitedOnItsOwn(): boolean {
    return this.onItsOwn;
  }
}

/**
 * Starts the service and keeps it traced for the window: until --duration passes, or the workload
 * (healthy wait, traced execs, host command) is done, or the user presses Enter; Ctrl-C, the
 * service exiting or becoming unhealthy end it early. Never throws: errors end the window.
 */
export async function runTracingWindow(
  ctx: SessionContext,
  prep: Prepared,
  exit: ServiceExit,
): Promise<WindowResult> {
  const { options, progress, service } = ctx;
  const window = new AbortController();
  const result: WindowResult = { end: 'interrupted', startedAt: new Date(), execs: [], host: null };
  const endWindow = (why: WindowEnd) => {
    if (window.signal.aborted) return;
    result.end = why;
    window.abort();
  };
  const onAbort = () => endWindow('interrupted');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  void exit.done.then(() => endWindow('exited'));

  let durationTimer: NodeJS.Timeout | undefined;
  try {
    await progress.step(`Start ${service.name} under strace`, async () => {
      await prep.container.start();
      result.startedAt = new Date();
    });
    if (options.durationMs !== undefined)
      durationTimer = setTimeout(() => endWindow('duration'), options.durationMs);
    if (ctx.signal.aborted) endWindow('interrupted');

    if (options.waitHealthy) await waitHealthy(ctx, prep, window.signal, result, endWindow);
    await runWorkload(ctx, prep, window.signal, result);

    if (options.durationMs !== undefined) {
      if (!window.signal.aborted) {
        await progress.step(
          `Tracing ${service.name} until ${formatDuration(options.durationMs)} have passed`,
          () => aborted(window.signal),
        );
      }
    } else if (options.exec?.length || options.workload) {
      endWindow('workload');
    } else if (!window.signal.aborted) {
      const how = options.waitForUser ? 'press Enter or Ctrl-C to stop' : 'Ctrl-C to stop';
      // The prompt is not progress: it is said even when progress is silent (--json).
      if (progress.silent) progress.note(`Tracing ${service.name}: ${how}`);
      await progress.step(`Tracing ${service.name}: ${how}`, async () => {
        if (options.waitForUser) await untilAborted(options.waitForUser(window.signal), window.signal);
        else await aborted(window.signal);
      });
      endWindow('user');
    }
  } catch (e) {
    result.error = e;
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  // An interruption wins over whatever else ended the window at the same moment.
  if (ctx.signal.aborted) result.end = 'interrupted';
  return result;
}

export type HealthOutcome = 'healthy' | 'unhealthy' | 'timeout' | 'exited' | 'aborted';

/** Polls the container's health until it is healthy, unhealthy, gone, too late, or `signal` aborts. */
export async function waitForHealth(
  container: Dockerode.Container,
  o: { timeoutMs: number; signal: AbortSignal; onStatus?: (status: string) => void },
): Promise<{ outcome: HealthOutcome; status: string }> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (o.signal.aborted) return { outcome: 'aborted', status: 'none' };
    const state = (await container.inspect()).State as { Running?: boolean; Health?: { Status?: string } };
    const status = state.Health?.Status ?? 'none';
    o.onStatus?.(status);
    if (status === 'healthy') return { outcome: 'healthy', status };
    if (status === 'unhealthy') return { outcome: 'unhealthy', status };
    if (state.Running === false) return { outcome: 'exited', status };
    if (Date.now() > deadline) return { outcome: 'timeout', status };
    await sleep(500, o.signal);
  }
}

async function waitHealthy(
  ctx: SessionContext,
  prep: Prepared,
  window: AbortSignal,
  result: WindowResult,
  endWindow: (why: WindowEnd) => void,
): Promise<void> {
  if (window.aborted) return;
  const timeout = ctx.options.healthyTimeoutMs ?? 120_000;
  await ctx.progress.step(
    `Wait until ${ctx.service.name} is healthy (up to ${formatDuration(timeout)})`,
    async (ctl) => {
      const { outcome, status } = await waitForHealth(prep.container, {
        timeoutMs: timeout,
        signal: window,
        onStatus: (s) => ctl.output(`health: ${s}`),
      });
      if (outcome === 'healthy' || outcome === 'aborted') return;
      // exited: the window's exit watcher says why
      if (outcome === 'exited') return;
      result.unhealthy =
        outcome === 'unhealthy'
          ? 'became unhealthy'
          : `was not healthy after ${formatDuration(timeout)} (health: ${status})`;
      endWindow('unhealthy');
    },
  );
}

/** The traced `--exec`s in order (stopping at the first failure), then the host workload. */
async function runWorkload(
  ctx: SessionContext,
  prep: Prepared,
  window: AbortSignal,
  result: WindowResult,
): Promise<void> {
  const { options, progress, log } = ctx;
  for (const [i, cmd] of (options.exec ?? []).entries()) {
    if (window.aborted) return;
    const record: ExecRecord = { command: cmd, exitCode: null };
    result.execs.push(record);
    const outcome = await progress.step(`exec (traced): ${cmd}`, () =>
      untilAborted(execIn(prep.container, tracedExec(prep.injection, i + 1, cmd), { out: log }), window),
    );
    if (outcome) record.exitCode = outcome.exitCode;
    if (record.exitCode !== 0) return;
  }
  const cmd = options.workload;
  if (!cmd || window.aborted) return;
  const record: ExecRecord = { command: cmd, exitCode: null };
  result.host = record;
  const env = {
    ...ctx.env,
    COREDATA_CONTAINER: prep.container.id,
    COREDATA_PROJECT: ctx.project.name,
    COREDATA_SERVICE: ctx.service.name,
  };
  await progress.step(`workload (host): ${cmd}`, async () => {
    const code = await runHostCommand(cmd, env, log, window);
    record.exitCode = window.aborted ? null : code;
  });
}

/** `sh -c cmd` on this machine in its own process group, killed group-wide when `signal` aborts. */
export function runHostCommand(
  cmd: string,
  env: NodeJS.ProcessEnv,
  out: Writable,
  signal: AbortSignal,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (c: Buffer) => out.write(c));
    child.stderr.on('data', (c: Buffer) => out.write(c));
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      resolve(sig ? null : code);
    });
  });
}
