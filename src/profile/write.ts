import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors';
import { SeccompProfile } from './schema';

/** The JSON text a profile is written as: 2-space indent, trailing newline. */
export function serializeProfile(profile: SeccompProfile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}

/**
 * Writes `profile` to `path` atomically: a temp file in the same directory, fsync'd, then renamed
 * over `path`; the directory is fsync'd so the rename survives a crash. On any failure the temp
 * file is removed and a previous file at `path` is untouched. The profile is validated first.
 */
export function writeProfileAtomic(path: string, profile: SeccompProfile): void {
  const text = serializeProfile(SeccompProfile.parse(profile));
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (cause) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write the profile to ${path}: ${code ?? String(cause)}`, {
      hint: 'check that the directory exists and is writable, or pass another --output path',
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
