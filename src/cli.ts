/**
 * Everything past main.ts's fast paths: completion and the oclif run. Inside the executable this
 * module is its own bundle, evaluated only when needed (scripts/build-sea.mjs, src/sea-cli.ts).
 */
import * as path from 'node:path';
import type { Interfaces } from '@oclif/core';
import type { Invocation } from './plugin/argv';
import { PLUGIN_NAME, STANDALONE_NAME } from './plugin/metadata';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pjson: Record<string, unknown> & { oclif: Record<string, unknown> } = require('../package.json');

/**
 * The oclif manifest, as JSON, that scripts/build-sea.mjs builds from the commands and defines for
 * the executable, which has no oclif.manifest.json beside it. Undeclared in the npm layout, where
 * oclif reads oclif.manifest.json from the package root.
 */
declare const __CORE_DATA_OCLIF_MANIFEST__: string | undefined;

export async function run(inv: Exclude<Invocation, { kind: 'metadata' }>, invokedAs?: string): Promise<void> {
  // Inside the executable oclif's `require(target | package.json)` is answered from here (scripts/build-sea.mjs).
  const virtual: Record<string, () => unknown> = {
    pjson: () => pjson,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    commands: () => require('./commands/lazy'),
  };
  (globalThis as { __coredataVirtualModules?: unknown }).__coredataVirtualModules = virtual;
  if (inv.kind === 'complete') {
    const [{ COMMANDS }, { complete }] = await Promise.all([
      import('./commands/index'),
      import('./plugin/complete'),
    ]);
    process.stdout.write(complete(inv.words, COMMANDS));
    return;
  }
  const { installCancellation } = await import('./plugin/cancel');
  const { setRuntimeContext } = await import('./plugin/context');
  setRuntimeContext({ mode: inv.mode, globals: inv.globals, signal: installCancellation() });

  const bin =
    inv.mode === 'plugin'
      ? `docker ${PLUGIN_NAME}`
      : invokedAs && /^docker-core-?data$/.test(invokedAs)
        ? invokedAs
        : STANDALONE_NAME;
  const { execute, settings, Plugin } = await import('@oclif/core');
  // We always run compiled code; never let NODE_ENV=development|test make oclif look for ts-node.
  settings.enableAutoTranspile = false;
  const root = path.resolve(__dirname, '..');
  const rootPjson = { ...pjson, oclif: { ...pjson.oclif, bin } } as unknown as Interfaces.PJSON;
  let plugins: Map<string, Interfaces.Plugin> | undefined;
  if (typeof __CORE_DATA_OCLIF_MANIFEST__ === 'string') {
    // Without a manifest oclif would require every command to build one, on every run. The root
    // plugin is loaded here as oclif loads it, except that its (private) manifest step returns the
    // embedded manifest; the rest of the load reads no file as `pjson` is given.
    const manifest = JSON.parse(__CORE_DATA_OCLIF_MANIFEST__) as Interfaces.Manifest;
    const plugin = new Plugin({ root, isRoot: true, pjson: rootPjson });
    Object.assign(plugin, {
      _manifest: async () => {
        plugin.hasManifest = true;
        plugin.commandIDs = Object.keys(manifest.commands);
        return manifest;
      },
    });
    await plugin.load();
    plugins = new Map([[plugin.name, plugin]]);
  }
  await execute({
    args: inv.argv,
    loadOptions: {
      root,
      pjson: rootPjson,
      plugins,
      userPlugins: false,
      devPlugins: false,
      enablePerf: false,
    } as never,
  });
}
