import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TraceParser, type TraceParserOptions } from './parser';
import { linkForks, mergeSummaries, type TraceFileSummary } from './summary';

/** Read size; two buffers of it alternate so the next read runs while this one is scanned. */
export const READ_CHUNK_BYTES = 2 << 20;
/**
 * Below this many bytes in total, worker threads cost more than they save: each one warms its own
 * JIT (~0.1 s), and on this 2-core machine 2 threads parsed 460 MB only 1.2× faster than one.
 */
const PARALLEL_MIN_BYTES = 1 << 30;
const MAX_WORKERS = 8;

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
  try {
    let which = 0;
    let pending = file.read(buffers[0], 0, READ_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      which ^= 1;
      pending = file.read(buffers[which]!, 0, READ_CHUNK_BYTES, null);
      parser.push(buffer.subarray(0, bytesRead));
    }
  } finally {
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

export interface ParseFilesOptions extends SharedParserOptions {
  /**
   * worker threads: by default one per core (at most 8) once the input is large enough to pay for
   * them; an explicit number > 1 always uses that many; 1 = this thread only
   */
  concurrency?: number;
}

/** Worker script next to this module (absent when bundled, or when running from the TS sources). */
function workerScript(): string | undefined {
  const dir = typeof __dirname === 'string' ? __dirname : undefined;
  const path = dir ? join(dir, 'worker.js') : undefined;
  return path && existsSync(path) ? path : undefined;
}

/**
 * Parses many files, one summary per path in the same order. Large inputs are spread over worker
 * threads (each file stays whole in one thread, largest first to the least loaded one).
 */
export async function parseTraceFiles(
  paths: readonly string[],
  options: ParseFilesOptions = {},
): Promise<TraceFileSummary[]> {
  const { concurrency, ...parserOptions } = options;
  const sizes = paths.map((p) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const workers = Math.min(concurrency ?? Math.min(availableParallelism(), MAX_WORKERS), paths.length);
  const script = workerScript();
  const worthIt = concurrency !== undefined ? concurrency > 1 : total >= PARALLEL_MIN_BYTES;
  if (workers <= 1 || !worthIt || !script) {
    const out: TraceFileSummary[] = [];
    for (const p of paths) out.push(await parseTraceFile(p, parserOptions));
    return out;
  }
  // longest processing time first: biggest file to the least loaded worker
  const order = paths.map((_, k) => k).sort((a, b) => sizes[b]! - sizes[a]!);
  const shares = Array.from({ length: workers }, () => ({ load: 0, indexes: [] as number[] }));
  for (const k of order) {
    const share = shares.reduce((min, s) => (s.load < min.load ? s : min));
    share.load += sizes[k]!;
    share.indexes.push(k);
  }
  const results: TraceFileSummary[] = new Array(paths.length);
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(script, {
            workerData: { paths: share.indexes.map((k) => paths[k]), options: parserOptions },
          });
          worker.once('message', (summaries: TraceFileSummary[]) => {
            summaries.forEach((s, n) => (results[share.indexes[n]!] = s));
            resolve();
          });
          worker.once('error', reject);
          worker.once('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`parser worker exit ${code}`)),
          );
        }),
    ),
  );
  return results;
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
  options: ParseFilesOptions = {},
): Promise<TraceSession> {
  const files = linkForks(await parseTraceFiles([...paths].sort(), options));
  return { files, merged: mergeSummaries(files) };
}
