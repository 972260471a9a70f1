import * as path from 'node:path';
import type { ComposeProject, ComposeService } from '../compose/model';
import { seccompOverrideVar } from '../compose';
import { UsageError } from '../errors';
import { describeProfileIssues, SeccompProfile } from '../profile/schema';
import { effectiveCapabilities } from './capabilities';
import type { AllowedSyscalls, SeccompSource, ServiceSecurity } from './model';

/**
 * Which seccomp profile a service runs under and where that choice came from (DESIGN §3): an
 * exported `CORE_DATA_SECCOMP_<SERVICE>` overrides the compose file's `security_opt`. Pure: files
 * are read through the reader the caller passes in.
 */

export type Env = Record<string, string | undefined>;
/** Reads a file as UTF-8; throws a Node error with `code` (ENOENT…) when it cannot. */
export type ReadFile = (file: string) => string;

export interface SeccompSpec {
  source: SeccompSource;
  envVar: string;
  /** the option as written, e.g. `seccomp:seccomp/postgres.json`; null when none */
  spec: string | null;
  /** `unconfined`, or the path as written; null when none */
  value: string | null;
}

const SECCOMP_OPTION = /^seccomp[:=](.*)$/s;

/** The value of a `seccomp:…`/`seccomp=…` security option, undefined for other options. */
export function seccompOptionValue(option: string): string | undefined {
  return SECCOMP_OPTION.exec(option.trim())?.[1]?.trim();
}

/** The resolved spec: an exported override wins over compose; the last compose entry wins (as in Docker). */
export function resolveSeccompSpec(
  service: Pick<ComposeService, 'name' | 'security_opt'>,
  env: Env,
): SeccompSpec {
  const envVar = seccompOverrideVar(service.name);
  const override = env[envVar];
  if (override !== undefined && override.trim() !== '') {
    const value = seccompOptionValue(override);
    if (value === undefined || value === '') {
      throw new UsageError(`${envVar}="${override}" is not a seccomp option`, {
        hint: `set ${envVar} to seccomp:PATH (or seccomp=PATH), or seccomp:unconfined; unset it to use the compose file`,
      });
    }
    return { source: 'env', envVar, spec: override.trim(), value };
  }
  const fromCompose = service.security_opt.filter((o) => seccompOptionValue(o) !== undefined).at(-1);
  if (fromCompose === undefined) return { source: 'none', envVar, spec: null, value: null };
  return {
    source: 'compose',
    envVar,
    spec: fromCompose.trim(),
    value: seccompOptionValue(fromCompose) ?? '',
  };
}

/** `no-new-privileges`, `no-new-privileges:true`, `no-new-privileges=true` (the last entry wins). */
export function hasNoNewPrivileges(securityOpt: readonly string[]): boolean {
  let on = false;
  for (const opt of securityOpt) {
    const m = /^no-new-privileges(?:[:=](.*))?$/i.exec(opt.trim());
    if (m) on = m[1] === undefined || m[1].trim().toLowerCase() === 'true';
  }
  return on;
}

export type ProfileLoad =
  { state: 'present'; profile: SeccompProfile } | { state: 'missing' | 'invalid'; problems: string[] };

/** Reads and parses profiles, each path once however many services share it. */
export function profileLoader(readFile: ReadFile): (file: string) => ProfileLoad {
  const cache = new Map<string, ProfileLoad>();
  return (file) => {
    let load = cache.get(file);
    if (load === undefined) {
      load = loadProfile(file, readFile);
      cache.set(file, load);
    }
    return load;
  };
}

function loadProfile(file: string, readFile: ReadFile): ProfileLoad {
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { state: 'missing', problems: [`${file} does not exist`] };
    return { state: 'invalid', problems: [`cannot read ${file}: ${(e as Error).message}`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { state: 'invalid', problems: [`not JSON: ${(e as Error).message}`] };
  }
  const parsed = SeccompProfile.safeParse(json);
  return parsed.success
    ? { state: 'present', profile: parsed.data }
    : { state: 'invalid', problems: describeProfileIssues(parsed.error) };
}

/**
 * How many syscalls a profile lets through. With a denying defaultAction: the distinct names of
 * SCMP_ACT_ALLOW rules (conditional ones included). With an allowing defaultAction: every name of
 * `known` that no unconditional rule denies.
 */
export function countAllowedSyscalls(profile: SeccompProfile, known: ReadonlySet<string>): AllowedSyscalls {
  const names = (s: { name?: string; names?: string[] }) => s.names ?? (s.name ? [s.name] : []);
  const rules = profile.syscalls ?? [];
  if (profile.defaultAction === 'SCMP_ACT_ALLOW' || profile.defaultAction === 'SCMP_ACT_LOG') {
    const denied = new Set<string>();
    for (const r of rules) {
      const unconditional = !r.args?.length && !r.includes && !r.excludes;
      if (unconditional && r.action !== 'SCMP_ACT_ALLOW' && r.action !== 'SCMP_ACT_LOG')
        names(r).forEach((n) => denied.add(n));
    }
    const universe = new Set([...known, ...rules.flatMap(names)]);
    return { count: [...universe].filter((n) => !denied.has(n)).length, basis: 'default-allow' };
  }
  const allowed = new Set(rules.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap(names));
  return { count: allowed.size, basis: 'allow-rules' };
}

export interface SecurityContext {
  project: Pick<ComposeProject, 'workingDir'>;
  env: Env;
  loadProfile: (file: string) => ProfileLoad;
  /** syscall names the `default-allow` count starts from (Docker's default profile's names) */
  knownSyscalls: ReadonlySet<string>;
}

/** A service's resolved seccomp spec and profile state, NNP, capabilities. */
export function describeServiceSecurity(
  service: ComposeService,
  ctx: SecurityContext,
): { security: ServiceSecurity; profile?: SeccompProfile } {
  const spec = resolveSeccompSpec(service, ctx.env);
  const base = {
    service: service.name,
    profiles: service.profiles,
    source: spec.source,
    envVar: spec.envVar,
    spec: spec.spec,
    noNewPrivileges: hasNoNewPrivileges(service.security_opt),
    privileged: service.privileged,
    capDrop: service.cap_drop,
    capAdd: service.cap_add,
    effectiveCaps: effectiveCapabilities(service.cap_add, service.cap_drop, service.privileged),
  };
  const none = { profilePath: null, problems: [], allowedSyscalls: null };
  if (spec.value === null) return { security: { ...base, ...none, state: 'none' } };
  if (spec.value === 'unconfined') return { security: { ...base, ...none, state: 'unconfined' } };
  if (spec.value === '') {
    return {
      security: { ...base, ...none, state: 'invalid', problems: ['the seccomp option names no profile'] },
    };
  }
  const profilePath = path.resolve(ctx.project.workingDir, spec.value);
  const load = ctx.loadProfile(profilePath);
  if (load.state !== 'present') {
    return {
      security: { ...base, profilePath, state: load.state, problems: load.problems, allowedSyscalls: null },
    };
  }
  return {
    security: {
      ...base,
      profilePath,
      state: 'present',
      problems: [],
      allowedSyscalls: countAllowedSyscalls(load.profile, ctx.knownSyscalls),
    },
    profile: load.profile,
  };
}
