import * as fs from 'node:fs';
import type Dockerode from 'dockerode';
import * as path from 'node:path';
import { extractArchiveSafely, type ExtractResult } from '../docker/archive';
import { getArchive, logTail, stopContainer } from '../docker/container';
import { UsageError } from '../errors';
import { hasNoNewPrivileges } from '../policy/seccomp-spec';
import { keptSecurityOpts } from './container-spec';
import { utcStamp, type Prepared, type SessionContext } from './context';
import { collectedName, TRACE_DIR, traceFileOrigin } from './layout';
import {
  OUTCOME_EXIT,
  TraceManifest,
  type ExecRecord,
  type TraceFile,
  type TraceOutcome,
  type TraceResult,
} from './manifest';
import type { ServiceExit, WindowResult } from './workload';

const DEFAULT_GRACE_SECONDS = 10;

export interface StopResult {
  /** we stopped it, it had exited on its own, it was killed after the grace period, it never ran */
  by: 'stop' | 'self' | 'kill' | 'none';
  status: number | null;
  oomKilled: boolean;
  finishedAt: Date;
  /** the service's last log lines, when it failed */
  logTail?: string[];
}

/** Graceful stop: the service's stop signal (the wrapper forwards it), the grace period, then SIGKILL. */
export async function stopService(
  ctx: SessionContext,
  prep: Prepared,
  exit: ServiceExit,
  window: WindowResult,
): Promise<StopResult> {
  const { container, run } = prep;
  const grace = run.stopGraceSeconds ?? DEFAULT_GRACE_SECONDS;
  return ctx.progress.step(`Stop ${ctx.service.name}`, async (ctl) => {
    exit.markStopping();
    const before = (await container.inspect()).State as Dockerode.ContainerInspectInfo['State'] & {
      Health?: { Status?: string };
    };
    // Stopped before its healthcheck passed: an entrypoint still initialising (initdb…) may not
    // pass the signal on, in the trace as in production (`docker stop` during start-up).
    const stillStarting = before.Health?.Status === 'starting';
    const everStarted = Boolean(before.StartedAt) && !before.StartedAt.startsWith('0001');
    let by: StopResult['by'] = !everStarted ? 'none' : before.Running ? 'stop' : 'self';
    if (before.Running) {
      ctl.output(`stop signal${run.stopSignal ? ` ${run.stopSignal}` : ''}, then kill after ${grace}s`);
      const t0 = Date.now();
      await stopContainer(container, grace);
      await Promise.race([exit.done, new Promise((r) => setTimeout(r, 5_000).unref())]);
      const state = (await container.inspect()).State;
      if (Date.now() - t0 >= grace * 1000 && state.ExitCode === 137) by = 'kill';
      else if (exit.exitedOnItsOwn) by = 'self';
    }
    const state = (await container.inspect()).State;
    const status = by === 'none' ? null : state.ExitCode;
    const failed =
      (by === 'self' && status !== 0) || window.unhealthy !== undefined || window.error !== undefined;
    const logTail = failed && by !== 'none' ? await tailOf(prep) : undefined;
    if (by === 'kill') {
      ctx.warnings.push(
        `${ctx.service.name} did not stop within ${grace}s and was killed: its shutdown is incomplete in the traces` +
          (stillStarting
            ? ' (it was stopped while its healthcheck still said "starting": an entrypoint that is still initialising may not pass the stop signal on; give --wait-healthy or a longer --duration)'
            : ''),
      );
    }
    const finished =
      state.FinishedAt && !state.FinishedAt.startsWith('0001') ? new Date(state.FinishedAt) : new Date();
    return {
      by,
      status,
      oomKilled: Boolean(state.OOMKilled),
      finishedAt: finished,
      ...(logTail ? { logTail } : {}),
    };
  });
}

async function tailOf(prep: Prepared): Promise<string[] | undefined> {
  return logTail(prep.container).catch(() => undefined);
}

