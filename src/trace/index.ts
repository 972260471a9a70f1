/** The trace engine: run a compose service under strace and collect what it calls. */
export { traceService } from './session';
export type { TraceOptions } from './options';
export { cleanupTraces, CleanupResult } from './cleanup';
export { TraceManifest, TraceResult, TraceOutcome, TraceFile, OUTCOME_EXIT } from './manifest';
export { parseDuration, formatDuration } from './duration';
export type { ProgressMode } from './progress';
