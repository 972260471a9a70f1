import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComposeProject, ComposeService } from '../compose/model';
import { FailureError, UsageError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { effectiveCapabilities, hasNoNewPrivileges, resolveSeccompSpec, type Env } from '../policy';
import { BPF_RECORDING, BpfRecording, recordingSummary } from '../trace/bpf';
import { mergeSummaries, parseTraceSession, syscallUsers, type TraceFileSummary } from '../trace/parser';
import { diffProfiles, type ProfileDiff } from './diff';
import { generateProfile, type GenerationReport } from './generate';
import { parseProfile } from './parse';
import type { SeccompProfile } from './schema';
import { writeProfileAtomic } from './write';

/** What `generate SERVICE` did; also its `--json` output. */
export interface GenerateServiceResult {
  service: string;
  output: string;
  report: string;
  sessions: string[];
  traceFiles: number;
  unreadableLines: number;
  observed: number;
  allowed: number;
  diff: ProfileDiff;
  /** syscall → programs that made it */
  needs: Record<string, string[]>;
  generation: GenerationReport;
}

export interface GenerateServiceOptions {
  /** one session directory; default: every session under seccomp/traces/<service>/ */
  traceDir?: string;
  /** default: the path the service's security_opt (or CORE_DATA_SECCOMP_<SERVICE>) names */
  output?: string;
  env: Env;
  cwd: string;
  defaultProfile: SeccompProfile;
  /** write nothing (harden's in-memory rounds) */
  dryRun?: boolean;
  /** add the 32-bit forms even when the traces saw no 32-bit code */
  compat32?: boolean;
}

/** 32-bit code ran in the traces (an i386 or arm personality), or the caller asks for its forms. */
export function wantsCompat32(merged: TraceFileSummary, force = false): boolean {
  return force || merged.personalities.some((p) => p === 'x86' || p === 'arm');
}

export function defaultTraceRoot(project: ComposeProject, service: string): string {
  return path.join(project.workingDir, 'seccomp', 'traces', service);
}

/** The session directories to read: one given, or every one under the service's trace root. */
export function traceSessions(project: ComposeProject, service: string, traceDir?: string): string[] {
  if (traceDir) {
    if (!fs.existsSync(traceDir)) throw new UsageError(`trace directory ${traceDir} does not exist`);
    return [traceDir];
  }
  const root = defaultTraceRoot(project, service);
  const sessions = fs.existsSync(root)
    ? fs
        .readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(root, d.name))
        .sort()
    : [];
  if (sessions.length === 0) {
    throw new UsageError(`no traces for ${service} under ${root}`, {
      hint: `run \`docker coredata trace ${service}\` first, or pass --trace-dir`,
    });
  }
  return sessions;
}

/** Parses every session (one pid namespace each), then merges them. */
export async function readTraces(
  sessions: readonly string[],
): Promise<{ merged: TraceFileSummary; files: number }> {
  const summaries: TraceFileSummary[] = [];
  let files = 0;
  for (const dir of sessions) {
    const entries = fs.readdirSync(dir);
    if (entries.includes(BPF_RECORDING)) {
      // a session of the bpf recorder: counts instead of strace files
      const file = path.join(dir, BPF_RECORDING);
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
      }
      const parsed = BpfRecording.safeParse(json);
      if (!parsed.success) throw new UsageError(`${file} is not a recording of the bpf recorder`);
      files += 1;
      summaries.push(recordingSummary(parsed.data, file));
    }
    const paths = entries.filter((f) => f.endsWith('.trace')).map((f) => path.join(dir, f));
    files += paths.length;
    if (paths.length > 0) summaries.push((await parseTraceSession(paths)).merged);
  }
  return { merged: mergeSummaries(summaries), files };
}

/** Where `harden --apply` puts a profile when the service names none: ./seccomp/SERVICE.json. */
export function defaultProfilePath(project: ComposeProject, service: string): string {
  return path.join(project.workingDir, 'seccomp', `${service}.json`);
}

