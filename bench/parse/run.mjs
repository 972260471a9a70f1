#!/usr/bin/env node
// Parser throughput: parse wall time ÷ `wc -l` wall time on the same ≥256 MB corpus, plus MB/s,
// plus a Python "split each line on '('" baseline in MB/s. Each run times `wc -l` and the parser
// back to back; the ratio is the median of the runs' ratios (the machines here are shared: a
// run's two timings see the same load, runs minutes apart may not).
// Needs the compiled parser: `npx tsc -p tsconfig.build.json` first (imports dist/).
//   node bench/parse/run.mjs [--mb 256] [--json]
// The parser runs as `generate` runs it: parseTraceFiles, one file after another, one thread.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
let parser;
try {
  parser = require(join(root, 'dist/trace/parser/index.js'));
} catch (e) {
  console.error(`cannot load dist/trace/parser (run \`npx tsc -p tsconfig.build.json\` first): ${e.message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const targetMb = Number(args[args.indexOf('--mb') + 1]) || 256;
const asJson = args.includes('--json');
const RUNS = 7;
const PYTHON_RUNS = 3;
const FILE_BYTES = 8 << 20; // corpus files of ~8 MB, like the big -ff files of a busy service

function fixtureFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtureFiles(p));
    else if (e.isFile() && !e.name.endsWith('.sh')) out.push(p);
  }
  return out.sort();
}

function buildCorpus(dir) {
  const sources = fixtureFiles(join(root, 'test/fixtures/traces')).map((p) => readFileSync(p));
  const unit = Buffer.concat(
    sources.map((b) => (b.at(-1) === 10 ? b : Buffer.concat([b, Buffer.from('\n')]))),
  );
  const copies = Math.max(1, Math.floor(FILE_BYTES / unit.length));
  const block = Buffer.concat(Array.from({ length: copies }, () => unit));
  const files = [];
  let total = 0;
  for (let k = 0; total < targetMb * 1e6; k++) {
    const p = join(dir, `trace.${1000 + k}`);
    writeFileSync(p, block);
    files.push(p);
    total += block.length;
  }
  return { files, bytes: total };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeWc(files) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('wc', ['-l', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`wc failed: ${r.stderr}`);
  const total = r.stdout.trim().split('\n').at(-1).trim().split(/\s+/)[0];
  return { seconds: t, lines: Number(total) };
}

async function timeParse(files) {
  const t0 = process.hrtime.bigint();
  const summaries = await parser.parseTraceFiles(files);
  const lines = summaries.reduce((n, s) => n + s.lines, 0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, lines };
}

const PY = `
import sys, time, collections
t = time.perf_counter(); n = 0; counts = collections.Counter()
for path in sys.argv[1:]:
    with open(path, 'rb', buffering=4 << 20) as f:
        for line in f:
            counts[line.split(b'(', 1)[0]] += 1
            n += 1
print(time.perf_counter() - t, n)
`;
function timePython(files) {
  const out = execFileSync('python3', ['-c', PY, ...files], { encoding: 'utf8' })
    .trim()
    .split(/\s+/);
  return { seconds: Number(out[0]), lines: Number(out[1]) };
}

const dir = mkdtempSync(join(tmpdir(), 'coredata-bench-'));
try {
  const { files, bytes } = buildCorpus(dir);
  const mb = bytes / 1e6;
  // warm the page cache, and the JIT
  timeWc(files);
  await timeParse(files.slice(0, 2));
  const wc = [];
  const parse = [];
  const ratios = [];
  let lines = 0;
  for (let r = 0; r < RUNS; r++) {
    const w = timeWc(files);
    wc.push(w.seconds);
    const p = await timeParse(files);
    parse.push(p.seconds);
    ratios.push(p.seconds / w.seconds);
    if (p.lines !== w.lines) throw new Error(`line counts differ: parser ${p.lines}, wc ${w.lines}`);
    lines = p.lines;
  }
  const py = [];
  for (let r = 0; r < PYTHON_RUNS; r++) py.push(timePython(files).seconds);
  const result = {
    corpusMB: Math.round(mb),
    files: files.length,
    lines,
    wcSeconds: median(wc),
    parseSeconds: median(parse),
    ratio: median(ratios),
    ratios: ratios.map((x) => Math.round(x * 100) / 100),
    parseMBps: mb / median(parse),
    wcMBps: mb / median(wc),
    pythonSplitMBps: mb / median(py),
  };
  if (asJson) console.log(JSON.stringify(result));
  else {
    console.log(`corpus        ${result.corpusMB} MB in ${result.files} files, ${lines} lines`);
    console.log(`wc -l         ${result.wcSeconds.toFixed(3)} s  (${result.wcMBps.toFixed(0)} MB/s)`);
    console.log(`parser        ${result.parseSeconds.toFixed(3)} s  (${result.parseMBps.toFixed(0)} MB/s)`);
    console.log(`python split  ${result.pythonSplitMBps.toFixed(0)} MB/s`);
    console.log(`ratio parse/wc ${result.ratio.toFixed(2)} (target ≤ 5; runs: ${result.ratios.join(', ')})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
