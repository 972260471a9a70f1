#!/usr/bin/env node
// verify on a 500-service project, timed against `version` (same executable): prints
// verify ÷ version, medians of ≥ 5 runs. Target ≤ 3.
//   node bench/verify/run.mjs [--runs N] [--services N] [--shared] [--no-compile]
// default: each service has its own profile file, no two alike (every file parsed and compared);
// --shared: the services share the 6 example profiles (each file must be parsed once).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RUNS = Math.max(5, opt('--runs', 7));
const SERVICES = opt('--services', 500);
const SHARED = argv.includes('--shared');
const TARGET = 3;

function command() {
  const exe = path.join(root, 'dist', 'docker-coredata');
  if (fs.existsSync(exe) && spawnSync(exe, ['verify', '--help'], { stdio: 'ignore' }).status === 0) {
    return { cmd: exe, pre: [], label: 'dist/docker-coredata' };
  }
  const dev = { cmd: process.execPath, pre: [path.join(root, 'bin', 'run.js')], label: 'node bin/run.js' };
  if (argv.includes('--no-compile')) return dev;
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  ); // type errors elsewhere in the tree do not stop the emit
  return dev;
}

/** Profile i: one of the example profiles without one of its names, so no two files are alike. */
function distinctProfile(sources, i) {
  const profile = JSON.parse(sources[i % sources.length]);
  const names = profile.syscalls[0].names;
  names.splice(Math.floor(i / sources.length) % names.length, 1);
  return JSON.stringify(profile, null, 2);
}

function makeProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-bench-verify-'));
  const seccompDir = path.join(root, 'examples', 'core-data', 'seccomp');
  const sources = fs
    .readdirSync(seccompDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => fs.readFileSync(path.join(seccompDir, f), 'utf8'));
  if (sources.length === 0) throw new Error('no profiles in examples/core-data/seccomp');
  fs.mkdirSync(path.join(dir, 'seccomp'));
  if (SHARED)
    sources.forEach((text, i) => fs.writeFileSync(path.join(dir, 'seccomp', `shared${i}.json`), text));
  const lines = ['x-core-data:', '  exempt:', '    svc000: "benchmark: one exempt service"', 'services:'];
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc${String(i).padStart(3, '0')}`;
    const profile = SHARED ? `shared${i % sources.length}.json` : `${name}.json`;
    if (!SHARED) fs.writeFileSync(path.join(dir, 'seccomp', profile), distinctProfile(sources, i));
    lines.push(
      `  ${name}:`,
      '    image: busybox',
      '    cap_drop: [ALL]',
      `    security_opt: ["no-new-privileges:true", "seccomp:seccomp/${profile}"]`,
    );
  }
  fs.writeFileSync(path.join(dir, 'docker-compose.yml'), `${lines.join('\n')}\n`);
  return dir;
}

function time(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { cmd, pre, label } = command();
const dir = makeProject();
// Overrides from the caller's shell would change what is verified.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('CORE_DATA_SECCOMP_')),
);
const verifyArgs = [...pre, 'verify', '--json', '-f', path.join(dir, 'docker-compose.yml')];
const versionArgs = [...pre, 'version'];
try {
  time(cmd, verifyArgs, env); // warm the file cache once
  const v = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    b.push(time(cmd, versionArgs, env));
    v.push(time(cmd, verifyArgs, env));
  }
  const ratio = median(v) / median(b);
  console.log(
    `verify/version = ${ratio.toFixed(2)} (target ≤ ${TARGET}; ${SERVICES} services, ${SHARED ? 'shared' : 'own'} profiles; ` +
      `verify ${median(v).toFixed(0)} ms, version ${median(b).toFixed(0)} ms, medians of ${RUNS}; ${label})`,
  );
  process.exitCode = ratio <= TARGET ? 0 : 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
