/**
 * Entry point of the executable and of bin/run.js. The metadata handshake (run by the docker CLI
 * before every invocation) is answered before oclif, zod or dockerode are loaded.
 */
import * as path from 'node:path';
import { parseInvocation } from './plugin/argv';
import { PLUGIN_NAME, STANDALONE_NAME } from './plugin/metadata';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const metadataJson: Record<string, unknown> = require('../docker-plugin-metadata.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pjson: Record<string, unknown> & { oclif: Record<string, unknown> } = require('../package.json');

export async function main(args: string[] = process.argv.slice(2), invokedAs?: string): Promise<void> {
  const inv = parseInvocation(args);
  if (inv.kind === 'metadata') {
    process.stdout.write(`${JSON.stringify(metadataJson, null, 2)}\n`);
    return;
  }
  // Inside the executable oclif's `require(target | package.json)` is answered from here (scripts/build-sea.mjs).
  const virtual: Record<string, () => unknown> = { pjson: () => pjson };
  (globalThis as { __coredataVirtualModules?: unknown }).__coredataVirtualModules = virtual;
  const [{ COMMANDS }, { complete }] = await Promise.all([
    import('./commands/index'),
    import('./plugin/complete'),
  ]);
  virtual.commands = () => ({ COMMANDS });
  if (inv.kind === 'complete') {
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
  const { execute, settings } = await import('@oclif/core');
  // We always run compiled code; never let NODE_ENV=development|test make oclif look for ts-node.
  settings.enableAutoTranspile = false;
  await execute({
    args: inv.argv,
    loadOptions: {
      root: path.resolve(__dirname, '..'),
      pjson: { ...pjson, oclif: { ...pjson.oclif, bin } } as never,
      userPlugins: false,
      devPlugins: false,
      enablePerf: false,
    } as never,
  });
}
