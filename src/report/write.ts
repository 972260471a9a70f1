import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';

/** Writes a file so readers never see half of it: a temporary file beside it, then rename. */
export function writeFileAtomic(file: string, content: string): void {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o644 });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${file}: ${(e as Error).message}`, {
      hint: 'check that the directory exists and is writable',
      cause: e,
    });
  }
}
