import * as fs from 'node:fs';
import { readAsset } from '../assets';
import type { ComposeProject } from '../compose/model';
import { SeccompProfile, type Excess } from '../profile';
import { excessChecker } from './excess';
import { readExemptions } from './exemptions';
import type { Finding, ServiceReport, StatusReport, VerifyReport } from './model';
import { checkService, finding } from './rules';
import {
  describeServiceSecurity,
  profileLoader,
  type Env,
  type ReadFile,
  type SecurityContext,
} from './seccomp-spec';

/**
 * The policy over a compose project: `status` (each service's seccomp and capability posture)
 * and `verify` (the rules of rules.ts, exemptions from `x-core-data`). Synchronous and free of
 * terminal concerns; files are read through `readFile`.
 */

export * from './model';
export { RULES, RULE_IDS, SEVERITIES, type RuleInfo } from './rules';
export { XCoreData, readExemptions } from './exemptions';
export { DOCKER_DEFAULT_CAPS, ALL_CAPS, effectiveCapabilities, normaliseCap } from './capabilities';
export {
  resolveSeccompSpec,
  seccompOptionValue,
  hasNoNewPrivileges,
  countAllowedSyscalls,
  type Env,
  type ReadFile,
  type SeccompSpec,
} from './seccomp-spec';

export const readFileUtf8: ReadFile = (file) => fs.readFileSync(file, 'utf8');

const REFERENCE_ASSET = 'seccomp/docker-default.json';
let reference: SeccompProfile | undefined;

/** Docker's default profile as shipped with the executable (the yardstick of profile-exceeds-default). */
export function dockerDefaultProfile(): SeccompProfile {
  reference ??= SeccompProfile.parse(JSON.parse(readAsset(REFERENCE_ASSET)));
  return reference;
}

function syscallNames(profile: SeccompProfile): Set<string> {
  return new Set((profile.syscalls ?? []).flatMap((s) => s.names ?? (s.name ? [s.name] : [])));
}

function securityContext(
  project: ComposeProject,
  env: Env,
  readFile: ReadFile,
  ref: SeccompProfile,
): SecurityContext {
  return { project, env, loadProfile: profileLoader(readFile), knownSyscalls: syscallNames(ref) };
}

/**
 * Every service's posture, or the named services' (names must exist: callers select them with
 * the compose loader's `selectServices`, which rejects unknown names).
 */
export function projectStatus(
  project: ComposeProject,
  env: Env,
  names?: readonly string[],
  readFile: ReadFile = readFileUtf8,
): StatusReport {
  const ref = dockerDefaultProfile();
  const ctx = securityContext(project, env, readFile, ref);
  const services = names?.length
    ? names.flatMap((n) => project.services[n] ?? [])
    : Object.values(project.services);
  return { project: project.name, services: services.map((s) => describeServiceSecurity(s, ctx).security) };
}

/** Checks every service of the project, whatever its compose `profiles`. */
export function verifyProject(
  project: ComposeProject,
  env: Env,
  readFile: ReadFile = readFileUtf8,
  options: { reference?: SeccompProfile } = {},
): VerifyReport {
  const ref = options.reference ?? dockerDefaultProfile();
  const ctx = securityContext(project, env, readFile, ref);
  const exemptions = readExemptions(project);
  const excessOf = excessChecker(ref);

  const findings: Finding[] = [...exemptions.findings];
  const services: ServiceReport[] = [];
  for (const service of Object.values(project.services)) {
    const { security, profile } = describeServiceSecurity(service, ctx);
    const excess: Excess[] =
      profile && security.profilePath ? excessOf(security.profilePath, profile, security.effectiveCaps) : [];
    const own = checkService({
      security,
      projectDir: project.workingDir,
      justifications: exemptions.justifications.get(service.name) ?? new Map(),
      excess,
    });
    const reason = exemptions.exempt.get(service.name) ?? null;
    if (reason === null) {
      findings.push(...own);
    } else {
      findings.push(finding({ service: service.name, rule: 'service-exempt', message: `exempt: ${reason}` }));
    }
    services.push({
      ...security,
      location: { file: service.source.file, ...(service.source.line ? { line: service.source.line } : {}) },
      exempt: reason,
      suppressed: reason === null ? [] : own,
    });
  }
  return { ok: !findings.some((f) => f.severity === 'error'), findings, services };
}
