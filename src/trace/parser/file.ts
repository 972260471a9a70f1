import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { TraceParser, type TraceParserOptions } from './parser';
import { linkForks, mergeSummaries, type TraceFileSummary } from './summary';

/** Read size; two buffers of it alternate so the next read runs while this one is scanned. */
export const READ_CHUNK_BYTES = 2 << 20;

/** The pid of a `-ff` output file (`PREFIX.<pid>`), or undefined. */
export function pidFromTraceFileName(path: string): number | undefined {
  const m = /\.(\d+)$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses one strace output file, streaming through two reused buffers (fresh buffers per chunk,
 * as fs.createReadStream allocates, cost more than the scan here). The pid defaults to the `.PID`
 * suffix of `-ff` files.
 */
export async function parseTraceFile(
  path: string,
  options: TraceParserOptions = {},
): Promise<TraceFileSummary> {
  const parser = new TraceParser({ source: path, pid: pidFromTraceFileName(path), ...options });
  const file = await open(path, 'r');
  const buffers = [takeBuffer(), takeBuffer()] as const;
  let pending: Promise<{ bytesRead: number; buffer: Buffer }> | undefined;
  try {
    let which = 0;
    pending = file.read(buffers[0], 0, READ_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      which ^= 1;
      pending = file.read(buffers[which]!, 0, READ_CHUNK_BYTES, null);
      parser.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    // no read may still be filling a buffer that goes back to the pool
    await pending?.catch(() => undefined);
    await file.close();
    for (const b of buffers) if (bufferPool.length < MAX_POOLED) bufferPool.push(b);
  }
  return parser.end();
}

/** Read buffers are reused across files: fresh memory costs page faults comparable to the scan. */
const bufferPool: Buffer[] = [];
const MAX_POOLED = 4;
function takeBuffer(): Buffer {
  return bufferPool.pop() ?? Buffer.allocUnsafe(READ_CHUNK_BYTES);
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
