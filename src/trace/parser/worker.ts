/** Worker thread body for parseTraceFiles: parses its share of the files, posts the summaries. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseTraceFile, type SharedParserOptions } from './file';
import type { TraceFileSummary } from './summary';

interface Job {
  paths: string[];
  options: SharedParserOptions;
}

async function main(job: Job): Promise<void> {
  const out: TraceFileSummary[] = [];
  for (const p of job.paths) out.push(await parseTraceFile(p, job.options));
  parentPort?.postMessage(out);
}

if (parentPort && workerData) void main(workerData as Job);
