import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { traceService } from '../../src/trace';
import { traceProject } from '../fixtures/trace-engine/project';
import { describeEngine } from '../helpers/engine';

/** Everything under dir, relative, symlinks marked with @. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p) + (e.isSymbolicLink() ? '@' : e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

// The traced service is the adversary: it owns its trace directory while it runs.
const PLANT = [
  'cd /opt/core_data/traces',
  'ln -s /etc/passwd main.1',
  'ln -s ../../../../../../tmp escape',
  'ln -s / root',
  'mkdir -p sub/deeper && echo x > sub/deeper/main.2',
  'echo planted > ..main.3',
  'echo planted > ...',
  '/bin/busybox mkfifo main.4',
  'dd if=/dev/zero of=main.5 bs=1024 count=2048 2>/dev/null',
  'ln main.5 main.6',
  'echo planted-all',
  'exec sleep 600',
].join(' && ');

describeEngine(
  'trace: a hostile container planting links, odd names and a huge file in its trace directory',
  () => {
    let engine: Engine;
    let sandbox: string;
    beforeAll(async () => {
      engine = await connectEngine();
      sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-trace-hostile-'));
    });
    afterAll(() => fs.rmSync(sandbox, { recursive: true, force: true }));

    it('writes nothing outside the target and reports every entry it left out', async () => {
      const projectDir = path.join(sandbox, 'project');
      fs.mkdirSync(projectDir);
      const outputDir = path.join(sandbox, 'out', 'session');
      const project = traceProject(projectDir, [
        { name: 'evil', image: 'coredata-test/busybox:latest', command: ['sh', '-c', PLANT] },
      ]);
      let log = '';
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => (log += c.toString()));
      const result = await traceService(engine, project, 'evil', {
        exec: ['sh -c "while [ ! -e /opt/core_data/traces/main.6 ]; do sleep 0.2; done"'],
        outputDir,
        limits: { maxFileBytes: 1024 * 1024 },
        progress: 'silent',
        log: sink as unknown as NodeJS.WriteStream,
      });
      expect(result.outcome, result.message).toBe('collected');

      const reasons = Object.fromEntries(
        result.skipped.map((s) => [s.name.replace(/^traces\//, ''), s.reason]),
      );
      expect(reasons).toMatchObject({
        'main.1': 'symbolic link → /etc/passwd',
        escape: 'symbolic link → ../../../../../../tmp',
        root: 'symbolic link → /',
        'sub/': 'unexpected name',
        'sub/deeper/': 'unexpected name',
        'sub/deeper/main.2': 'unexpected name',
        '..main.3': 'unexpected name',
        '...': 'unexpected name',
        'main.4': 'fifo',
      });
      // the 2 MiB file and its hard link: one is oversized, the other a link (or oversized too)
      expect(reasons['main.5'] ?? reasons['main.6']).toMatch(/larger than 1048576 bytes|hard link/);
      expect(reasons['main.5']).toBeDefined();
      expect(reasons['main.6']).toBeDefined();
      // reported on stderr too
      expect(log).toMatch(/Skipped \d+ entries of the trace directory/);
      expect(log).toContain('main.1: symbolic link → /etc/passwd');
      expect(result.manifest.skipped).toEqual(result.skipped);

      // Only real trace files and the manifest, all regular files, in the target; nothing else anywhere.
      const written = tree(sandbox).filter((p) => !p.startsWith('project'));
      expect(written.filter((p) => !/^out\/session\/(main|exec-1)\.\d+\.trace$/.test(p))).toEqual([
        'out/',
        'out/session/',
        'out/session/manifest.json',
      ]);
      expect(written.some((p) => p.endsWith('@'))).toBe(false);
      expect(fs.existsSync(path.join(projectDir, 'seccomp'))).toBe(false);
      // the genuine traces are still there, and say what the service did
      const main = result.manifest.files.filter((f) => f.source === 'main');
      const text = main.map((f) => fs.readFileSync(path.join(outputDir, f.name), 'utf8')).join('\n');
      expect(text).toMatch(/symlink\("\/etc\/passwd", "main\.1"\)\s+= 0/);
    });
  },
);
