import { z } from 'zod';

/** One collected strace output file (`<prefix>.<pid>.trace`). */
export const TraceFile = z.object({
  name: z.string(),
  /** which strace wrote it: PID 1's, a healthcheck probe's, or an `--exec` */
  source: z.enum(['main', 'healthcheck', 'exec']),
  /** pid inside the container's pid namespace */
  pid: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
});
export type TraceFile = z.infer<typeof TraceFile>;

export const SkippedEntry = z.object({ name: z.string(), reason: z.string() });
export type SkippedEntry = z.infer<typeof SkippedEntry>;

export const ExecRecord = z.object({
  command: z.string(),
  /** null: cut short when tracing ended */
  exitCode: z.number().int().nullable(),
});
export type ExecRecord = z.infer<typeof ExecRecord>;

/** `manifest.json` next to the traces: what was traced, how, and what came out. */
export const TraceManifest = z.object({
  schemaVersion: z.literal(1),
  session: z.string(),
  project: z.string(),
  service: z.string(),
  image: z.object({ ref: z.string(), id: z.string(), architecture: z.string() }),
  entrypoint: z.array(z.string()),
  command: z.array(z.string()),
  /** as configured; empty = the image's default user (root unless the image says otherwise) */
  user: z.string(),
  capAdd: z.array(z.string()),
  capDrop: z.array(z.string()),
  noNewPrivileges: z.boolean(),
  /** security_opt the trace ran with (seccomp options removed: traced under Docker's default) */
  securityOpt: z.array(z.string()),
  readOnly: z.boolean(),
  healthcheck: z.array(z.string()).nullable(),
  strace: z.object({
    source: z.enum(['image', 'portable']),
    version: z.string(),
    /** the argv prefix used inside the container */
    launcher: z.array(z.string()),
    options: z.array(z.string()),
    /** `wrapper` (PID 1 forwards signals) or `direct` (no /bin/sh in the image: strace -D) */
    mode: z.enum(['wrapper', 'direct']),
  }),
  /** set when --replace stopped a running container and traced a twin of it */
  replaced: z.array(z.string()).optional(),
  workload: z.object({
    durationSeconds: z.number().nullable(),
    waitHealthy: z.boolean(),
    exec: z.array(ExecRecord),
    host: ExecRecord.nullable(),
    interactive: z.boolean(),
  }),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** from container start to container exit */
  durationSeconds: z.number().nonnegative(),
  exit: z.object({
    /** the service's exit status; null when it never ran */
    status: z.number().int().nullable(),
    /** who ended it: we stopped it, it exited on its own, or it had to be killed after the grace period */
    by: z.enum(['stop', 'self', 'kill', 'none']),
    oomKilled: z.boolean(),
  }),
  files: z.array(TraceFile),
  skipped: z.array(SkippedEntry),
});
export type TraceManifest = z.infer<typeof TraceManifest>;

export const TraceOutcome = z.enum(['collected', 'service-failed', 'workload-failed', 'interrupted']);
export type TraceOutcome = z.infer<typeof TraceOutcome>;

/** What `trace --json` prints (and `traceService` returns). */
export const TraceResult = z.object({
  outcome: TraceOutcome,
  /** the exit code the command contract gives this outcome */
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(130)]),
  /** one sentence for humans */
  message: z.string(),
  session: z.string(),
  project: z.string(),
  service: z.string(),
  outputDir: z.string(),
  manifestPath: z.string(),
  files: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  exitStatus: z.number().int().nullable(),
  skipped: z.array(SkippedEntry),
  warnings: z.array(z.string()),
  /** last lines of the service's log when it failed */
  logTail: z.array(z.string()).optional(),
  manifest: TraceManifest,
});
export type TraceResult = z.infer<typeof TraceResult>;

export const OUTCOME_EXIT: Record<TraceOutcome, TraceResult['exitCode']> = {
  collected: 0,
  'service-failed': 1,
  'workload-failed': 1,
  interrupted: 130,
};
