import type { SeccompAction, SeccompArg, SeccompFilter, SeccompProfile, SeccompSyscall } from './schema';

/**
 * How the engine reads a profile's rules (moby profiles/seccomp `setupSeccomp`): a rule is kept
 * unless its `excludes` match (any excluded cap held, the arch excluded, kernel ≥ excluded
 * minKernel) or its `includes` do not (a required cap missing, the arch not listed, kernel below
 * minKernel). Caps are compared by their `CAP_` names against the container's bounding set; arches
 * against the daemon's Go arch (`amd64`, `arm64`, …).
 */

/** The service's effective capabilities; `all` for privileged-like sets (`cap_add: [ALL]`). */
export interface CapSet {
  all: boolean;
  caps: ReadonlySet<string>;
}

/** `NET_ADMIN`, `cap_net_admin`, `CAP_NET_ADMIN` → `CAP_NET_ADMIN`; `ALL` makes the set total. */
export function capSet(caps: readonly string[]): CapSet {
  const out = new Set<string>();
  let all = false;
  for (const raw of caps) {
    const c = raw.trim().toUpperCase();
    if (c === '') continue;
    if (c === 'ALL' || c === 'CAP_ALL') all = true;
    else out.add(c.startsWith('CAP_') ? c : `CAP_${c}`);
  }
  return { all, caps: out };
}

export function hasCap(set: CapSet, cap: string): boolean {
  return (
    set.all ||
    set.caps.has(cap.toUpperCase().startsWith('CAP_') ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`)
  );
}

/** Kernel version as [major, minor, patch]. */
export type KernelVersion = readonly [number, number, number];

export function parseKernel(v: string): KernelVersion {
  const [a = 0, b = 0, c = 0] = v.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return [a, b, c];
}

export function compareKernel(a: KernelVersion, b: KernelVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Where a rule is evaluated; an absent field is not evaluated (its conditions are kept). */
export interface RulePoint {
  caps?: CapSet;
  /** Go arch name, as `includes.arches` writes them (`amd64`, `arm64`, `arm`, `x32`, …) */
  arch?: string;
  kernel?: KernelVersion;
}

/** Kernel/libseccomp arch names → the Go arch names profiles use. */
export function goArch(arch: string): string {
  const a = arch.toLowerCase();
  const map: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', i386: '386', i686: '386' };
  return map[a] ?? a;
}

function filterEmpty(f: SeccompFilter | undefined): boolean {
  return !f || ((f.caps?.length ?? 0) === 0 && (f.arches?.length ?? 0) === 0 && f.minKernel === undefined);
}

/** True when the engine would keep `rule` at `point` (fields of the point that are absent pass). */
export function ruleApplies(rule: SeccompSyscall, point: RulePoint): boolean {
  const ex = rule.excludes;
  const inc = rule.includes;
  if (point.arch !== undefined) {
    if (ex?.arches?.length && ex.arches.includes(point.arch)) return false;
    if (inc?.arches?.length && !inc.arches.includes(point.arch)) return false;
  }
  if (point.caps !== undefined) {
    const caps = point.caps;
    if (ex?.caps?.length && ex.caps.some((c) => hasCap(caps, c))) return false;
    if (inc?.caps?.length && !inc.caps.every((c) => hasCap(caps, c))) return false;
  }
  if (point.kernel !== undefined) {
    if (ex?.minKernel !== undefined && compareKernel(point.kernel, parseKernel(ex.minKernel)) >= 0)
      return false;
    if (inc?.minKernel !== undefined && compareKernel(point.kernel, parseKernel(inc.minKernel)) < 0)
      return false;
  }
  return true;
}

/** Actions that let the call run (LOG runs it; TRACE/NOTIFY hand the decision to someone else). */
export function actionLetsThrough(action: SeccompAction): boolean {
  return (
    action === 'SCMP_ACT_ALLOW' ||
    action === 'SCMP_ACT_LOG' ||
    action === 'SCMP_ACT_TRACE' ||
    action === 'SCMP_ACT_NOTIFY'
  );
}

export function ruleNames(rule: SeccompSyscall): string[] {
  return rule.names && rule.names.length > 0 ? rule.names : rule.name ? [rule.name] : [];
}

export function profileRules(profile: SeccompProfile): SeccompSyscall[] {
  return profile.syscalls ?? [];
}

/** Canonical text of a rule's conditions (everything but its names and comment). */
export function conditionKey(rule: SeccompSyscall): string {
  const args = (rule.args ?? []).map((a) => [a.index, a.op, a.value, a.valueTwo ?? 0]);
  const filter = (f: SeccompFilter | undefined) =>
    filterEmpty(f)
      ? null
      : [[...(f!.caps ?? [])].sort(), [...(f!.arches ?? [])].sort(), f!.minKernel ?? null];
  return JSON.stringify([
    rule.action,
    rule.errnoRet ?? null,
    args,
    filter(rule.includes),
    filter(rule.excludes),
  ]);
}

/** The conditions of a rule as a new rule for `names` (no comment, empty filters dropped). */
export function withNames(rule: SeccompSyscall, names: string[]): SeccompSyscall {
  const out: SeccompSyscall = { names, action: rule.action };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args && rule.args.length > 0) out.args = rule.args.map((a) => ({ ...a }));
  if (!filterEmpty(rule.includes)) out.includes = copyFilter(rule.includes!);
  if (!filterEmpty(rule.excludes)) out.excludes = copyFilter(rule.excludes!);
  return out;
}

function copyFilter(f: SeccompFilter): SeccompFilter {
  const out: SeccompFilter = {};
  if (f.caps?.length) out.caps = [...f.caps];
  if (f.arches?.length) out.arches = [...f.arches];
  if (f.minKernel !== undefined) out.minKernel = f.minKernel;
  return out;
}

export function describeArg(a: SeccompArg): string {
  const op: Record<string, string> = {
    SCMP_CMP_NE: '!=',
    SCMP_CMP_LT: '<',
    SCMP_CMP_LE: '<=',
    SCMP_CMP_EQ: '==',
    SCMP_CMP_GE: '>=',
    SCMP_CMP_GT: '>',
  };
  if (a.op === 'SCMP_CMP_MASKED_EQ')
    return `(arg${a.index} & 0x${a.value.toString(16)}) == ${a.valueTwo ?? 0}`;
  return `arg${a.index} ${op[a.op] ?? a.op} ${a.value}`;
}
