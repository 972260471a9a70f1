import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComposeProject } from '../compose/model';
import type { Engine } from '../docker/engine';
import { FailureError, InterruptedError, UsageError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { BPF_RECORDING, BpfRecorder, BpfRecording, parseBpftraceMaps, recordingSummary } from './bpf';
import { sessionDir } from './collect';
import type { TraceOptions } from './options';
import { replayService, type ReplayResult } from './replay';
import { runnableService } from './session';

/** What `trace --recorder bpf` did. */
export interface RecordResult {
  recorder: 'bpf';
  service: string;
  outputDir: string;
  /** the run: started, healthy, each exec's exit code, failure */
  run: ReplayResult;
  /** distinct system calls and calls counted in the container */
  syscalls: number;
  calls: number;
  /** map lines bpftrace printed that could not be read */
  unreadable: number;
}

function localEngine(engine: Engine): boolean {
  return engine.endpoint.host.startsWith('unix://');
}

async function mountNamespace(pid: number): Promise<number> {
  const link = await fs.promises.readlink(`/proc/${pid}/ns/mnt`);
  const m = /^mnt:\[(\d+)\]$/.exec(link);
  if (!m) throw new FailureError(`cannot read the mount namespace of pid ${pid} (${link})`);
  return Number(m[1]);
}

/**
 * Runs the service untraced (its own container, Docker's default profile, the workload as `trace`
 * runs it) while the kernel counts its system calls (./bpf), then writes the session directory
 * `seccomp/traces/<service>/<UTC timestamp>/recording.json`, which `generate` and `harden` read like
 * strace sessions. The engine must run on this host: the recorder reads this kernel.
 */
export async function recordService(
  engine: Engine,
  project: ComposeProject,
  serviceName: string,
  options: TraceOptions = {},
): Promise<RecordResult> {
  const service = runnableService(project, serviceName, options);
  if (!localEngine(engine)) {
    throw new UsageError(
      `the bpf recorder needs a local engine; ${engine.endpoint.host} is not on this host`,
      {
        hint: 'use --recorder strace (the default) for a remote engine',
      },
    );
  }
  if (options.exec?.length === 0 && !options.workload && !options.durationMs) {
    throw new UsageError('the bpf recorder needs a workload', {
      hint: 'give --exec CMD, --workload CMD or --duration D',
    });
  }
  const log = options.log ?? process.stderr;
  const signal = options.signal ?? new AbortController().signal;
  const startedWall = new Date();
  const outputDir = sessionDir({ options, project, service, startedWall });

  const recorder = new BpfRecorder();
  await recorder.start();
  let mntns: number | undefined;
  let run: ReplayResult;
  let maps: string;
  try {
    run = await replayService(
      engine,
      project,
      service,
      undefined,
      {
        exec: options.exec ?? [],
        workload: options.workload,
        durationMs: options.durationMs,
        waitHealthy: Boolean(options.waitHealthy),
        healthyTimeoutMs: options.healthyTimeoutMs,
        signal,
        log: log as NodeJS.WriteStream,
        onStarted: async (container) => {
          const pid = ((await container.inspect()).State as { Pid?: number }).Pid;
          if (!pid) throw new FailureError(`${serviceName} started but has no process to record`);
          mntns = await mountNamespace(pid);
        },
      },
      'record',
    );
  } finally {
    maps = await recorder.stop();
  }
  if (mntns === undefined) {
    if (signal.aborted)
      throw new InterruptedError(`interrupted before ${serviceName} started; nothing was recorded`);
    throw new FailureError(`${serviceName} did not start, nothing was recorded: ${run.failure ?? 'unknown'}`);
  }
  const { calls, failures, unreadable } = parseBpftraceMaps(maps, mntns);
  const recording = BpfRecording.parse({
    recorder: 'bpf',
    arch: process.arch === 'arm64' ? 'aarch64' : 'x86_64',
    mntns,
    calls,
    failures,
  });
  await fs.promises.mkdir(outputDir, { recursive: true });
  writeFileAtomic(path.join(outputDir, BPF_RECORDING), `${JSON.stringify(recording, null, 2)}\n`, {
    what: 'the recording',
    hint: 'check that the project directory is writable',
  });
  const summary = recordingSummary(recording, BPF_RECORDING);
  return {
    recorder: 'bpf',
    service: serviceName,
    outputDir,
    run,
    syscalls: Object.keys(summary.syscalls).length,
    calls: Object.values(summary.syscalls).reduce((a, b) => a + b, 0),
    unreadable,
  };
}
