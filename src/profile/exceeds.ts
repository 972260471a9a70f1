import {
  actionLetsThrough,
  capSet,
  compareKernel,
  describeArg,
  goArch,
  parseKernel,
  profileRules,
  ruleApplies,
  ruleNames,
  type CapSet,
  type KernelVersion,
  type RulePoint,
} from './rules';
import type { SeccompArg, SeccompProfile } from './schema';

/** Something a profile allows that the reference would refuse. */
export interface Excess {
  /** the syscall, or `*` for the default action */
  syscall: string;
  reason: string;
}

export interface ExcessContext {
  /** the service's effective capabilities (`[]` for cap_drop: [ALL]) */
  caps: readonly string[];
  /** evaluate for one arch only (`amd64`/`x86_64`, `arm64`/`aarch64`, …); default: every arch that matters */
  arch?: string;
}

/** Arches every profile is checked for, besides those its rules name. */
const BASE_ARCHES = ['amd64', 'arm64'];
/** An arch no rule names: what holds "elsewhere". */
const OTHER_ARCH = '(other)';
const U64_MAX = (1n << 64n) - 1n;

/** One comparison, in 64-bit unsigned arithmetic. */
interface Cond {
  index: number;
  op: SeccompArg['op'];
  value: bigint;
  valueTwo: bigint;
}

/** When a syscall is let through: always, or when any of these conjunctions holds. */
type Permission = 'always' | Cond[][];

interface Effective {
  /** the default action lets every unlisted call through */
  defaultLetsThrough: boolean;
  allowed: Map<string, Permission>;
}

/**
 * Everything `profile` allows — a name, or argument values — that `reference` (Docker's default)
 * would refuse for a service with `ctx.caps`. Both profiles are evaluated the way the engine does
 * (includes/excludes caps, arches, minKernel) at every arch and kernel version where the outcome can
 * differ. Argument conditions are compared exactly for the operators Docker's default uses (==,
 * masked ==, <, >); a profile condition is accepted when one reference rule implies it.
 */
export function findExcess(profile: SeccompProfile, reference: SeccompProfile, ctx: ExcessContext): Excess[] {
  const caps = capSet(ctx.caps);
  const arches = ctx.arch !== undefined ? [goArch(ctx.arch)] : archPoints(profile, reference);
  const kernels = kernelPoints(profile, reference);
  const found = new Map<
    string,
    { syscall: string; reason: string; arches: Set<string>; kernels: Set<number> }
  >();
  const note = (syscall: string, reason: string, arch: string, kernel: number): void => {
    const key = `${syscall}\0${reason}`;
    let e = found.get(key);
    if (!e) found.set(key, (e = { syscall, reason, arches: new Set(), kernels: new Set() }));
    e.arches.add(arch);
    e.kernels.add(kernel);
  };

  for (const arch of arches) {
    kernels.forEach((kernel, k) => {
      const point: RulePoint = { caps, arch, kernel };
      const mine = effective(profile, point);
      const ref = effective(reference, point);
      if (ref.defaultLetsThrough) return;
      if (mine.defaultLetsThrough) {
        note(
          '*',
          `default action ${profile.defaultAction} lets through every syscall the reference refuses`,
          arch,
          k,
        );
      }
      for (const [name, permission] of mine.allowed) {
        const allowedByRef = ref.allowed.get(name);
        if (!allowedByRef) {
          note(name, refusal(name, reference, { arch, kernel }, caps), arch, k);
          continue;
        }
        if (allowedByRef === 'always') continue;
        if (permission === 'always') {
          note(name, `allowed for any arguments; the reference only when ${describe(allowedByRef)}`, arch, k);
          continue;
        }
        for (const conj of permission) {
          if (!allowedByRef.some((r) => impliesAll(conj, r))) {
            note(
              name,
              `allowed when ${describeConj(conj)}; the reference only when ${describe(allowedByRef)}`,
              arch,
              k,
            );
          }
        }
      }
    });
  }

  return [...found.values()]
    .map((e) => ({ syscall: e.syscall, reason: e.reason + qualifier(e.arches, arches, e.kernels, kernels) }))
    .sort((a, b) => (a.syscall < b.syscall ? -1 : a.syscall > b.syscall ? 1 : a.reason < b.reason ? -1 : 1));
}

function effective(profile: SeccompProfile, point: RulePoint): Effective {
  const allowed = new Map<string, Permission>();
  for (const rule of profileRules(profile)) {
    if (!actionLetsThrough(rule.action) || !ruleApplies(rule, point)) continue;
    const conj = (rule.args ?? []).map(toCond);
    for (const name of ruleNames(rule)) {
      const prev = allowed.get(name);
      if (prev === 'always') continue;
      if (conj.length === 0) allowed.set(name, 'always');
      else allowed.set(name, [...(prev ?? []), conj]);
    }
  }
  return { defaultLetsThrough: actionLetsThrough(profile.defaultAction), allowed };
}

function toCond(a: SeccompArg): Cond {
  return { index: a.index, op: a.op, value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) };
}

function holds(c: Cond, x: bigint): boolean {
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      return x === c.value;
    case 'SCMP_CMP_NE':
      return x !== c.value;
    case 'SCMP_CMP_LT':
      return x < c.value;
    case 'SCMP_CMP_LE':
      return x <= c.value;
    case 'SCMP_CMP_GT':
      return x > c.value;
    case 'SCMP_CMP_GE':
      return x >= c.value;
    case 'SCMP_CMP_MASKED_EQ':
      return (x & c.value) === c.valueTwo;
  }
}

/** Every argument vector satisfying `conj` satisfies every condition of `target`. */
function impliesAll(conj: Cond[], target: Cond[]): boolean {
  return target.every((t) => implies(conj, t));
}

