import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Files shipped next to the code (`seccomp/trace_entrypoint.sh`, …). Inside the single executable
 * they are SEA assets; in the npm/dev layout they sit in the package root, one level above both
 * `src/` and `dist/`.
 */
export function readAsset(name: string): string {
  const sea = seaModule();
  if (sea?.isSea()) return sea.getAsset(name, 'utf8');
  return fs.readFileSync(path.resolve(__dirname, '..', name), 'utf8');
}

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

function seaModule(): SeaModule | undefined {
  try {
    // node:sea exists from Node 20.12; older runtimes are never the single executable.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sea') as SeaModule;
  } catch {
    return undefined;
  }
}
