/** Streaming strace parser: strace output (any of the forms in DESIGN §4) → TraceFileSummary. */
export { TraceParser, type TraceParserOptions } from './parser';
export {
  parseTraceFile,
  parseTraceFiles,
  parseTraceSession,
  parseTraceStream,
  parseTraceText,
  pidFromTraceFileName,
  READ_CHUNK_BYTES,
  type SharedParserOptions,
  type TraceSession,
} from './file';
export {
  emptySummary,
  linkForks,
  mergeSummaries,
  syscallUsers,
  UNKNOWN_EXECUTABLE,
  type ForkRecord,
  type ProcessExit,
  type TraceFileSummary,
} from './summary';
