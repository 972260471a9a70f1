#!/usr/bin/env node
// Builds dist/docker-coredata: esbuild bundle → Node single-executable blob → postject into a copy
// of this node binary (DESIGN §4). Offline: uses only what npm installed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'sea');
fs.mkdirSync(out, { recursive: true });

// oclif requires `oclif.commands.target` (and the root package.json) by path; answer from the bundle.
const TARGET = 'commands/index.js';
const banner = `
const __coredataRequire = require;
const __coredataVirtual = (id) => {
  if (typeof id !== 'string') return undefined;
  const p = id.replace(/\\\\/g, '/');
  if (p.endsWith(${JSON.stringify(TARGET)})) return 'commands';
  if (p.endsWith('/package.json')) return 'pjson';
  return undefined;
};
require = Object.assign(
  (id) => {
    const v = __coredataVirtual(id);
    return v ? globalThis.__coredataVirtualModules[v]() : __coredataRequire(id);
  },
  {
    resolve: (id, o) => (__coredataVirtual(id) ? id : __coredataRequire.resolve(id, o)),
    cache: __coredataRequire.cache,
    main: __coredataRequire.main,
  },
);`;

await esbuild.build({
  entryPoints: [path.join(root, 'src', 'sea-entry.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: path.join(out, 'main.cjs'),
  // typescript/ts-node: oclif's dev-only auto-transpile; never used by the executable.
  external: ['cpu-features', '*.node', 'typescript', 'ts-node'],
  banner: { js: banner },
  define: { 'process.env.CORE_DATA_SEA': '"1"' },
  legalComments: 'none',
  logLevel: 'warning',
});

const assets = ['seccomp/trace_entrypoint.sh', 'seccomp/docker-default.json'];
const seaConfig = {
  main: path.join(out, 'main.cjs'),
  output: path.join(out, 'prep.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: Object.fromEntries(
    assets.filter((a) => fs.existsSync(path.join(root, a))).map((a) => [a, path.join(root, a)]),
  ),
};
fs.writeFileSync(path.join(out, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', path.join(out, 'sea-config.json')], {
  stdio: 'inherit',
});

const exe = path.join(root, 'dist', 'docker-coredata');
fs.rmSync(exe, { force: true });
fs.copyFileSync(process.execPath, exe);
fs.chmodSync(exe, 0o755);
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
    exe,
    'NODE_SEA_BLOB',
    seaConfig.output,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
console.error(`built ${path.relative(root, exe)} (${(fs.statSync(exe).size / 1e6).toFixed(0)} MB)`);
