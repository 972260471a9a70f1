#!/usr/bin/env node
// bench/harden: `harden postgres` on a copy of the example project, then what the profile costs.
// Prints
//   - names allowed ÷ names Docker's default allows (target ≤ 0.25; and ≤ 100 names),
//   - trace wall time and replay wall time (complain-mode replays + the enforcing run),
//   - pgbench TPS under the generated profile ÷ TPS under Docker's default profile (target ≥ 0.97),
//     same image, user, caps and no-new-privileges; runs alternate (A B A B …), medians compared.
// Needs a running engine, the compiled CLI (`npm run compile`) and the Postgres image
// (CORE_DATA_POSTGRES_IMAGE, default coredata-test/postgres:15 from test/images/build.sh).
//   node bench/harden/run.mjs [--pairs 3] [--seconds 10] [--json]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const PAIRS = opt('--pairs', 3);
const SECONDS = opt('--seconds', 10);
const asJson = args.includes('--json');
const image = process.env.CORE_DATA_POSTGRES_IMAGE ?? 'coredata-test/postgres:15';
const log = (s) => process.stderr.write(`${s}\n`);

const WORKLOAD = [
  'pgbench -i -U postgres coredata',
  // the very command the TPS comparison runs: the profile is proven for it
  'pgbench -T 10 -c 4 -j 2 -U postgres coredata',
  'psql -v ON_ERROR_STOP=1 -U postgres -d coredata -c "create table demo(x int primary key); insert into demo values (1)"',
  'createdb -U postgres restored && pg_dump -U postgres -Fc coredata > /var/lib/postgresql/data/d.dump && pg_restore -U postgres -d restored /var/lib/postgresql/data/d.dump',
];

const docker = (...a) =>
  execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1. harden, as a user runs it
const dir = mkdtempSync(join(tmpdir(), 'coredata-bench-harden-'));
cpSync(join(root, 'examples/core-data'), dir, { recursive: true });
rmSync(join(dir, 'seccomp/postgres.json'));
log(`harden postgres in ${dir} (image ${image})…`);
const h = spawnSync(
  process.execPath,
  [
    join(root, 'bin/run.js'),
    'harden',
    'postgres',
    '--wait-healthy',
    '--json',
    ...WORKLOAD.flatMap((w) => ['--exec', w]),
  ],
  {
    cwd: dir,
    env: { ...process.env, CORE_DATA_POSTGRES_IMAGE: image },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  },
);
if (h.status !== 0) {
  log(`harden failed (exit ${h.status}):\n${h.stdout}`);
  process.exit(1);
}
const hardened = JSON.parse(h.stdout);
const profile = hardened.output;

// 2. TPS: the same container under the generated profile and under Docker's default
function tps(seccomp) {
  const name = `coredata-bench-${process.pid}-${Date.now()}`;
  docker(
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'io.coredata.trace=bench',
    '--user',
    'postgres',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges:true',
    ...(seccomp ? ['--security-opt', `seccomp=${seccomp}`] : []),
    '--shm-size',
    '256m',
    '-e',
    'POSTGRES_PASSWORD=bench',
    '-e',
    'POSTGRES_DB=coredata',
    image,
  );
  try {
    for (let i = 0; ; i++) {
      const r = spawnSync('docker', [
        'exec',
        name,
        'pg_isready',
        '-U',
        'postgres',
        '-d',
        'coredata',
        '-h',
        '127.0.0.1',
      ]);
      if (r.status === 0) break;
      if (i > 120)
        throw new Error(
          `postgres did not come up (${seccomp ?? 'default profile'}): ${docker('logs', '--tail', '20', name)}`,
        );
      spawnSync('sleep', ['0.5']);
    }
    docker('exec', name, 'pgbench', '-i', '-q', '-s', '5', '-U', 'postgres', 'coredata');
    const out = docker(
      'exec',
      name,
      'pgbench',
      '-T',
      String(SECONDS),
      '-c',
      '4',
      '-j',
      '2',
      '-U',
      'postgres',
      'coredata',
    );
    const m = /tps = ([\d.]+)/.exec(out);
    if (!m) throw new Error(`no tps in pgbench output:\n${out}`);
    return Number(m[1]);
  } finally {
    spawnSync('docker', ['rm', '-f', '-v', name]);
  }
}

const under = { generated: [], dockerDefault: [] };
for (let i = 0; i < PAIRS; i++) {
  // alternate which goes first, so drift (page cache, thermal, other load) hits both alike
  const order = i % 2 === 0 ? ['generated', 'dockerDefault'] : ['dockerDefault', 'generated'];
  for (const which of order) {
    const t = tps(which === 'generated' ? profile : undefined);
    under[which].push(t);
    log(`pair ${i + 1}: ${which} ${t.toFixed(0)} tps`);
  }
}
rmSync(dir, { recursive: true, force: true });

const result = {
  image,
  allowed: hardened.allowed,
  dockerDefaultAllowed: hardened.dockerDefaultAllowed,
  namesRatio: hardened.allowed / hardened.dockerDefaultAllowed,
  denialsOnLastReplay: Object.keys(hardened.rounds.at(-1)?.denials ?? {}).length,
  traceWallSeconds: hardened.traceWallMs / 1000,
  replayWallSeconds: hardened.replayWallMs / 1000,
  tpsGenerated: under.generated,
  tpsDockerDefault: under.dockerDefault,
  tpsRatio: median(under.generated) / median(under.dockerDefault),
};
if (asJson) console.log(JSON.stringify(result, null, 2));
else {
  const f = (x, d = 2) => x.toFixed(d);
  console.log(
    `names allowed                 ${result.allowed} of ${result.dockerDefaultAllowed} (target ≤ 100)`,
  );
  console.log(`names ratio (target <= 0.25)  ${f(result.namesRatio)}`);
  console.log(`denials on last replay        ${result.denialsOnLastReplay}`);
  console.log(`trace wall time               ${f(result.traceWallSeconds, 1)} s`);
  console.log(`replay wall time              ${f(result.replayWallSeconds, 1)} s`);
  console.log(
    `tps generated profile         ${under.generated.map((t) => t.toFixed(0)).join(' ')} (median ${f(median(under.generated), 0)})`,
  );
  console.log(
    `tps Docker's default          ${under.dockerDefault.map((t) => t.toFixed(0)).join(' ')} (median ${f(median(under.dockerDefault), 0)})`,
  );
  console.log(`tps ratio (target >= 0.97)    ${f(result.tpsRatio, 3)}`);
}
