import { ComposeError } from '../errors';
import { parseShortVolume } from './volumes';
import {
  formatPath,
  getOwn,
  isMap,
  Override,
  RESET,
  setOwn,
  stripMarkers,
  type Tree,
  type TreeMap,
} from './tree';

/**
 * Merging several compose files in order (compose-go `override/merge.go` and `override/uncity.go`):
 * - `command`, `entrypoint`, `healthcheck.test` are replaced;
 * - `environment`, `labels` (and the other key=value fields) merge by key, the later value wins and
 *   keeps the earlier position;
 * - sequences are appended; then `cap_add`, `cap_drop`, `profiles`, … are de-duplicated (first
 *   position kept) and `volumes` by target (later wins); `security_opt` keeps duplicates;
 * - other mappings merge key by key, a later scalar wins; `x-*` keys are replaced whole;
 * - `!reset` removes what earlier files set, `!override` replaces it without merging.
 */

type Merger = (base: Tree, over: Tree, path: string[]) => Tree;

const replace: Merger = (_base, over) => stripMarkers(over);

const SPECIAL: Array<[pattern: string, merger: Merger]> = [
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  ['services.*.environment', (b, o) => mergeKeyValues(b, o, null)],
  ['services.*.labels', (b, o) => mergeKeyValues(b, o, '')],
  ['services.*.annotations', (b, o) => mergeKeyValues(b, o, '')],
  ['services.*.sysctls', (b, o) => mergeKeyValues(b, o, '')],
  ['services.*.build.args', (b, o) => mergeKeyValues(b, o, null)],
  ['services.*.build.labels', (b, o) => mergeKeyValues(b, o, '')],
  ['services.*.deploy.labels', (b, o) => mergeKeyValues(b, o, '')],
  ['networks.*.labels', (b, o) => mergeKeyValues(b, o, '')],
  ['volumes.*.labels', (b, o) => mergeKeyValues(b, o, '')],
  ['services.*.networks', (b, o, p) => mergeMappings(namesToMap(b), namesToMap(o), p)],
  ['services.*.depends_on', (b, o, p) => mergeMappings(dependsToMap(b), dependsToMap(o), p)],
  ['services.*.env_file', (b, o) => [...toList(b), ...toList(stripMarkers(o))]],
  ['services.*.tmpfs', (b, o) => [...toList(b), ...toList(stripMarkers(o))]],
  ['services.*.dns', (b, o) => [...toList(b), ...toList(stripMarkers(o))]],
  ['services.*.dns_search', (b, o) => [...toList(b), ...toList(stripMarkers(o))]],
  ['services.*.logging', mergeLogging],
  ['services.*.ulimits.*', (b, o, p) => (isMap(b) && isMap(o) ? mergeMappings(b, o, p) : stripMarkers(o))],
];

/** Merges `over` (a later file) into `base` (the files before it); returns a new tree. */
export function mergeFiles(base: TreeMap, over: TreeMap): TreeMap {
  return enforceUnicity(mergeMappings(base, over, []));
}

/** The service-level merge used by `extends`: the extending service over the extended one. */
export function mergeService(name: string, base: TreeMap, over: TreeMap): TreeMap {
  const merged = mergeFiles({ services: { [name]: base } }, { services: { [name]: over } });
  return (merged.services as TreeMap)[name] as TreeMap;
}

export function mergeMappings(base: TreeMap, over: TreeMap, path: string[]): TreeMap {
  const out: TreeMap = {};
  for (const [k, v] of Object.entries(base)) if (v !== RESET) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    if (v === RESET) {
      delete out[k];
      continue;
    }
    const current = getOwn(out, k);
    if (current === undefined || v instanceof Override || k.startsWith('x-')) {
      setOwn(out, k, stripMarkers(v));
      continue;
    }
    setOwn(out, k, mergeValue(current, v, [...path, k]));
  }
  return out;
}

function mergeValue(base: Tree, over: Tree, path: string[]): Tree {
  const special = SPECIAL.find(([pattern]) => matches(path, pattern));
  if (special) return special[1](base, over, path);
  if (over === null && (isMap(base) || Array.isArray(base))) return base;
  if (isMap(base)) {
    if (!isMap(over)) throw cannotOverride(path);
    return mergeMappings(base, over, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw cannotOverride(path);
    return [...base, ...(stripMarkers(over) as Tree[])];
  }
  return stripMarkers(over);
}

function cannotOverride(path: string[]): ComposeError {
  return new ComposeError(`cannot override ${formatPath(path)}: the files give it different types`);
}

function matches(path: readonly string[], pattern: string): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
}

