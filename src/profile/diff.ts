import { actionLetsThrough, conditionKey, profileRules, ruleNames } from './rules';
import type { SeccompProfile } from './schema';

export interface ProfileDiff {
  /** names the next profile lets through and the previous one did not */
  added: string[];
  /** names the previous profile let through and the next one does not */
  removed: string[];
  /** names both let through, under different conditions (args, arches, caps, kernel) */
  changed: string[];
}

/** Per allowed name, the sorted condition keys of the rules that let it through. */
function allowedConditions(profile: SeccompProfile | undefined): Map<string, string> {
  const byName = new Map<string, string[]>();
  for (const rule of profile ? profileRules(profile) : []) {
    if (!actionLetsThrough(rule.action)) continue;
    const key = conditionKey(rule);
    for (const name of ruleNames(rule)) byName.set(name, [...(byName.get(name) ?? []), key]);
  }
  return new Map([...byName].map(([n, keys]) => [n, JSON.stringify([...new Set(keys)].sort())]));
}

/** What changed between two profiles, by allowed syscall name. `prev` may be absent (first write). */
export function diffProfiles(prev: SeccompProfile | undefined, next: SeccompProfile): ProfileDiff {
  const a = allowedConditions(prev);
  const b = allowedConditions(next);
  const sorted = (xs: string[]) => xs.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    added: sorted([...b.keys()].filter((n) => !a.has(n))),
    removed: sorted([...a.keys()].filter((n) => !b.has(n))),
    changed: sorted([...b.keys()].filter((n) => a.has(n) && a.get(n) !== b.get(n))),
  };
}