/** A fresh directory: `dir`, or `dir-2`, `dir-3`… when a session of the same second exists. */
async function freshDir(dir: string, exact: boolean): Promise<string> {
  if (exact) {
    const existing = await fs.promises.readdir(dir).catch(() => undefined);
    if (existing && existing.length > 0) {
      throw new UsageError(`output directory ${dir} is not empty`, {
        hint: 'give a new or empty directory to --output-dir',
      });
    }
    await fs.promises.mkdir(dir, { recursive: true });
    return dir;
  }
  await fs.promises.mkdir(path.dirname(dir), { recursive: true });
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? dir : `${dir}-${n}`;
    try {
      await fs.promises.mkdir(candidate);
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Where a session's traces go: --output-dir, else `<project dir>/seccomp/traces/<service>/<UTC timestamp>`. */
export function sessionDir(
  ctx: Pick<SessionContext, 'options' | 'project' | 'service' | 'startedWall'>,
): string {
  if (ctx.options.outputDir) return path.resolve(ctx.options.outputDir);
  return path.join(ctx.project.workingDir, 'seccomp', 'traces', ctx.service.name, utcStamp(ctx.startedWall));
}

/** Pulls the trace directory out of the (stopped) container into the session directory. */
export async function collectTraces(
  ctx: SessionContext,
  prep: Prepared,
): Promise<{ outputDir: string; extracted: ExtractResult }> {
  const outputDir = await freshDir(sessionDir(ctx), Boolean(ctx.options.outputDir));
  const shown = path.relative(process.cwd(), outputDir) || '.';
  const extracted = await ctx.progress.step(`Collect traces into ${shown}`, async () =>
    extractArchiveSafely(await getArchive(prep.container, TRACE_DIR), outputDir, {
      stripComponents: 1,
      rename: collectedName,
      limits: ctx.options.limits,
    }),
  );
  const { skipped } = extracted;
  if (skipped.length > 0) {
    ctx.progress.note(
      `Skipped ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} of the trace directory:`,
    );
    for (const s of skipped.slice(0, 20)) ctx.progress.note(`  ${s.name}: ${s.reason}`);
    if (skipped.length > 20) ctx.progress.note(`  … and ${skipped.length - 20} more (see manifest.json)`);
  }
  return { outputDir, extracted };
}

export function traceFiles(extracted: ExtractResult): TraceFile[] {
  const files: TraceFile[] = [];
  for (const f of extracted.files) {
    const origin = traceFileOrigin(f.name);
    if (origin)
      files.push({ name: f.name, source: origin.source, pid: origin.pid, bytes: f.bytes, lines: f.lines });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

export function buildManifest(
  ctx: SessionContext,
  prep: Prepared,
  window: WindowResult,
  stop: StopResult,
  files: TraceFile[],
  extracted: ExtractResult,
): TraceManifest {
  const { run, injection, image } = prep;
  const { options } = ctx;
  return TraceManifest.parse({
    schemaVersion: 1,
    session: ctx.names.id,
    project: ctx.project.name,
    service: ctx.service.name,
    image: { ref: ctx.service.image ?? run.image, id: image.Id, architecture: image.Architecture },
    entrypoint: run.entrypoint,
    command: run.command,
    user: run.user ?? image.Config.User ?? '',
    capAdd: run.capAdd,
    capDrop: run.capDrop,
    noNewPrivileges: hasNoNewPrivileges(run.securityOpt),
    securityOpt: keptSecurityOpts(run.securityOpt),
    readOnly: run.readOnly,
    healthcheck: run.healthcheck && run.healthcheck.Test[0] !== 'NONE' ? run.healthcheck.Test : null,
    strace: {
      source: prep.straceSource,
      version: prep.straceVersion,
      launcher: injection.launcher,
      options: injection.options,
      mode: injection.mode,
    },
    ...(prep.replaced.length ? { replaced: prep.replaced } : {}),
    workload: {
      durationSeconds: options.durationMs === undefined ? null : options.durationMs / 1000,
      waitHealthy: Boolean(options.waitHealthy),
      exec: window.execs,
      host: window.host,
      interactive: options.durationMs === undefined && !options.exec?.length && !options.workload,
    },
    startedAt: window.startedAt.toISOString(),
    finishedAt: stop.finishedAt.toISOString(),
    durationSeconds: Math.max(0, (stop.finishedAt.getTime() - window.startedAt.getTime()) / 1000),
    exit: { status: stop.status, by: stop.by, oomKilled: stop.oomKilled },
    files,
    skipped: extracted.skipped,
  });
}

export interface OutcomeInput {
  interrupted: boolean;
  service: string;
  files: number;
  lines: number;
  outputDir: string;
  stop: Pick<StopResult, 'by' | 'status'>;
  unhealthy?: string;
  execs: ExecRecord[];
  host: ExecRecord | null;
}

/** How a session that collected ended, in the command contract's terms (pure). */
export function decideOutcome(i: OutcomeInput): {
  outcome: TraceOutcome;
  exitCode: TraceResult['exitCode'];
  message: string;
} {
  const kept = `${i.files} trace file${i.files === 1 ? '' : 's'} (${i.lines} lines) in ${i.outputDir}`;
  const failedWork = [...i.execs, ...(i.host ? [i.host] : [])].find(
    (e) => e.exitCode !== null && e.exitCode !== 0,
  );
  const pick = (outcome: TraceOutcome, message: string) => ({
    outcome,
    exitCode: OUTCOME_EXIT[outcome],
    message,
  });
  if (i.interrupted)
    return pick('interrupted', `interrupted; ${i.files ? `kept ${kept}` : 'no trace files were written'}`);
  if (i.files === 0) {
    return pick(
      'service-failed',
      `no trace files were written: strace did not run in the container (exit status ${i.stop.status ?? 'none'})`,
    );
  }
  if (i.unhealthy) return pick('service-failed', `${i.service} ${i.unhealthy}; kept ${kept}`);
  if (i.stop.by === 'self' && i.stop.status !== 0) {
    return pick(
      'service-failed',
      `${i.service} exited with status ${i.stop.status} while traced; kept ${kept}`,
    );
  }
  if (failedWork) {
    return pick(
      'workload-failed',
      `workload "${failedWork.command}" exited with status ${failedWork.exitCode}; kept ${kept}`,
    );
  }
  return pick('collected', `collected ${kept}`);
}
