import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractArchiveSafely, packArchive, safeRelativeName } from '../../../src/docker/archive';
import { collectedName } from '../../../src/trace/layout';

type Header = Partial<tar.Header> & { name: string };

/** A hand-built archive, entries exactly as given (tar-stream writes names verbatim). */
async function hostileTar(entries: { header: Header; body?: string | Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<Buffer>((resolve) => pack.on('end', () => resolve(Buffer.concat(chunks))));
  for (const { header, body } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body !== undefined) pack.entry(header, body, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

/** Every path under dir, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p) + (e.isDirectory() ? '/' : e.isSymbolicLink() ? '@' : ''));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

let sandbox: string;
let target: string;
beforeEach(() => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-extract-'));
  target = path.join(sandbox, 'out', 'session');
});
afterEach(() => fs.rmSync(sandbox, { recursive: true, force: true }));

const extract = (buf: Buffer, opts: Parameters<typeof extractArchiveSafely>[2] = {}) =>
  extractArchiveSafely(Readable.from([buf]), target, opts);

describe('extractArchiveSafely: only regular files and directories, never outside the target', () => {
  it('extracts files and directories, counting bytes and lines', async () => {
    const buf = await hostileTar([
      { header: { name: 'traces/', type: 'directory', mode: 0o1777 } },
      {
        header: { name: 'traces/main.1', mode: 0o4755 },
        body: 'execve(...) = 0\nexit_group(0) = ?\n+++ exited with 0 +++\n',
      },
      { header: { name: 'traces/sub/', type: 'directory' } },
      { header: { name: 'traces/sub/x' }, body: 'no newline at end' },
    ]);
    const res = await extract(buf);
    expect(res.skipped).toEqual([]);
    expect(res.files).toEqual([
      { name: 'traces/main.1', source: 'traces/main.1', bytes: 56, lines: 3 },
      { name: 'traces/sub/x', source: 'traces/sub/x', bytes: 17, lines: 1 },
    ]);
    expect(tree(target)).toEqual(['traces/', 'traces/main.1', 'traces/sub/', 'traces/sub/x']);
    // the archive's setuid bit is not carried over
    expect(fs.statSync(path.join(target, 'traces/main.1')).mode & 0o7777).toBe(0o644);
  });

  it('skips a symlink, even one pointing outside, and writes nothing through it', async () => {
    const buf = await hostileTar([
      { header: { name: 'evil', type: 'symlink', linkname: '../../escaped' } },
      { header: { name: 'evil/payload' }, body: 'x' },
      { header: { name: 'abs', type: 'symlink', linkname: '/etc/passwd' } },
    ]);
    const res = await extract(buf);
    expect(res.skipped).toEqual([
      { name: 'evil', reason: 'symbolic link → ../../escaped' },
      { name: 'abs', reason: 'symbolic link → /etc/passwd' },
    ]);
    // evil/payload lands in a real directory named evil inside the target, not through the link
    expect(tree(target)).toEqual(['evil/', 'evil/payload']);
    expect(fs.existsSync(path.join(sandbox, 'escaped'))).toBe(false);
  });

  it('skips a hard link', async () => {
    const buf = await hostileTar([
      { header: { name: 'a' }, body: 'data' },
      { header: { name: 'b', type: 'link', linkname: '/etc/shadow' } },
    ]);
    const res = await extract(buf);
    expect(res.skipped).toEqual([{ name: 'b', reason: 'hard link → /etc/shadow' }]);
    expect(tree(target)).toEqual(['a']);
  });

  it('skips ../ paths and absolute paths', async () => {
    const buf = await hostileTar([
      { header: { name: '../x' }, body: 'up' },
      { header: { name: 'a/../../y' }, body: 'up2' },
      { header: { name: '/tmp/coredata-abs-test' }, body: 'abs' },
      { header: { name: './ok' }, body: 'fine' },
    ]);
    const res = await extract(buf);
    expect(res.skipped).toEqual([
      { name: '../x', reason: '".." in path' },
      { name: 'a/../../y', reason: '".." in path' },
      { name: '/tmp/coredata-abs-test', reason: 'absolute path' },
    ]);
    expect(tree(target)).toEqual(['ok']);
    expect(tree(sandbox)).toEqual(['out/', 'out/session/', 'out/session/ok']);
    expect(fs.existsSync('/tmp/coredata-abs-test')).toBe(false);
  });

  it('skips devices and fifos', async () => {
    const buf = await hostileTar([
      { header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } },
      { header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } },
      { header: { name: 'pipe', type: 'fifo' } },
    ]);
    const res = await extract(buf);
    expect(res.skipped.map((s) => s.reason)).toEqual(['character device', 'block device', 'fifo']);
    expect(tree(target)).toEqual([]);
  });

  it('skips an oversized file whole and goes on with the next', async () => {
    const buf = await hostileTar([
      { header: { name: 'big' }, body: Buffer.alloc(4096, 0x61) },
      { header: { name: 'small' }, body: 'ok\n' },
    ]);
    const res = await extract(buf, { limits: { maxFileBytes: 1024 } });
    expect(res.skipped).toEqual([{ name: 'big', reason: 'larger than 1024 bytes (4096)' }]);
    expect(tree(target)).toEqual(['small']);
  });

  it('stops writing at the total limit, reporting each file left out', async () => {
    const buf = await hostileTar([
      { header: { name: 'one' }, body: Buffer.alloc(600) },
      { header: { name: 'two' }, body: Buffer.alloc(600) },
      { header: { name: 'three' }, body: Buffer.alloc(300) },
    ]);
    const res = await extract(buf, { limits: { maxTotalBytes: 1000 } });
    expect(res.files.map((f) => f.name)).toEqual(['one', 'three']);
    expect(res.skipped).toEqual([{ name: 'two', reason: 'total size limit of 1000 bytes reached' }]);
    expect(res.bytes).toBe(900);
  });

  it('caps the number of entries', async () => {
    const buf = await hostileTar(
      Array.from({ length: 5 }, (_, i) => ({ header: { name: `f${i}` }, body: 'x' })),
    );
    const res = await extract(buf, { limits: { maxEntries: 3 } });
    expect(res.files).toHaveLength(3);
    expect(res.skipped).toHaveLength(2);
  });

  it('never follows a symlink planted in the target beforehand', async () => {
    fs.mkdirSync(target, { recursive: true });
    fs.symlinkSync(path.join(sandbox, 'victim'), path.join(target, 'main.1'));
    const res = await extract(await hostileTar([{ header: { name: 'main.1' }, body: 'x' }]));
    expect(res.skipped).toEqual([{ name: 'main.1', reason: 'duplicate name' }]);
    expect(fs.existsSync(path.join(sandbox, 'victim'))).toBe(false);
  });

  it('strips the archive root and renames strace outputs to *.trace, leaving anything else out', async () => {
    const buf = await hostileTar([
      { header: { name: 'traces/', type: 'directory' } },
      { header: { name: 'traces/main.12' }, body: 'a\n' },
      { header: { name: 'traces/health.40' }, body: 'b\n' },
      { header: { name: 'traces/exec-2.77' }, body: 'c\n' },
      { header: { name: 'traces/..evil' }, body: 'planted' },
      { header: { name: 'traces/notes.txt' }, body: 'planted' },
    ]);
    const res = await extract(buf, { stripComponents: 1, rename: collectedName });
    expect(res.files.map((f) => f.name)).toEqual(['main.12.trace', 'health.40.trace', 'exec-2.77.trace']);
    expect(res.skipped).toEqual([
      { name: 'traces/..evil', reason: 'unexpected name' },
      { name: 'traces/notes.txt', reason: 'unexpected name' },
    ]);
  });

  it('round-trips what packArchive builds (directories first, modes kept in the archive)', async () => {
    const buf = await packArchive([
      { name: 'traces', type: 'directory', mode: 0o1777 },
      { name: 'trace_entrypoint.sh', type: 'file', mode: 0o755, content: '#!/bin/sh\n' },
    ]);
    const headers: tar.Header[] = [];
    const ex = tar.extract();
    Readable.from([buf]).pipe(ex as unknown as NodeJS.WritableStream);
    for await (const e of ex) {
      headers.push(e.header);
      e.resume();
    }
    expect(headers.map((h) => [h.name, h.type, h.mode, h.uid, h.gid])).toEqual([
      ['traces/', 'directory', 0o1777, 0, 0],
      ['trace_entrypoint.sh', 'file', 0o755, 0, 0],
    ]);
  });
});

describe('safeRelativeName', () => {
  it.each([
    ['a/b', ['a', 'b']],
    ['./a//b/', ['a', 'b']],
    ['..a', ['..a']],
  ])('%s is fine', (n, parts) => expect(safeRelativeName(n)).toEqual({ parts }));
  it.each(['/a', '..', 'a/..', 'C:\\x', 'a\\..\\b', 'a\0b'])('%j is refused', (n) => {
    expect(safeRelativeName(n)).toHaveProperty('reason');
  });
});
