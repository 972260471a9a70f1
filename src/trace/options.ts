import type { ExtractLimits } from '../docker/archive';
import type { ProgressMode } from './progress';

/** Everything `trace` needs besides the engine, the project and the service (DESIGN §3). */
export interface TraceOptions {
  /** trace for this long (ms) after the service started; the workload runs inside the window */
  durationMs?: number;
  /** commands run inside the container, one after the other, each under strace */
  exec?: string[];
  /** a host command (`sh -c`) run while tracing, with COREDATA_CONTAINER=<container id> */
  workload?: string;
  /** wait until the healthcheck reports healthy before the workload */
  waitHealthy?: boolean;
  /** how long --wait-healthy waits (default 120 s) */
  healthyTimeoutMs?: number;
  /** the session directory; default `<project dir>/seccomp/traces/<service>/<UTC timestamp>` */
  outputDir?: string;
  /** stop the running compose container(s) of the service, trace a twin, start them again */
  replace?: boolean;
  /** extra strace options (e.g. `--seccomp-bpf`) */
  straceOptions?: string[];
  /** cancellation (SIGINT/SIGTERM): the service is stopped and what was traced is collected */
  signal?: AbortSignal;
  /** without duration or workload: resolves when the user wants to stop (Enter) */
  waitForUser?: (signal: AbortSignal) => Promise<void>;
  progress?: ProgressMode;
  /** notes, workload and exec output (default stderr) */
  log?: NodeJS.WriteStream;
  limits?: Partial<ExtractLimits>;
  /** environment for the host strace lookup and the workload (default process.env) */
  env?: NodeJS.ProcessEnv;
}
