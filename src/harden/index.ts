import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComposeProject } from '../compose/model';
import type { Engine } from '../docker/engine';
import { FailureError, UsageError } from '../errors';
import { allowedNames } from '../profile/exceeds';
import {
  defaultProfilePath,
  profileForService,
  profilePathFor,
  profilePathIfNamed,
  readTraces,
  writeGenerationReport,
} from '../profile/from-traces';
import type { SeccompProfile } from '../profile/schema';
import { writeProfileAtomic } from '../profile/write';
import { traceService } from '../trace';
import { applyProfile, planApply, type ApplyOutcome } from './apply';
import { auditRecordsSince, kernelLogCursor, loggedCalls, readKernelLog } from './audit';
import { recordService } from '../trace/record';
import { replayService, type ReplayResult, type ReplayWorkload } from '../trace/replay';

export interface HardenOptions extends Omit<ReplayWorkload, 'signal' | 'log'> {
  output?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** complain-mode replays at most (each adds what the kernel logged) */
  maxRounds: number;
  defaultProfile: SeccompProfile;
  signal: AbortSignal;
  log: NodeJS.WriteStream;
  progress?: 'auto' | 'silent';
  /** drop these names from the generated profile (tests prove the replay catches it) */
  withhold?: string[];
  /** replay the traces of this session instead of tracing again */
  traceDir?: string;
  /** also allow the 32-bit forms (see `generate --compat32`) */
  compat32?: boolean;
  /** wire the profile into the compose file once it is proven (see ./apply) */
  apply?: boolean;
  /** how to record: strace (default) or the kernel's counts (trace --recorder bpf) */
  recorder?: 'strace' | 'bpf';
}

export interface HardenRound {
  round: number;
  /** syscalls the kernel logged (the profile lacked them) → programs that made them */
  denials: Record<string, string[]>;
  result: ReplayResult;
}

export interface HardenResult {
  service: string;
  traceDir: string;
  output: string;
  written: boolean;
  allowed: number;
  dockerDefaultAllowed: number;
  added: Record<string, string[]>;
  rounds: HardenRound[];
  complainMode: boolean;
  /** the enforcing run: no tracer, the profile's default refuses */
  final: ReplayResult;
  refused: string[];
  /** the report beside the profile (NAME.report.json), when written */
  report?: string;
  /** what --apply changed in the compose file, one sentence each (empty: nothing to change) */
  applied: string[];
  /** the compose file --apply edited, when it edited one */
  composeFile?: string;
  /** 0 when the traces of --trace-dir were reused */
  traceWallMs: number;
  /** complain-mode replays and the enforcing run */
  replayWallMs: number;
}

const LOG_PROFILE = (p: SeccompProfile): SeccompProfile => {
  const { defaultErrnoRet: _drop, ...rest } = p;
  return { ...rest, defaultAction: 'SCMP_ACT_LOG' };
};

function kernelLogReadable(): boolean {
  try {
    readKernelLog();
    return true;
  } catch {
    return false;
  }
}

/**
 * trace → generate → replay until the kernel logs nothing the profile lacks → enforce without a
 * tracer. The profile is written only when the enforcing run reaches healthy and passes the workload.
 */
