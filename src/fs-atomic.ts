import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors';

export interface AtomicWriteOptions {
  /** what the file is, for the error: "the profile", "the compose file" */
  what: string;
  /** the error's hint */
  hint: string;
}

/**
 * Writes `text` to `path` atomically: a temp file in the same directory, fsync'd, then renamed over
 * `path`; the directory is fsync'd so the rename survives a crash. On any failure the temp file is
 * removed and a previous file at `path` is untouched. An existing file keeps its mode, and a
 * symlink its link (the target is replaced). Errors become a UsageError naming the file.
 */
export function writeFileAtomic(path: string, text: string, o: AtomicWriteOptions): void {
  let target = path;
  let mode = 0o644;
  try {
    target = realpathSync(path);
    mode = statSync(target).mode & 0o7777;
  } catch {
    // a new file: written where asked, 0644
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode); // the umask applies to openSync's mode
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (cause) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${o.what} to ${path}: ${code ?? String(cause)}`, {
      hint: o.hint,
      cause,
    });
  }
  syncDirectory(dir);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Best effort: some filesystems refuse fsync on a directory. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}