/**
 * `K=V` list or mapping → mapping. `bare` is the value of a list entry without `=`: null for
 * `environment` (taken from the shell at run time), '' for labels.
 */
export function keyValues(v: Tree, bare: null | ''): TreeMap {
  const out: TreeMap = {};
  if (Array.isArray(v)) {
    for (const entry of v) {
      if (entry === null || typeof entry === 'object' || typeof entry === 'symbol') continue;
      const s = String(entry);
      const eq = s.indexOf('=');
      if (eq < 0) setOwn(out, s, bare);
      else setOwn(out, s.slice(0, eq), s.slice(eq + 1));
    }
    return out;
  }
  if (isMap(v)) return stripMarkers(v) as TreeMap;
  return out;
}

function mergeKeyValues(base: Tree, over: Tree, bare: null | ''): TreeMap {
  const out = keyValues(base, bare);
  // redefining an existing own property keeps its position: the later value, the earlier place
  for (const [k, v] of Object.entries(keyValues(stripMarkers(over), bare))) setOwn(out, k, v);
  return out;
}

/** `[a, b]` or `{a: …}` → `{a: …}` (service networks). */
function namesToMap(v: Tree): TreeMap {
  if (Array.isArray(v)) {
    const out: TreeMap = {};
    for (const name of v) if (typeof name === 'string') setOwn(out, name, null);
    return out;
  }
  return isMap(v) ? v : {};
}

function dependsToMap(v: Tree): TreeMap {
  if (Array.isArray(v)) {
    const out: TreeMap = {};
    for (const name of v) {
      if (typeof name === 'string') setOwn(out, name, { condition: 'service_started', required: true });
    }
    return out;
  }
  return isMap(v) ? v : {};
}

function toList(v: Tree): Tree[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Logging options merge only when both files name the same driver (or one names none). */
function mergeLogging(base: Tree, over: Tree, path: string[]): Tree {
  if (!isMap(base) || !isMap(over)) return stripMarkers(over);
  const a = getOwn(base, 'driver');
  const b = getOwn(over, 'driver');
  if (a === undefined || b === undefined || a === b) return mergeMappings(base, over, path);
  return stripMarkers(over);
}

type Indexer = (entry: Tree) => string | undefined;

const byValue: Indexer = (e) => (typeof e === 'string' || typeof e === 'number' ? String(e) : undefined);
const byTarget: Indexer = (e) => {
  if (typeof e === 'string') return parseShortVolume(e)?.target;
  if (isMap(e)) {
    const t = getOwn(e, 'target');
    return typeof t === 'string' ? t : undefined;
  }
  return undefined;
};
const byPath: Indexer = (e) => {
  if (typeof e === 'string') return e;
  if (isMap(e)) {
    const p = getOwn(e, 'path');
    return typeof p === 'string' ? p : undefined;
  }
  return undefined;
};

const UNIQUE: Array<[pattern: string, indexer: Indexer]> = [
  ['services.*.cap_add', byValue],
  ['services.*.cap_drop', byValue],
  ['services.*.profiles', byValue],
  ['services.*.dns', byValue],
  ['services.*.dns_search', byValue],
  ['services.*.dns_opt', byValue],
  ['services.*.expose', byValue],
  ['services.*.links', byValue],
  ['services.*.tmpfs', byValue],
  ['services.*.networks.*.aliases', byValue],
  ['services.*.volumes', byTarget],
  ['services.*.env_file', byPath],
];

/** De-duplicates the sequences compose keeps unique; a later entry replaces an earlier one in place. */
export function enforceUnicity(tree: TreeMap): TreeMap {
  return unique(tree, []) as TreeMap;
}

function unique(v: Tree, path: string[]): Tree {
  if (isMap(v)) {
    const out: TreeMap = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, unique(x, [...path, k]));
    return out;
  }
  if (!Array.isArray(v)) return v;
  const rule = UNIQUE.find(([pattern]) => matches(path, pattern));
  if (!rule) return v;
  const out: Tree[] = [];
  const seen = new Map<string, number>();
  for (const entry of v) {
    const key = rule[1](entry);
    const at = key === undefined ? undefined : seen.get(key);
    if (at !== undefined) out[at] = entry;
    else {
      if (key !== undefined) seen.set(key, out.length);
      out.push(entry);
    }
  }
  return out;
}
