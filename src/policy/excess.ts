import { findExcess, type Excess, type SeccompProfile, type SeccompSyscall } from '../profile';

/**
 * What a service's profile allows beyond the reference (Docker's default), per `findExcess`.
 * Profiles made only of the reference's own rules — each rule one of the reference's with some of
 * its names, conditions untouched, the same default action — cannot allow more than the reference
 * at any arch, kernel or capability set, so the full comparison is skipped for them. Generated
 * profiles have that shape. Results are shared by services with the same profile and capabilities.
 */
export function excessChecker(
  reference: SeccompProfile,
): (key: string, profile: SeccompProfile, caps: string[]) => Excess[] {
  const namesByRule = new Map<string, Set<string>>();
  for (const rule of reference.syscalls ?? []) {
    const sig = conditions(rule);
    const names = namesByRule.get(sig) ?? new Set<string>();
    ruleNames(rule).forEach((n) => names.add(n));
    namesByRule.set(sig, names);
  }
  const madeOfReferenceRules = (profile: SeccompProfile): boolean =>
    profile.defaultAction === reference.defaultAction &&
    (profile.syscalls ?? []).every((rule) => {
      const names = namesByRule.get(conditions(rule));
      return names !== undefined && ruleNames(rule).every((n) => names.has(n));
    });

  const cache = new Map<string, Excess[]>();
  return (key, profile, caps) => {
    const cacheKey = `${key}\0${[...caps].sort().join(',')}`;
    let excess = cache.get(cacheKey);
    if (excess === undefined) {
      excess = madeOfReferenceRules(profile) ? [] : findExcess(profile, reference, { caps });
      cache.set(cacheKey, excess);
    }
    return excess;
  };
}

function ruleNames(rule: SeccompSyscall): string[] {
  return rule.names ?? (rule.name ? [rule.name] : []);
}

/** Everything of a rule but its names (and comment): action and the conditions it applies under. */
function conditions(rule: SeccompSyscall): string {
  const filter = (f: SeccompSyscall['includes']) => (f && Object.keys(f).length > 0 ? f : null);
  return JSON.stringify([
    rule.action,
    rule.errnoRet ?? null,
    rule.args ?? [],
    filter(rule.includes),
    filter(rule.excludes),
  ]);
}