export async function hardenService(
  engine: Engine,
  project: ComposeProject,
  serviceName: string,
  o: HardenOptions,
): Promise<HardenResult> {
  const service = project.services[serviceName];
  if (!service) {
    throw new UsageError(`no service "${serviceName}" in project "${project.name}"`, {
      hint: `services: ${Object.keys(project.services).sort().join(', ')}`,
    });
  }
  const output = o.output
    ? path.resolve(o.cwd, o.output)
    : o.apply
      ? (profilePathIfNamed(project, service, o.env) ?? defaultProfilePath(project, service.name))
      : profilePathFor(project, service, o.env);
  // Refuse an --apply that cannot be done before spending minutes on the trace.
  if (o.apply) planApply(project, service, output);
  const workload = {
    exec: o.exec,
    workload: o.workload,
    durationMs: o.durationMs,
    waitHealthy: o.waitHealthy,
  };
  if (o.exec.length === 0 && !o.workload && !o.durationMs) {
    throw new UsageError('harden needs a workload to replay', {
      hint: 'give --exec CMD, --workload CMD or --duration D',
    });
  }

  const t0 = Date.now();
  let traceDir: string;
  if (o.traceDir) {
    traceDir = path.resolve(o.cwd, o.traceDir);
    if (!fs.existsSync(traceDir)) throw new UsageError(`trace directory ${traceDir} does not exist`);
  } else if (o.recorder === 'bpf') {
    const rec = await recordService(engine, project, serviceName, {
      ...workload,
      healthyTimeoutMs: o.healthyTimeoutMs,
      signal: o.signal,
      log: o.log,
      env: o.env,
    });
    if (rec.run.failure) {
      throw new FailureError(`recording ${serviceName} did not succeed: ${rec.run.failure}`);
    }
    traceDir = rec.outputDir;
  } else {
    const trace = await traceService(engine, project, serviceName, {
      ...workload,
      healthyTimeoutMs: o.healthyTimeoutMs,
      signal: o.signal,
      log: o.log,
      progress: o.progress,
      env: o.env,
    });
    if (trace.outcome !== 'collected') {
      throw new FailureError(`tracing ${serviceName} did not succeed: ${trace.message}`);
    }
    traceDir = trace.outputDir;
  }
  const traceWallMs = o.traceDir ? 0 : Date.now() - t0;
  const { merged, files } = await readTraces([traceDir]);
  if (Object.keys(merged.syscalls).length === 0) {
    throw new FailureError(`no syscalls found in ${files} trace file(s) under ${traceDir}`);
  }
  const extra = new Map<string, Set<string>>();
  const generate = () => {
    const g = profileForService(service, merged, o.defaultProfile, [...extra.keys()], {
      compat32: o.compat32,
    });
    if (o.withhold?.length) {
      const drop = new Set(o.withhold);
      g.profile.syscalls = (g.profile.syscalls ?? [])
        .map((r) => ({ ...r, names: (r.names ?? []).filter((n) => !drop.has(n)) }))
        .filter((r) => (r.names ?? []).length > 0 || r.name !== undefined);
    }
    return g;
  };
  let gen = generate();

  const tReplay = Date.now();
  const complainMode = kernelLogReadable();
  const rounds: HardenRound[] = [];
  if (complainMode) {
    for (let round = 1; round <= o.maxRounds; round++) {
      const cursor = kernelLogCursor();
      const result = await replayService(
        engine,
        project,
        service,
        LOG_PROFILE(gen.profile),
        { ...workload, healthyTimeoutMs: o.healthyTimeoutMs, signal: o.signal, log: o.log },
        `replay${round}`,
      );
      const logged = loggedCalls(auditRecordsSince(cursor));
      const have = new Set(allowedNames(gen.profile));
      const denials: Record<string, string[]> = {};
      for (const [name, who] of logged) if (!have.has(name)) denials[name] = [...who].sort();
      rounds.push({ round, denials, result });
      o.log.write(
        `replay ${round}: ${Object.keys(denials).length} call(s) the profile lacked${Object.keys(denials).length ? `: ${Object.keys(denials).join(' ')}` : ''}\n`,
      );
      if (Object.keys(denials).length === 0 || o.signal.aborted) break;
      for (const [name, who] of Object.entries(denials))
        extra.set(name, new Set([...(extra.get(name) ?? []), ...who]));
      // What was withheld on purpose is given back once the replay names it.
      if (o.withhold) o.withhold = o.withhold.filter((n) => !(n in denials));
      gen = generate();
    }
  } else {
    o.log.write(
      'kernel log not readable here (remote engine, or not root): no complain-mode replay, enforcing run only\n',
    );
  }

  const final = await replayService(
    engine,
    project,
    service,
    gen.profile,
    { ...workload, healthyTimeoutMs: o.healthyTimeoutMs, signal: o.signal, log: o.log },
    'enforce',
  );
  const replayWallMs = Date.now() - tReplay;
  const written = final.failure === undefined && !o.signal.aborted;
  let report: string | undefined;
  let applied: ApplyOutcome = { actions: [] };
  if (written) {
    fs.mkdirSync(path.dirname(output), { recursive: true });
    writeProfileAtomic(output, gen.profile);
    report = writeGenerationReport(output, { service: serviceName, sessions: [traceDir], ...gen.report });
    if (o.apply) applied = applyProfile(project, service, output);
  }
  return {
    service: serviceName,
    traceDir,
    output,
    written,
    allowed: allowedNames(gen.profile).length,
    dockerDefaultAllowed: allowedNames(o.defaultProfile).length,
    added: Object.fromEntries([...extra].map(([k, v]) => [k, [...v].sort()])),
    rounds,
    complainMode,
    final,
    refused: gen.report.refused.map((r) => r.name),
    report,
    applied: applied.actions,
    ...(applied.file ? { composeFile: applied.file } : {}),
    traceWallMs,
    replayWallMs,
  };
}
