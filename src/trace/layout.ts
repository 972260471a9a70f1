/**
 * Where a trace container keeps what we inject and what strace writes. /opt/core_data is a volume
 * of its own (created per session), so it works with `read_only: true` and survives the exit.
 */
export const CORE_DIR = '/opt/core_data';
export const TRACE_DIR = `${CORE_DIR}/traces`;
export const WRAPPER_PATH = `${CORE_DIR}/trace_entrypoint.sh`;
/** The asset the wrapper is read from (package root, or the executable's SEA assets). */
export const WRAPPER_ASSET = 'seccomp/trace_entrypoint.sh';

/** Labels on everything a trace session creates; `trace --cleanup` removes what carries the first. */
export const LABEL_SESSION = 'io.coredata.trace';
export const LABEL_PROJECT = 'io.coredata.trace.project';
export const LABEL_SERVICE = 'io.coredata.trace.service';
/** on a twin traced with --replace: the original container to start again */
export const LABEL_REPLACED = 'io.coredata.trace.replaced';

/** strace output prefixes inside TRACE_DIR: files are `<prefix>.<pid>` */
export const TRACE_PREFIX = { main: 'main', healthcheck: 'health', exec: 'exec' } as const;
export type TraceSource = keyof typeof TRACE_PREFIX;

/**
 * `main.17` → `main.17.trace`, `exec-2.40` → `exec-2.40.trace`; anything else in the trace
 * directory was not written by our strace and is not collected.
 */
export function collectedName(name: string): string | undefined {
  const m = /^(main|health|exec-\d+)\.(\d+)$/.exec(name);
  return m ? `${m[1]}.${m[2]}.trace` : undefined;
}

/** Which strace wrote a collected file, and for which pid. */
export function traceFileOrigin(name: string): { source: TraceSource; pid: number } | undefined {
  const m = /^(main|health|exec-\d+)\.(\d+)\.trace$/.exec(name);
  if (!m) return undefined;
  const prefix = m[1] as string;
  const source: TraceSource = prefix === 'main' ? 'main' : prefix === 'health' ? 'healthcheck' : 'exec';
  return { source, pid: Number(m[2]) };
}
