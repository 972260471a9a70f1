/**
 * The untyped compose tree between YAML and the model: plain JSON-like values plus the two markers
 * compose's custom tags leave for the merge (`!reset`, `!override`).
 */

export type Scalar = string | number | boolean | null;
export type TreeMap = { [key: string]: Tree };
export type Tree = Scalar | Tree[] | TreeMap | typeof RESET | Override;

/** `key: !reset …` — drop the key from what earlier files (or `<<` merges) gave. */
export const RESET: unique symbol = Symbol('compose !reset');

/** `key: !override …` — replace what earlier files gave instead of merging into it. */
export class Override {
  constructor(readonly value: Tree) {}
}

export interface SourcePos {
  line: number;
  column: number;
}

export function isMap(v: unknown): v is TreeMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Override);
}

/** Sets an own property, also for keys such as `__proto__` that plain assignment would not store. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

export function getOwn<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Resolves markers left in a value that had nothing to merge into (first file, new key). */
export function stripMarkers(v: Tree): Tree {
  if (v instanceof Override) return stripMarkers(v.value);
  if (Array.isArray(v)) return v.filter((x) => x !== RESET).map(stripMarkers);
  if (isMap(v)) {
    const out: TreeMap = {};
    for (const [k, x] of Object.entries(v)) if (x !== RESET) setOwn(out, k, stripMarkers(x));
    return out;
  }
  return v;
}

/** `services.postgres.environment` — the dotted path used in messages. */
export function formatPath(path: readonly string[]): string {
  return path.join('.');
}
