#!/usr/bin/env node
// Builds dist/docker-coredata: esbuild bundles → Node single-executable blob → postject into a copy
// of this node binary (DESIGN §4). Offline: uses only what npm installed. Runs after `tsc` (npm run
// build): the oclif manifest is built from the compiled commands in dist/.
//
// Startup (issue 2): the docker CLI runs the executable twice per command, once for the metadata
// handshake. So the executable's main script is small (src/sea-entry.ts → main.ts: the handshake,
// plain `version`, argv parsing), and everything else (src/cli.ts: oclif, the commands and their
// dependencies) is a second bundle stored as an asset with its own V8 code cache, compiled only
// when a run gets past main.ts (src/sea-cli.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'sea');
fs.mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'process.env.CORE_DATA_SEA': '"1"' },
  legalComments: 'none',
  logLevel: 'warning',
};

// 1. The oclif manifest, built as oclif builds it when it finds none (what the executable used to do
//    on every run): the root plugin loads every command from dist/ and caches its flags, args, help.
const { Plugin, settings } = createRequire(import.meta.url)('@oclif/core');
settings.enableAutoTranspile = false; // the compiled commands, as at run time (src/cli.ts)
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const manifest = JSON.stringify(plugin.manifest);

// 2. cli.cjs: src/cli.ts and all it loads. oclif requires `oclif.commands.target` (and the root
//    package.json) by path; inside the executable `require` only knows built-ins, so this banner
//    routes those two paths to the modules src/cli.ts registers. Anything else that is not a
//    built-in (the optional natives ssh2 probes for: cpu-features, sshcrypto.node) fails as a
//    missing module would, without asking the executable's require, which warns on every such call.
const TARGET = 'commands/lazy.js';
const banner = `
const __coredataRequire = require;
const __coredataIsBuiltin = __coredataRequire('node:module').isBuiltin;
const __coredataMissing = (id) =>
  Object.assign(new Error("Cannot find module '" + id + "' (not bundled into the executable)"), {
    code: 'MODULE_NOT_FOUND',
  });
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
    if (v) return globalThis.__coredataVirtualModules[v]();
    if (!__coredataIsBuiltin(id)) throw __coredataMissing(id);
    return __coredataRequire(id);
  },
  {
    resolve: (id, o) => (__coredataVirtual(id) ? id : __coredataRequire.resolve(id, o)),
    cache: __coredataRequire.cache,
    main: __coredataRequire.main,
  },
);`;
const cli = await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src', 'cli.ts')],
  write: false,
  outfile: path.join(out, 'cli.cjs'),
  // typescript/ts-node: oclif's dev-only auto-transpile; never used by the executable.
  external: ['cpu-features', '*.node', 'typescript', 'ts-node'],
  banner: { js: banner },
  define: { ...common.define, __CORE_DATA_OCLIF_MANIFEST__: JSON.stringify(manifest) },
});
// One function expression, called by src/sea-cli.ts as Node calls a CommonJS module; its code cache
// is made here from the same text, by this node binary (the one copied into the executable below).
const cliSource = `(function (exports, require, module, __filename, __dirname) {\n${cli.outputFiles[0].text}\n})`;
fs.writeFileSync(path.join(out, 'cli.cjs'), cliSource);
fs.writeFileSync(path.join(out, 'cli.cache'), new vm.Script(cliSource).createCachedData());

// 3. main.cjs, the executable's main script: src/sea-entry.ts with `./cli` replaced by src/sea-cli.ts.
await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src', 'sea-entry.ts')],
  outfile: path.join(out, 'main.cjs'),
  plugins: [
    {
      name: 'cli-from-asset',
      setup(build) {
        build.onResolve({ filter: /^\.\/cli$/ }, () => ({ path: path.join(root, 'src', 'sea-cli.ts') }));
      },
    },
  ],
});

// 4. The blob (main script with its code cache, and the assets) and the executable.
const assets = {
  'cli.cjs': path.join(out, 'cli.cjs'),
  'cli.cache': path.join(out, 'cli.cache'),
  ...Object.fromEntries(
    ['seccomp/trace_entrypoint.sh', 'seccomp/docker-default.json']
      .filter((a) => fs.existsSync(path.join(root, a)))
      .map((a) => [a, path.join(root, a)]),
  ),
};
const seaConfig = {
  main: path.join(out, 'main.cjs'),
  output: path.join(out, 'prep.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets,
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