/** Sound (never says yes wrongly), exact for intervals, single values and masks. */
function implies(conj: Cond[], t: Cond): boolean {
  const on = conj.filter((c) => c.index === t.index);
  const eq = on.find((c) => c.op === 'SCMP_CMP_EQ');
  if (eq) return !on.every((c) => holds(c, eq.value)) || holds(t, eq.value);
  let lo = 0n;
  let hi = U64_MAX;
  for (const c of on) {
    if (c.op === 'SCMP_CMP_LT') hi = min(hi, c.value - 1n);
    if (c.op === 'SCMP_CMP_LE') hi = min(hi, c.value);
    if (c.op === 'SCMP_CMP_GT') lo = max(lo, c.value + 1n);
    if (c.op === 'SCMP_CMP_GE') lo = max(lo, c.value);
  }
  if (lo > hi) return true; // nothing satisfies conj
  const masks = on.filter((c) => c.op === 'SCMP_CMP_MASKED_EQ');
  switch (t.op) {
    case 'SCMP_CMP_LT':
      return hi < t.value;
    case 'SCMP_CMP_LE':
      return hi <= t.value;
    case 'SCMP_CMP_GT':
      return lo > t.value;
    case 'SCMP_CMP_GE':
      return lo >= t.value;
    case 'SCMP_CMP_EQ':
      return lo === hi && lo === t.value;
    case 'SCMP_CMP_NE':
      return (
        t.value < lo ||
        t.value > hi ||
        on.some((c) => c.op === 'SCMP_CMP_NE' && c.value === t.value) ||
        masks.some((m) => (t.value & m.value) !== m.valueTwo)
      );
    case 'SCMP_CMP_MASKED_EQ':
      return (
        (lo === hi && (lo & t.value) === t.valueTwo) ||
        masks.some((m) => (t.value & m.value) === t.value && (m.valueTwo & t.value) === t.valueTwo)
      );
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function describeConj(conj: Cond[]): string {
  return conj
    .map((c) =>
      describeArg({ index: c.index, op: c.op, value: Number(c.value), valueTwo: Number(c.valueTwo) }),
    )
    .join(' && ');
}

function describe(p: Permission): string {
  return p === 'always' ? 'always' : p.map(describeConj).join(' || ');
}

function refusal(name: string, reference: SeccompProfile, point: RulePoint, caps: CapSet): string {
  const candidates = profileRules(reference).filter(
    (r) => actionLetsThrough(r.action) && ruleNames(r).includes(name),
  );
  const capNeeds = candidates
    .filter((r) => ruleApplies(r, { arch: point.arch, kernel: point.kernel }))
    .map((r) => (r.includes?.caps ?? []).filter((c) => !caps.all && !caps.caps.has(c.toUpperCase())))
    .filter((m) => m.length > 0)
    .map((m) => m.join('+'));
  if (capNeeds.length > 0) return `the reference allows it only with ${[...new Set(capNeeds)].join(' or ')}`;
  if (candidates.length > 0)
    return "not allowed by the reference here (its rule's arch or kernel conditions do not hold)";
  return 'not allowed by the reference';
}

/** Go arches where outcomes can differ: the ones rules name, the common two, and "any other". */
function archPoints(...profiles: SeccompProfile[]): string[] {
  const named = new Set(BASE_ARCHES);
  for (const p of profiles) {
    for (const r of profileRules(p)) {
      for (const a of [...(r.includes?.arches ?? []), ...(r.excludes?.arches ?? [])]) named.add(a);
    }
  }
  return [...[...named].sort(), OTHER_ARCH];
}

/** The lowest kernel and every minKernel either profile names: one point per interval. */
function kernelPoints(...profiles: SeccompProfile[]): KernelVersion[] {
  const points: KernelVersion[] = [[0, 0, 0]];
  for (const p of profiles) {
    for (const r of profileRules(p)) {
      for (const v of [r.includes?.minKernel, r.excludes?.minKernel]) {
        if (v !== undefined) points.push(parseKernel(v));
      }
    }
  }
  const seen = new Set<string>();
  return points
    .sort(compareKernel)
    .filter((k) => (seen.has(k.join('.')) ? false : (seen.add(k.join('.')), true)));
}

const kernelText = (k: KernelVersion): string => (k[2] ? k.join('.') : `${k[0]}.${k[1]}`);

function qualifier(
  hitArches: Set<string>,
  allArches: string[],
  hitKernels: Set<number>,
  allKernels: KernelVersion[],
): string {
  const parts: string[] = [];
  if (hitArches.size < allArches.length) {
    parts.push(`on ${[...hitArches].map((a) => (a === OTHER_ARCH ? 'other arches' : a)).join(', ')}`);
  }
  if (hitKernels.size < allKernels.length) {
    const idx = [...hitKernels].sort((a, b) => a - b);
    const last = idx[idx.length - 1]!;
    const contiguousFromStart = idx.every((v, k) => v === k);
    if (contiguousFromStart && last + 1 < allKernels.length) {
      parts.push(`on kernels older than ${kernelText(allKernels[last + 1]!)}`);
    } else {
      parts.push(`on kernels ${idx.map((k) => `≥ ${kernelText(allKernels[k]!)}`).join(', ')}`);
    }
  }
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** Every name some rule of `profile` lets through (whatever its conditions), sorted. */
export function allowedNames(profile: SeccompProfile): string[] {
  const names = new Set<string>();
  for (const rule of profileRules(profile))
    if (actionLetsThrough(rule.action)) ruleNames(rule).forEach((n) => names.add(n));
  return [...names].sort();
}
