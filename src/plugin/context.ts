import type { DockerGlobals } from './argv';

/**
 * How this process was started, set once by the entry point before oclif runs. Commands read it
 * for engine resolution and cancellation; tests get the standalone defaults.
 */
export interface RuntimeContext {
  mode: 'plugin' | 'standalone';
  globals: DockerGlobals;
  /** aborted on SIGINT/SIGTERM or when the docker CLI's plugin socket closes */
  signal: AbortSignal;
}

const controller = new AbortController();
let current: RuntimeContext = { mode: 'standalone', globals: {}, signal: controller.signal };

export function runtimeContext(): RuntimeContext {
  return current;
}

export function setRuntimeContext(ctx: Partial<RuntimeContext>): void {
  current = { ...current, ...ctx };
}
