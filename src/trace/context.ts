import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { ComposeProject, ComposeService } from '../compose/model';
import type { Engine } from '../docker/engine';
import type { ServiceRunConfig, StraceInjection, TraceSessionNames } from './container-spec';
import { LABEL_PROJECT, LABEL_SERVICE, LABEL_SESSION } from './layout';
import type { TraceOptions } from './options';
import type { Progress } from './progress';

/** One trace session's shared state: what every phase (prepare, run, collect) reads. */
export interface SessionContext {
  engine: Engine;
  docker: Dockerode;
  project: ComposeProject;
  service: ComposeService;
  options: TraceOptions;
  names: TraceSessionNames;
  cleanup: Cleanup;
  warnings: string[];
  progress: Progress;
  log: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  startedWall: Date;
}

/** What the prepare phase hands on: a created (not started) container with strace injected. */
export interface Prepared {
  run: ServiceRunConfig;
  image: Dockerode.ImageInspectInfo;
  injection: StraceInjection;
  straceSource: 'image' | 'portable';
  straceVersion: string;
  container: Dockerode.Container;
  /** compose containers stopped by --replace (started again by the cleanup) */
  replaced: string[];
}

/** Undo steps, run last-in first-out; a failing step becomes a warning and never hides the others. */
export class Cleanup {
  private readonly steps: { what: string; fn: () => Promise<void> }[] = [];

  add(what: string, fn: () => Promise<void>): void {
    this.steps.push({ what, fn });
  }

  async run(): Promise<string[]> {
    const warnings: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.fn();
      } catch (e) {
        warnings.push(`cleanup: could not ${step.what}: ${(e as Error).message}`);
      }
    }
    return warnings;
  }
}

/** `20260102T030405Z` */
export function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function sessionNames(project: string, service: string, now: Date): TraceSessionNames {
  const id = `${utcStamp(now)}-${randomBytes(3).toString('hex')}`;
  const short = id.slice(-6);
  return {
    id,
    containerName: `coredata-trace-${project}-${service}-${short}`,
    volume: `coredata-trace-${project}-${service}-${short}`,
    labels: { [LABEL_SESSION]: id, [LABEL_PROJECT]: project, [LABEL_SERVICE]: service },
  };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Resolves with `p`'s value, or with undefined once `signal` aborts (p keeps running). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
