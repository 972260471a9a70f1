import { runtimeBaseline } from './baseline';
import { crossArchEquivalents } from './equivalents';
import {
  actionLetsThrough,
  capSet,
  conditionKey,
  profileRules,
  ruleApplies,
  ruleNames,
  withNames,
  type CapSet,
} from './rules';
import { SeccompProfile, type SeccompSyscall } from './schema';
import { isKnownSyscall } from './syscalls';

/** Errno a call gets when not allowed: EPERM, like Docker's default. */
export const DEFAULT_ERRNO = 1;
/** ENOSYS: what callers that probe for a newer syscall fall back on. */
export const ENOSYS = 38;
/**
 * Calls glibc and runc probe and fall back from when they get ENOSYS (clone3 → clone, openat2 →
 * openat, statx → fstatat, faccessat2 → faccessat, close_range → close loop). EPERM would be taken
 * as a real failure.
 */
export const ENOSYS_PROBES: readonly string[] = ['clone3', 'close_range', 'faccessat2', 'openat2', 'statx'];

/** amd64 with its 32-bit and x32 ABIs, arm64 with 32-bit arm: the arches the tables cover. */
export const GENERATED_ARCH_MAP = [
  { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
  { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
] as const;

export interface GenerateInput {
  /** syscall names the trace saw */
  observed: ReadonlySet<string> | readonly string[];
  /** the service's effective capabilities after cap_drop/cap_add (`[]` for cap_drop: [ALL]) */
  caps: readonly string[];
  /** whether the service runs with `no-new-privileges` (then runc needs less under the filter) */
  noNewPrivileges: boolean;
  /** the reference: Docker's default profile (seccomp/docker-default.json) */
  defaultProfile: SeccompProfile;
  /** syscall → programs that made it, for the report (see `syscallUsers` of the trace parser) */
  observedBy?: Readonly<Record<string, readonly string[]>>;
  /** add the runtime baseline (default true; false only to show what it is for) */
  runtimeBaseline?: boolean;
  /**
   * 32-bit code may run (the trace saw an i386/arm personality, or the user says so): add the
   * 32-bit forms of every call too. Default false: the 64-bit forms of amd64 and arm64 only.
   */
  compat32?: boolean;
}

/** Why a syscall is in the profile. */
export type AllowReason =
  | { kind: 'observed'; executables: string[] }
  | { kind: 'baseline'; detail: string }
  | { kind: 'equivalent'; of: string[] };

export interface GenerationReport {
  /** every allowed syscall with its reasons, by name */
  allowed: { name: string; reasons: AllowReason[] }[];
  /** wanted (observed, baseline or equivalent) but refused by Docker's default for these caps */
  refused: { name: string; reason: string }[];
  /** observed names no syscall table knows (e.g. unresolved `syscall_0x…`) */
  unknown: string[];
  /** answered with ENOSYS instead of EPERM */
  enosys: string[];
  noNewPrivileges: boolean;
  /** whether the 32-bit forms were added */
  compat32: boolean;
  /** the caps the default's conditions were evaluated with, normalised */
  caps: string[];
}

export interface GenerateResult {
  profile: SeccompProfile;
  report: GenerationReport;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A minimal profile for one service: observed ∪ runtime baseline ∪ cross-arch equivalents, each
 * allowed only under the conditions Docker's default allows it (argument masks, arches,
 * minKernel, required caps kept as they are), so the output never allows what the default would
 * refuse. Pure and deterministic.
 */
export function generateProfile(input: GenerateInput): GenerateResult {
  const caps = capSet(input.caps);
  const reasons = new Map<string, AllowReason[]>();
  const want = (name: string, reason: AllowReason): void => {
    const list = reasons.get(name);
    if (list) list.push(reason);
    else reasons.set(name, [reason]);
  };

  const rules = profileRules(input.defaultProfile);
  // newer than our tables (libseccomp) but named by the default: the engine's libseccomp may know it
  const defaultNames = new Set(rules.flatMap(ruleNames));
  const unknown: string[] = [];
  for (const name of new Set(input.observed)) {
    if (!isKnownSyscall(name) && !defaultNames.has(name)) {
      unknown.push(name);
      continue;
    }
    want(name, { kind: 'observed', executables: [...(input.observedBy?.[name] ?? [])].sort(byString) });
  }
  for (const entry of input.runtimeBaseline === false ? [] : runtimeBaseline(input.noNewPrivileges)) {
    want(entry.name, { kind: 'baseline', detail: entry.reason });
  }
  // A thread ends with `exit`, a process with `exit_group`. A trace of single-threaded work never
  // shows `exit`, yet denied, glibc's thread exit retries it forever: a hang, never an error.
  if (reasons.has('exit_group') && !reasons.has('exit')) {
    want('exit', { kind: 'baseline', detail: 'thread exit: denied, glibc retries it forever (a hang)' });
  }
  for (const [name, of] of crossArchEquivalents([...reasons.keys()], {
    compat32: input.compat32 ?? false,
  }))
    want(name, { kind: 'equivalent', of });

  const allowRules = new Map<string, SeccompSyscall[]>();
  const refused: GenerationReport['refused'] = [];
  for (const name of [...reasons.keys()].sort(byString)) {
    const applicable = rules.filter(
      (r) => actionLetsThrough(r.action) && ruleNames(r).includes(name) && ruleApplies(r, { caps }),
    );
    if (applicable.length > 0) allowRules.set(name, applicable);
    else refused.push({ name, reason: refusalReason(name, rules, caps) });
  }
  for (const r of refused) reasons.delete(r.name);

  // Group names by the default rule (conditions) that allows them, in the default's rule order.
  const groups = new Map<string, { rule: SeccompSyscall; names: Set<string> }>();
  for (const rule of rules) {
    for (const name of ruleNames(rule)) {
      if (!allowRules.get(name)?.includes(rule)) continue;
      const key = conditionKey(rule);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { rule, names: new Set() }));
      group.names.add(name);
    }
  }
  const syscalls: SeccompSyscall[] = [...groups.values()].map((g) =>
    withNames(g.rule, [...g.names].sort(byString)),
  );
  const enosys = ENOSYS_PROBES.filter((n) => !allowRules.has(n));
  if (enosys.length > 0) syscalls.push({ names: [...enosys], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });

  const profile = SeccompProfile.parse({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: DEFAULT_ERRNO,
    archMap: GENERATED_ARCH_MAP.map((a) => ({
      architecture: a.architecture,
      subArchitectures: [...a.subArchitectures],
    })),
    syscalls,
  });

  const report: GenerationReport = {
    allowed: [...allowRules.keys()]
      .sort(byString)
      .map((name) => ({ name, reasons: reasons.get(name) ?? [] })),
    refused,
    unknown: unknown.sort(byString),
    enosys,
    noNewPrivileges: input.noNewPrivileges,
    compat32: input.compat32 ?? false,
    caps: caps.all ? ['ALL'] : [...caps.caps].sort(byString),
  };
  return { profile, report };
}

function refusalReason(name: string, rules: SeccompSyscall[], caps: CapSet): string {
  const withCaps = rules.filter((r) => actionLetsThrough(r.action) && ruleNames(r).includes(name));
  if (withCaps.length === 0) return "not allowed by Docker's default profile";
  const needs = withCaps
    .map((r) => (r.includes?.caps ?? []).filter((c) => !caps.all && !caps.caps.has(c.toUpperCase())))
    .filter((missing) => missing.length > 0)
    .map((missing) => missing.join('+'));
  return needs.length > 0
    ? `Docker's default allows it only with ${[...new Set(needs)].join(' or ')}`
    : "not allowed by Docker's default profile for these capabilities";
}
