/* eslint-disable @typescript-eslint/no-require-imports -- each command is required on first use, see below */
import type { Command } from '@oclif/core';

/**
 * The command map oclif loads (package.json `oclif.commands.target`), the same commands as
 * `COMMANDS` in ./index. Requiring a command pulls in what it needs (compose loader, zod, dockerode,
 * …), so here each entry is an enumerable getter that requires its module on first access: with a
 * manifest oclif reads only the entry of the command being run, so `version` never loads the
 * engine or compose code. Enumerating the map (building a manifest) still loads them all.
 *
 * `require` keeps this synchronous, as oclif reads the map; it works in the compiled dist/ and in
 * the esbuild bundle, not under vitest, so tests import the eager map in ./index.
 */
const LOADERS: Record<string, () => Command.Class> = {
  doctor: () => require('./doctor').default,
  generate: () => require('./generate').default,
  harden: () => require('./harden').default,
  install: () => require('./install').default,
  status: () => require('./status').default,
  uninstall: () => require('./uninstall').default,
  trace: () => require('./trace').default,
  verify: () => require('./verify').default,
  version: () => require('./version').default,
};

export const LAZY_COMMANDS: Record<string, Command.Class> = Object.defineProperties(
  {},
  Object.fromEntries(
    Object.entries(LOADERS).map(([id, load]) => {
      let cmd: Command.Class | undefined;
      return [id, { enumerable: true, get: () => (cmd ??= load()) }];
    }),
  ),
);
