#!/usr/bin/env node
// What tracing costs: pgbench TPS against coredata-test/postgres:15 traced by `traceService` (the
// real path: wrapper, portable strace, cap_drop ALL, no-new-privileges) ÷ TPS untraced, per strace
// option set. The pgbench client runs untraced (`docker exec` from the host workload), so the
// ratio is the server's overhead. Each traced run is paired with an untraced one just before it.
// Target ≥ 0.5; DESIGN measured 0.34 for plain `strace -ff`. The last variant is no strace at all:
// `trace --recorder bpf` (the kernel counts; its "lines" column is the distinct calls recorded).
// Needs the compiled code: `npx tsc -p tsconfig.build.json` first (imports dist/).
//   node bench/trace-overhead/run.mjs [--seconds 8] [--clients 4] [--scale 1] [--only NAME,NAME] [--json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
let trace, record, engineMod, model;
try {
  trace = require(join(root, 'dist/trace/index.js'));
  record = require(join(root, 'dist/trace/record.js'));
  engineMod = require(join(root, 'dist/docker/engine.js'));
  model = require(join(root, 'dist/compose/model.js'));
} catch (e) {
  console.error(`cannot load dist/ (run \`npx tsc -p tsconfig.build.json\` first): ${e.message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const SECONDS = Number(arg('--seconds', '8'));
const CLIENTS = Number(arg('--clients', '4'));
const SCALE = Number(arg('--scale', '1'));
const ONLY = arg('--only', '')?.split(',').filter(Boolean) ?? [];
const asJson = args.includes('--json');
const IMAGE = 'coredata-test/postgres:15';
const PGBENCH = `pgbench -n -c ${CLIENTS} -j 2 -T ${SECONDS} -U postgres postgres`;

const VARIANTS = [
  { name: 'strace -ff', options: [] },
  { name: '-qq', options: ['-qq'] },
  { name: '--seccomp-bpf', options: ['--seccomp-bpf'] },
  { name: '-X raw', options: ['-X', 'raw'] },
  { name: '-e raw=all', options: ['-e', 'raw=all'] },
  { name: '-e raw=all -e signal=none -qq', options: ['-e', 'raw=all', '-e', 'signal=none', '-qq'] },
  { name: '--seccomp-bpf -e raw=all -qq', options: ['--seccomp-bpf', '-e', 'raw=all', '-qq'] },
  { name: '-e raw=all -qq, output on tmpfs', options: ['-e', 'raw=all', '-qq'], tmpfs: true },
  { name: '-e trace=none (records nothing)', options: ['-e', 'trace=none'] },
  {
    name: '--seccomp-bpf -e trace=none (floor: attach only)',
    options: ['--seccomp-bpf', '-e', 'trace=none'],
  },
  // no strace at all: the kernel counts (trace --recorder bpf; needs root and bpftrace)
  { name: 'bpf recorder (no ptrace)', recorder: 'bpf' },
].filter((v) => ONLY.length === 0 || ONLY.some((o) => v.name.includes(o)));

const tps = (text) => {
  const m = /tps = ([\d.]+)/.exec(text);
  if (!m) throw new Error(`no tps in pgbench output:\n${text}`);
  return Number(m[1]);
};

const service = (extra = {}) => ({
  name: 'db',
  image: IMAGE,
  user: 'postgres',
  environment: { POSTGRES_PASSWORD: 'bench' },
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
  healthcheck: { test: ['CMD', 'pg_isready', '-U', 'postgres'], interval: '1s', retries: 120 },
  stop_grace_period: '30s',
  source: { file: 'bench' },
  ...extra,
});

function project(dir, svc) {
  const name = `cdbench${process.pid}`;
  return model.ComposeProject.parse({
    name,
    workingDir: dir,
    files: [],
    services: { db: model.ComposeService.parse(svc) },
    volumes: {},
    networks: { default: { external: false, name: `${name}_default` } },
    extensions: {},
    activeProfiles: [],
    environment: {},
  });
}

/**
 * Untraced: the same image and security settings, plain `docker run`, kept up for the whole run so
 * each traced variant is paired with an untraced measurement taken just before it (the machine's
 * load drifts; pairs keep the ratio honest).
 */
async function startNative(docker) {
  const c = await docker.createContainer({
    Image: IMAGE,
    User: 'postgres',
    Env: ['POSTGRES_PASSWORD=bench'],
    Labels: { 'io.coredata.bench': 'trace-overhead' },
    HostConfig: { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges=true'] },
  });
  await c.start();
  const sh = (cmd) => execFileSync('docker', ['exec', c.id, 'sh', '-c', cmd], { encoding: 'utf8' });
  for (let i = 0; i < 120; i++) {
    try {
      sh('pg_isready -q -U postgres');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return {
    measure: () => {
      sh(`pgbench -i -q -s ${SCALE} -U postgres postgres 2>&1`);
      return tps(sh(`${PGBENCH} 2>&1`));
    },
    stop: () => c.remove({ force: true }),
  };
}

async function traced(engine, variant) {
  const dir = mkdtempSync(join(tmpdir(), 'coredata-bench-'));
  try {
    const out = join(dir, 'pgbench.out');
    const svc = service(variant.tmpfs ? { tmpfs: ['/opt/core_data/traces:mode=1777'] } : {});
    if (variant.recorder === 'bpf') {
      const r = await record.recordService(engine, project(dir, svc), 'db', {
        waitHealthy: true,
        exec: [`pgbench -i -q -s ${SCALE} -U postgres postgres`],
        workload: `docker exec "$COREDATA_CONTAINER" ${PGBENCH} > ${out} 2>&1`,
        log: new PassThrough().resume(),
      });
      if (r.run.failure) throw new Error(`${variant.name}: ${r.run.failure}\n${readFileSync(out, 'utf8')}`);
      return { tps: tps(readFileSync(out, 'utf8')), lines: r.syscalls, bytes: 0 };
    }
    const result = await trace.traceService(engine, project(dir, svc), 'db', {
      waitHealthy: true,
      exec: [`pgbench -i -q -s ${SCALE} -U postgres postgres`],
      workload: `docker exec "$COREDATA_CONTAINER" ${PGBENCH} > ${out} 2>&1`,
      straceOptions: variant.options,
      progress: 'silent',
      log: new PassThrough().resume(),
    });
    const ok = variant.tmpfs ? result.manifest.workload.host?.exitCode === 0 : result.outcome === 'collected';
    if (!ok) throw new Error(`${variant.name}: ${result.message}\n${readFileSync(out, 'utf8')}`);
    return { tps: tps(readFileSync(out, 'utf8')), lines: result.lines, bytes: result.bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const engine = await engineMod.connectEngine();
const native = await startNative(engine.docker);
const rows = [];
try {
  for (const v of VARIANTS) {
    const untraced = native.measure();
    const r = await traced(engine, v);
    rows.push({
      variant: v.name,
      options: v.options,
      untraced,
      tps: r.tps,
      ratio: r.tps / untraced,
      traceLines: r.lines,
    });
    if (!asJson) console.error(`${v.name}: ${r.tps.toFixed(1)} tps traced, ${untraced.toFixed(1)} untraced`);
  }
} finally {
  await native.stop();
}

if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ seconds: SECONDS, clients: CLIENTS, scale: SCALE, target: 0.5, rows }, null, 2)}\n`,
  );
} else {
  console.log(
    `pgbench -s ${SCALE} -c ${CLIENTS} -T ${SECONDS} on ${IMAGE}, cap_drop ALL, no-new-privileges; target ≥ 0.5`,
  );
  console.log(
    'variant'.padEnd(50),
    'untraced'.padStart(9),
    'traced'.padStart(9),
    'ratio'.padStart(7),
    'lines'.padStart(9),
  );
  for (const r of rows) {
    console.log(
      r.variant.padEnd(50),
      r.untraced.toFixed(1).padStart(9),
      r.tps.toFixed(1).padStart(9),
      r.ratio.toFixed(2).padStart(7),
      String(r.traceLines).padStart(9),
    );
  }
}