/** The profile file the service names (absolute), or undefined when it names none or unconfined. */
export function profilePathIfNamed(
  project: ComposeProject,
  service: ComposeService,
  env: Env,
): string | undefined {
  const spec = resolveSeccompSpec(service, env);
  if (spec.value === null || spec.value === 'unconfined') return undefined;
  return path.resolve(project.workingDir, spec.value);
}

/** The profile path the service names, relative paths from the project directory. */
export function profilePathFor(project: ComposeProject, service: ComposeService, env: Env): string {
  const named = profilePathIfNamed(project, service, env);
  if (named === undefined) {
    const spec = resolveSeccompSpec(service, env);
    throw new UsageError(
      `${service.name} names no seccomp profile file (${spec.spec ?? 'no seccomp option'})`,
      {
        hint: `pass --output PATH, add "seccomp:./seccomp/${service.name}.json" to its security_opt, or let \`harden ${service.name} --apply\` add it`,
      },
    );
  }
  return named;
}

/** NAME.report.json beside the profile NAME.json. */
export const reportPathFor = (profilePath: string): string =>
  profilePath.replace(/\.json$/, '') + '.report.json';

/** The generation report beside the profile, written atomically; returns its path. */
export function writeGenerationReport(profilePath: string, report: object): string {
  const reportPath = reportPathFor(profilePath);
  writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`, {
    what: 'the report',
    hint: 'check that the directory is writable',
  });
  return reportPath;
}

function readPrevious(file: string): SeccompProfile | undefined {
  try {
    return parseProfile(fs.readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

/** Generates from profile inputs already parsed; shared by `generate` and `harden`. */
export function profileForService(
  service: ComposeService,
  merged: TraceFileSummary,
  defaultProfile: SeccompProfile,
  extra: readonly string[] = [],
  options: { compat32?: boolean } = {},
) {
  const needs = syscallUsers(merged);
  const observed = [...Object.keys(merged.syscalls), ...extra];
  return {
    needs,
    observed,
    ...generateProfile({
      observed,
      caps: effectiveCapabilities(service.cap_add, service.cap_drop, service.privileged),
      noNewPrivileges: hasNoNewPrivileges(service.security_opt),
      defaultProfile,
      observedBy: needs,
      compat32: wantsCompat32(merged, options.compat32),
    }),
  };
}

/** `generate SERVICE`: traces → profile (atomic write, previous kept on failure) + a report beside it. */
export async function generateForService(
  project: ComposeProject,
  service: ComposeService,
  options: GenerateServiceOptions,
): Promise<GenerateServiceResult> {
  const sessions = traceSessions(project, service.name, options.traceDir);
  const output = options.output
    ? path.resolve(options.cwd, options.output)
    : profilePathFor(project, service, options.env);
  const { merged, files } = await readTraces(sessions);
  if (Object.keys(merged.syscalls).length === 0) {
    throw new FailureError(`no syscalls found in ${files} trace file(s) of ${service.name}`, {
      hint: 'was the service traced long enough? see the manifest.json of each session',
    });
  }
  const {
    profile,
    report: generation,
    needs,
    observed,
  } = profileForService(service, merged, options.defaultProfile, [], { compat32: options.compat32 });
  const previous = readPrevious(output);
  let reportPath = reportPathFor(output);
  if (!options.dryRun) {
    fs.mkdirSync(path.dirname(output), { recursive: true });
    writeProfileAtomic(output, profile);
    reportPath = writeGenerationReport(output, { service: service.name, sessions, ...generation });
  }
  return {
    service: service.name,
    output,
    report: reportPath,
    sessions,
    traceFiles: files,
    unreadableLines: merged.unreadable.count,
    observed: new Set(observed).size,
    allowed: generation.allowed.length,
    diff: diffProfiles(previous, profile),
    needs,
    generation,
  };
}
