/**
 * The executable's stand-in for ./cli (scripts/build-sea.mjs points main.ts's `import('./cli')`
 * here). The executable's main script is only main.ts and what the metadata handshake and plain
 * `version` need; the rest (oclif, the commands, their dependencies: megabytes of code) is the
 * asset `cli.cjs`, compiled from its V8 code cache `cli.cache` only when a run needs it.
 */
import * as sea from 'node:sea';
import * as vm from 'node:vm';
import type * as Cli from './cli';

type ModuleFunction = (
  exports: object,
  require: NodeJS.Require,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

function load(): typeof Cli {
  // `cli.cjs` is one CommonJS function expression; its code cache was made from the same text by the
  // same Node binary. The raw assets are views of the executable's memory, only read here. Should V8
  // reject the cache anyway, it compiles the source instead: slower, same result.
  const script = new vm.Script(Buffer.from(sea.getRawAsset('cli.cjs') as ArrayBuffer).toString('utf8'), {
    filename: 'docker-coredata:cli.cjs',
    cachedData: Buffer.from(sea.getRawAsset('cli.cache') as ArrayBuffer),
  });
  if (script.cachedDataRejected && process.env.CORE_DATA_DEBUG_STARTUP)
    process.stderr.write('startup: V8 rejected the code cache of cli.cjs\n');
  const fn = script.runInThisContext() as ModuleFunction;
  const module = { exports: {} };
  // The executable's main script is CommonJS: its require (built-ins only), __filename and __dirname.
  fn(module.exports, require, module, __filename, __dirname);
  return module.exports as typeof Cli;
}

export const run: typeof Cli.run = (...args) => load().run(...args);
