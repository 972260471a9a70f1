/**
 * Entry of the single executable (esbuild bundle → Node SEA): main.ts, with `./cli` loaded from
 * the executable's assets by ./sea-cli (scripts/build-sea.mjs).
 */
import * as path from 'node:path';
import { main } from './main';

const invokedAs = path.basename(process.argv0 || process.execPath);
main(process.argv.slice(2), invokedAs).catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  process.exitCode = 1;
});
