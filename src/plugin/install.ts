import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { PLUGIN_FILE, STANDALONE_NAME } from './metadata';

export interface InstallOptions {
  /** the cli-plugins directory (default: `${DOCKER_CONFIG:-~/.docker}/cli-plugins`) */
  dir: string;
  /** also link `docker-core-data` into this directory */
  standaloneDir?: string;
  /** the running executable; in the npm layout, bin/run.js (a launcher script is installed instead) */
  source: { path: string; sea: boolean };
}

export type InstallAction = {
  path: string;
  action: 'installed' | 'updated' | 'unchanged' | 'linked' | 'removed' | 'absent';
};

function digest(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Writes through a temp file + rename so a running `docker coredata` never sees a half-written file. */
function writeAtomic(target: string, write: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    write(tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function launcherScript(runJs: string): string {
  return `#!/bin/sh\n# docker coredata, npm layout: runs ${runJs}\nexec node ${JSON.stringify(runJs)} "$@"\n`;
}

function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${dir}: ${(e as Error).message}`);
  }
}

/** Copies the executable into the cli-plugins dir as `docker-coredata`; idempotent. */
export function installPlugin(opts: InstallOptions): InstallAction[] {
  ensureDir(opts.dir);
  const target = path.join(opts.dir, PLUGIN_FILE);
  const actions: InstallAction[] = [];
  const existed = fs.existsSync(target);
  if (opts.source.sea) {
    if (path.resolve(opts.source.path) === path.resolve(target)) {
      actions.push({ path: target, action: 'unchanged' });
    } else if (existed && digest(target) === digest(opts.source.path)) {
      actions.push({ path: target, action: 'unchanged' });
    } else {
      writeAtomic(target, (tmp) => fs.copyFileSync(opts.source.path, tmp));
      actions.push({ path: target, action: existed ? 'updated' : 'installed' });
    }
  } else {
    const script = launcherScript(path.resolve(opts.source.path));
    if (existed && fs.readFileSync(target, 'utf8') === script)
      actions.push({ path: target, action: 'unchanged' });
    else {
      writeAtomic(target, (tmp) => fs.writeFileSync(tmp, script));
      actions.push({ path: target, action: existed ? 'updated' : 'installed' });
    }
  }
  if (opts.standaloneDir) {
    ensureDir(opts.standaloneDir);
    const link = path.join(opts.standaloneDir, STANDALONE_NAME);
    let current: string | undefined;
    try {
      current = fs.readlinkSync(link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EINVAL') {
        throw new UsageError(`${link} exists and is not a symlink; remove it first`);
      }
    }
    if (current === target) actions.push({ path: link, action: 'unchanged' });
    else {
      fs.rmSync(link, { force: true });
      fs.symlinkSync(target, link);
      actions.push({ path: link, action: 'linked' });
    }
  }
  return actions;
}

/** Removes what installPlugin made; a standalone link is removed only when it points at our plugin. */
export function uninstallPlugin(opts: Omit<InstallOptions, 'source'>): InstallAction[] {
  const target = path.join(opts.dir, PLUGIN_FILE);
  const actions: InstallAction[] = [];
  if (opts.standaloneDir) {
    const link = path.join(opts.standaloneDir, STANDALONE_NAME);
    let current: string | undefined;
    try {
      current = fs.readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === target) {
      fs.rmSync(link);
      actions.push({ path: link, action: 'removed' });
    } else actions.push({ path: link, action: 'absent' });
  }
  if (fs.existsSync(target)) {
    fs.rmSync(target);
    actions.push({ path: target, action: 'removed' });
  } else actions.push({ path: target, action: 'absent' });
  return actions;
}
