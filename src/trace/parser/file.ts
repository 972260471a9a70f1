import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { INPUT_BYTES, NEWLINES } from './newlines';
import { TraceParser, type TraceParserOptions } from './parser';
import { linkForks, mergeSummaries, type TraceFileSummary } from './summary';

/** Read size: each read is parsed before the next. */
export const READ_CHUNK_BYTES = INPUT_BYTES;

/** The pid of a `-ff` output file (`PREFIX.<pid>`), or undefined. */
export function pidFromTraceFileName(path: string): number | undefined {
  const m = /\.(\d+)$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

/** Parsing gives the event loop a turn after this many bytes (timers, progress output). */
const YIELD_BYTES = 32 << 20;
let sinceYield = 0;

/**
 * Parses one strace output file. The pid defaults to the `.PID` suffix of `-ff` files.
 *
 * Reads are synchronous, into one shared buffer that lives in the newline scanner's memory (no
 * copy before the scan; each read is parsed before anything else can run, so sharing is safe).
 * Reading from the page cache takes about a tenth of the time parsing does; asynchronous reads
 * (two buffers, the next read running on the thread pool while this one is parsed) were measured
 * no faster on the 2-core machines here, slower while other work runs, and would need a buffer
 * per file being read.
 */
export async function parseTraceFile(
  path: string,
  options: TraceParserOptions = {},
): Promise<TraceFileSummary> {
  const parser = new TraceParser({ source: path, pid: pidFromTraceFileName(path), ...options });
  const buffer = NEWLINES.input;
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      parser.push(buffer.subarray(0, n));
      sinceYield += n;
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    closeSync(fd);
  }
  return parser.end();
}

/** Parses any byte stream (a Readable, a tar entry, …). */
export async function parseTraceStream(
  chunks: AsyncIterable<Uint8Array | string>,
  options: TraceParserOptions = {},
): Promise<TraceFileSummary> {
  const parser = new TraceParser(options);
  for await (const chunk of chunks) parser.push(chunk);
  return parser.end();
}

/** Parses a whole string (tests, small inputs). */
export function parseTraceText(
  text: string | Uint8Array,
  options: TraceParserOptions = {},
): TraceFileSummary {
  const parser = new TraceParser(options);
  parser.push(text);
  return parser.end();
}

export type SharedParserOptions = Omit<TraceParserOptions, 'source' | 'pid'>;

/**
 * Parses many files, one summary per path in the same order, one file at a time. (Worker threads
 * were tried: on the 2-core machines here they were slower than one thread below 1 GB of traces.)
 */
export async function parseTraceFiles(
  paths: readonly string[],
  options: SharedParserOptions = {},
): Promise<TraceFileSummary[]> {
  const out: TraceFileSummary[] = [];
  for (const p of paths) out.push(await parseTraceFile(p, options));
  return out;
}

export interface TraceSession {
  /** one summary per file, forks linked across files */
  files: TraceFileSummary[];
  /** everything together */
  merged: TraceFileSummary;
}

/**
 * The files one tracing session wrote (one pid namespace): each parsed, children's calls before
 * their own execve given to the parent's program, then merged.
 */
export async function parseTraceSession(
  paths: readonly string[],
  options: SharedParserOptions = {},
): Promise<TraceSession> {
  const files = linkForks(await parseTraceFiles([...paths].sort(), options));
  return { files, merged: mergeSummaries(files) };
}
