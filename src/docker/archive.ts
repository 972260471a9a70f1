import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/**
 * Tar archives in and out of containers. Going in: an archive that carries its own directories
 * (the engine's `putArchive` needs the target directory to exist). Coming out: an extraction that
 * trusts nothing in the archive, since the container that wrote the files is the one we trace.
 */

export interface ArchiveEntry {
  /** relative path inside the archive, `/`-separated */
  name: string;
  type: 'file' | 'directory';
  /** permission bits, e.g. 0o755, 0o1777 */
  mode: number;
  uid?: number;
  gid?: number;
  content?: Buffer | string;
}

/** Packs entries (in the given order: parents before children) into one tar buffer. */
export async function packArchive(entries: readonly ArchiveEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const mtime = new Date();
  for (const e of entries) {
    const header: Partial<tar.Header> & { name: string } = {
      name: e.type === 'directory' && !e.name.endsWith('/') ? `${e.name}/` : e.name,
      type: e.type,
      mode: e.mode,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: unknown) => (err ? reject(err) : resolve());
      if (e.type === 'file') pack.entry(header, e.content ?? '', cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

export interface ExtractLimits {
  /** a larger regular file is skipped whole */
  maxFileBytes: number;
  /** files that would take the total past this are skipped */
  maxTotalBytes: number;
  /** entries past this count are skipped */
  maxEntries: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxFileBytes: 2 * 1024 ** 3,
  maxTotalBytes: 8 * 1024 ** 3,
  maxEntries: 100_000,
};

export interface ExtractOptions {
  limits?: Partial<ExtractLimits>;
  /** leading path components to drop (the engine's archive of `/a/dir` starts with `dir/`) */
  stripComponents?: number;
  /** maps a safe relative name to the name to write, or undefined to skip it as unexpected */
  rename?: (name: string) => string | undefined;
}

export interface ExtractedFile {
  /** path written, relative to the target directory */
  name: string;
  /** the entry's name in the archive */
  source: string;
  bytes: number;
  lines: number;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}

export interface ExtractResult {
  files: ExtractedFile[];
  skipped: SkippedEntry[];
  bytes: number;
}

/** Why a name is refused, or its normalised relative components. */
export function safeRelativeName(name: string): { parts: string[] } | { reason: string } {
  if (name.includes('\0')) return { reason: 'NUL byte in name' };
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) return { reason: 'absolute path' };
  if (name.includes('\\')) return { reason: 'backslash in name' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { reason: '".." in path' };
  return { parts };
}

const TYPE_REASON: Record<string, string> = {
  symlink: 'symbolic link',
  link: 'hard link',
  'character-device': 'character device',
  'block-device': 'block device',
  fifo: 'fifo',
  'contiguous-file': 'contiguous file',
};

/**
 * Extracts regular files and directories from `input` into `targetDir` (created if missing) and
 * nothing else: no links, devices or fifos, no absolute or `..` paths, per-file, total and count
 * limits. Files are created exclusively without following symlinks, mode 0644, so nothing is ever
 * written outside `targetDir`. Every entry not written is listed in `skipped` with the reason.
 */
export async function extractArchiveSafely(
  input: Readable,
  targetDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...options.limits };
  const strip = options.stripComponents ?? 0;
  const root = path.resolve(targetDir);
  await fs.promises.mkdir(root, { recursive: true });
  const realRoot = await fs.promises.realpath(root);

  const result: ExtractResult = { files: [], skipped: [], bytes: 0 };
  const skip = (name: string, reason: string) => result.skipped.push({ name, reason });
  let entries = 0;

  const extract = tar.extract();
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);

  for await (const entry of extract) {
    const { header } = entry;
    const name = header.name;
    try {
      entries += 1;
      if (entries > limits.maxEntries) {
        skip(name, `more than ${limits.maxEntries} entries`);
        continue;
      }
      const type = header.type ?? 'file';
      if (type !== 'file' && type !== 'directory') {
        const target = header.linkname ? ` → ${header.linkname}` : '';
        skip(name, `${TYPE_REASON[type] ?? type}${target}`);
        continue;
      }
      const checked = safeRelativeName(name);
      if ('reason' in checked) {
        skip(name, checked.reason);
        continue;
      }
      const parts = checked.parts.slice(strip);
      if (parts.length === 0) continue; // the stripped root itself
      if (type === 'directory') {
        // With a rename, directories are names like any other: created only when they map to one.
        const dirName = options.rename ? options.rename(parts.join('/')) : parts.join('/');
        const dirChecked = dirName === undefined ? undefined : safeRelativeName(dirName);
        if (!dirChecked || 'reason' in dirChecked) skip(name, 'unexpected name');
        else await ensureDir(realRoot, dirChecked.parts);
        continue;
      }
      const size = header.size ?? 0;
      if (size > limits.maxFileBytes) {
        skip(name, `larger than ${limits.maxFileBytes} bytes (${size})`);
        continue;
      }
      if (result.bytes + size > limits.maxTotalBytes) {
        skip(name, `total size limit of ${limits.maxTotalBytes} bytes reached`);
        continue;
      }
      const relative = options.rename ? options.rename(parts.join('/')) : parts.join('/');
      if (relative === undefined) {
        skip(name, 'unexpected name');
        continue;
      }
      const renamed = safeRelativeName(relative);
      if ('reason' in renamed || renamed.parts.length === 0) {
        skip(name, `renamed to an unsafe name "${relative}"`);
        continue;
      }
      const dir = await ensureDir(realRoot, renamed.parts.slice(0, -1));
      const file = path.join(dir, renamed.parts[renamed.parts.length - 1] as string);
      const written = await writeExclusive(file, entry, limits.maxFileBytes);
      if ('reason' in written) {
        skip(name, written.reason);
        continue;
      }
      result.bytes += written.bytes;
      result.files.push({
        name: renamed.parts.join('/'),
        source: name,
        bytes: written.bytes,
        lines: written.lines,
      });
    } finally {
      entry.resume();
    }
  }
  return result;
}

/** Creates root/parts… one level at a time, refusing anything that is not a real directory. */
async function ensureDir(realRoot: string, parts: readonly string[]): Promise<string> {
  let dir = realRoot;
  for (const part of parts) {
    dir = path.join(dir, part);
    try {
      await fs.promises.mkdir(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const st = await fs.promises.lstat(dir);
    if (!st.isDirectory()) throw new Error(`refusing to write through non-directory ${dir}`);
  }
  return dir;
}

async function writeExclusive(
  file: string,
  data: AsyncIterable<unknown>,
  maxBytes: number,
): Promise<{ bytes: number; lines: number } | { reason: string }> {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      reason: code === 'EEXIST' ? 'duplicate name' : `cannot create (${code ?? (e as Error).message})`,
    };
  }
  let bytes = 0;
  let lines = 0;
  let last = 0x0a;
  let oversized = false;
  try {
    // Read to the end even when over the limit: the tar stream only moves on once an entry is drained.
    for await (const piece of data) {
      const chunk = piece as Buffer;
      bytes += chunk.length;
      if (oversized) continue;
      if (bytes > maxBytes) {
        oversized = true;
        continue;
      }
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  if (oversized) {
    await fs.promises.unlink(file);
    return { reason: `larger than ${maxBytes} bytes` };
  }
  if (last !== 0x0a) lines += 1;
  return { bytes, lines };
}
