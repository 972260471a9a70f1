import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComposeProject, ComposeService } from '../compose/model';
import type { Engine } from '../docker/engine';
import { CoreDataError, FailureError, UsageError } from '../errors';
import { buildManifest, collectTraces, decideOutcome, stopService, traceFiles } from './collect';
import { Cleanup, sessionNames, type SessionContext } from './context';
import { TraceResult } from './manifest';
import type { TraceOptions } from './options';
import { checkAbort, prepareTraceContainer } from './prepare';
import { Progress } from './progress';
import { runTracingWindow, ServiceExit } from './workload';

/** The service to run, refusing what cannot run: unknown, build-only (no image), a zero duration. */
export function runnableService(
  project: ComposeProject,
  serviceName: string,
  options: Pick<TraceOptions, 'durationMs'>,
): ComposeService {
  const service = project.services[serviceName];
  if (!service) {
    const names = Object.keys(project.services).sort();
    throw new UsageError(`no service "${serviceName}" in project "${project.name}"`, {
      hint: names.length ? `services: ${names.join(', ')}` : 'the project defines no services',
    });
  }
  if (!service.image) {
    throw new UsageError(`service "${serviceName}" has no image (build only): there is nothing to run`, {
      hint: `build it first (docker compose build ${serviceName}) and give it an \`image:\` name`,
    });
  }
  if (options.durationMs !== undefined && !(options.durationMs > 0)) {
    throw new UsageError('--duration must be longer than zero');
  }
  return service;
}

/**
 * Traces one compose service: runs it under strace in a container of its own (its image, user,
 * caps, mounts and networks; Docker's default seccomp; never privileged), drives the workload,
 * stops it gracefully and collects the strace files into the session directory with a manifest.
 * Whatever happens, everything it created is removed and a service stopped by `--replace` is
 * started again.
 *
 * Returns whenever traces were collected — `outcome` says how it went (collected, service or
 * workload failed, interrupted). Throws a typed error when nothing could be traced: bad input
 * (UsageError, 2), interrupted before the start (InterruptedError, 130), the engine refusing or
 * failing (FailureError, 1). An unreachable engine is found before, by `connectEngine` (3).
 */
export async function traceService(
  engine: Engine,
  project: ComposeProject,
  serviceName: string,
  options: TraceOptions = {},
): Promise<TraceResult> {
  const service = runnableService(project, serviceName, options);
  const log = options.log ?? process.stderr;
  const startedWall = new Date();
  const ctx: SessionContext = {
    engine,
    docker: engine.docker,
    project,
    service,
    options,
    names: sessionNames(project.name, serviceName, startedWall),
    cleanup: new Cleanup(),
    warnings: [],
    progress: new Progress(options.progress ?? 'auto', log),
    log,
    env: options.env ?? process.env,
    signal: options.signal ?? new AbortController().signal,
    startedWall,
  };

  let result: TraceResult | undefined;
  let failure: unknown;
  try {
    result = await traceSession(ctx);
  } catch (e) {
    failure = e;
  } finally {
    const problems = await ctx.cleanup.run();
    ctx.warnings.push(...problems);
    for (const p of problems) ctx.progress.note(`Warning: ${p}`);
  }
  if (failure !== undefined) throw asTypedError(failure, serviceName);
  return TraceResult.parse({ ...result, warnings: ctx.warnings });
}

async function traceSession(ctx: SessionContext): Promise<TraceResult> {
  const prep = await ctx.progress.step(`Prepare a trace container for ${ctx.service.name}`, (step) =>
    prepareTraceContainer(ctx, step.output),
  );
  checkAbort(ctx);

  const exit = new ServiceExit(prep.container);
  const window = await runTracingWindow(ctx, prep, exit);
  // From here on, also after errors and Ctrl-C: stop gracefully, then keep what was traced.
  const stop = await stopService(ctx, prep, exit, window);
  const { outputDir, extracted } = await collectTraces(ctx, prep);
  const files = traceFiles(extracted);
  const manifest = buildManifest(ctx, prep, window, stop, files, extracted);
  const manifestPath = path.join(outputDir, 'manifest.json');
  await fs.promises.writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  if (window.error !== undefined) {
    if (files.length === 0) await fs.promises.rm(outputDir, { recursive: true, force: true });
    const kept = files.length ? ` (${files.length} trace files kept in ${outputDir})` : '';
    if (window.error instanceof CoreDataError) throw window.error;
    throw new FailureError(`tracing ${ctx.service.name} failed: ${(window.error as Error).message}${kept}`, {
      cause: window.error,
    });
  }
  if (window.execs.some((e) => e.exitCode === null) || window.host?.exitCode === null) {
    ctx.warnings.push('the workload was cut short when tracing ended');
  }
  const lines = files.reduce((n, f) => n + f.lines, 0);
  const decided = decideOutcome({
    interrupted: window.end === 'interrupted' || ctx.signal.aborted,
    service: ctx.service.name,
    files: files.length,
    lines,
    outputDir,
    stop,
    unhealthy: window.unhealthy,
    execs: window.execs,
    host: window.host,
  });
  return {
    ...decided,
    session: ctx.names.id,
    project: ctx.project.name,
    service: ctx.service.name,
    outputDir,
    manifestPath,
    files: files.length,
    lines,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    exitStatus: stop.status,
    skipped: extracted.skipped,
    warnings: ctx.warnings,
    ...(stop.logTail ? { logTail: stop.logTail } : {}),
    manifest,
  };
}

/** Expected failures keep their type; an engine refusal (a status code) is the service failing to run. */
function asTypedError(e: unknown, service: string): unknown {
  if (e instanceof CoreDataError) return e;
  if (typeof (e as { statusCode?: unknown })?.statusCode === 'number') {
    return new FailureError(`the engine refused to run the trace of "${service}": ${(e as Error).message}`, {
      cause: e,
    });
  }
  return e;
}
