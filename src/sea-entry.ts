/**
 * Entry of the single executable (esbuild bundle → Node SEA). oclif's explicit command strategy
 * `require`s its target by path; inside the executable `require` only knows built-ins, so the
 * bundle's banner routes that one path to the command map registered here (scripts/build-sea.mjs).
 */
import * as path from 'node:path';
import { main } from './main';

const invokedAs = path.basename(process.argv0 || process.execPath);
main(process.argv.slice(2), invokedAs).catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  process.exitCode = 1;
});
