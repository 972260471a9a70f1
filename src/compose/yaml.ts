import {
  Alias,
  isAlias,
  isMap as isYamlMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node as YamlNode,
  type CollectionTag,
  type ScalarTag,
} from 'yaml';
import { ComposeError } from '../errors';
import { interpolate, InterpolationError, type Lookup } from './interpolate';
import { formatPath, isMap, Override, RESET, setOwn, type SourcePos, type Tree, type TreeMap } from './tree';

/**
 * One compose file → trees (one per YAML document), as compose-go reads it: anchors and aliases,
 * `<<` merge keys, `!reset`/`!override` tags, and interpolation of every string value (never keys),
 * before any merging. Every key's position is kept so later stages can point at the source.
 */

export interface ParsedDocument {
  file: string;
  root: TreeMap;
  /** position of each mapping key and sequence item, by path (see `pathKey`) */
  keys: Map<string, SourcePos>;
}

export interface YamlOptions {
  /** interpolation lookup; when absent, strings are kept as written */
  lookup?: Lookup;
  onUnset?: (name: string) => void;
}

/** compose's `!reset`/`!override` tags (the loader and compose/apply parse with the same). */
export const COMPOSE_TAGS: Array<ScalarTag | CollectionTag> = ['!reset', '!override'].flatMap((tag) => [
  { tag, resolve: (s: string) => s } satisfies ScalarTag,
  { tag, collection: 'map', nodeClass: YAMLMap } satisfies CollectionTag,
  { tag, collection: 'seq', nodeClass: YAMLSeq } satisfies CollectionTag,
]);

/** Guards against alias bombs: compose files are small, expanded trees beyond this are not. */
const MAX_NODES = 1_000_000;

export function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

export function parseComposeYaml(text: string, file: string, options: YamlOptions = {}): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    merge: true,
    customTags: COMPOSE_TAGS,
    prettyErrors: false,
  });
  const list = Array.isArray(docs) ? docs : [docs];
  const parsed: ParsedDocument[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      throw new ComposeError(error.message.split('\n')[0]!, { file, line, column: col });
    }
    if (doc.contents === null) continue;
    const walker = new Walker(doc, file, lineCounter, options);
    const root = walker.walk(doc.contents as YamlNode, []);
    if (!isMap(root)) {
      const pos = walker.pos(doc.contents as YamlNode);
      throw new ComposeError('top-level object must be a mapping', { file, ...pos });
    }
    parsed.push({ file, root, keys: walker.keys });
  }
  return parsed;
}

class Walker {
  readonly keys = new Map<string, SourcePos>();
  private nodes = 0;
  private readonly active = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly options: YamlOptions,
  ) {}

  pos(node: { range?: readonly number[] | null } | null | undefined): { line?: number; column?: number } {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** `tags: false` reads a node as if untagged (the content of an `!override`). */
  walk(node: YamlNode | null | undefined, path: string[], tags = true): Tree {
    if (node === null || node === undefined) return null;
    if (++this.nodes > MAX_NODES) {
      throw new ComposeError('too many nodes after expanding aliases', {
        file: this.file,
        ...this.pos(node),
      });
    }
    if (isAlias(node)) return this.walkAlias(node, path);
    if (tags && node.tag === '!reset') return RESET;
    if (tags && node.tag === '!override') return new Override(this.walk(node, path, false));
    if (isScalar(node)) return this.scalar(node.value, node, path);
    if (isSeq(node)) {
      return node.items
        .map((item, i) => {
          const itemPath = [...path, String(i)];
          this.record(itemPath, item as YamlNode);
          return this.walk(item as YamlNode, itemPath);
        })
        .filter((v) => v !== RESET);
    }
    if (isYamlMap(node)) return this.mapping(node as YAMLMap<YamlNode, YamlNode>, path);
    throw new ComposeError('unsupported YAML node', { file: this.file, ...this.pos(node) });
  }

  /** Remembers where a key (or sequence item) is; the first position wins for aliased content. */
  private record(path: string[], node: YamlNode | null | undefined): void {
    const key = pathKey(path);
    const { line, column } = this.pos(node);
    if (line !== undefined && !this.keys.has(key)) this.keys.set(key, { line, column: column ?? 1 });
  }

  private walkAlias(node: Alias, path: string[]): Tree {
    const target = node.resolve(this.doc) as YamlNode | undefined;
    if (!target)
      throw new ComposeError(`unknown alias *${node.source}`, { file: this.file, ...this.pos(node) });
    if (this.active.has(target)) {
      throw new ComposeError(`alias *${node.source} refers to itself`, {
        file: this.file,
        ...this.pos(node),
      });
    }
    this.active.add(target);
    try {
      return this.walk(target, path);
    } finally {
      this.active.delete(target);
    }
  }

  private scalar(value: unknown, node: YamlNode, path: string[]): Tree {
    if (typeof value === 'string') return this.interpolate(value, node, path);
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    if (typeof value === 'bigint') return Number(value);
    return String(value);
  }

  private interpolate(value: string, node: YamlNode, path: string[]): string {
    const { lookup } = this.options;
    if (!lookup) return value;
    try {
      return interpolate(value, lookup, { onUnset: this.options.onUnset });
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      const where = formatPath(path);
      const message =
        e.kind === 'invalid'
          ? e.message.replace('format:', `format for ${where}:`)
          : `${where}: ${e.message}`;
      throw new ComposeError(
        message,
        { file: this.file, ...this.pos(node) },
        {
          hint:
            e.kind === 'invalid'
              ? 'escape a literal $ as $$'
              : `set ${e.variable} in the environment or in .env`,
        },
      );
    }
  }

  private mapping(node: YAMLMap<YamlNode, YamlNode>, path: string[]): TreeMap {
    const out: TreeMap = {};
    const merges: YamlNode[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key;
      if (isScalar(keyNode) && keyNode.source === '<<' && keyNode.type === 'PLAIN') {
        const value = pair.value;
        if (isSeq(value)) merges.push(...(value.items as YamlNode[]));
        else if (value) merges.push(value);
        continue;
      }
      const key = this.keyOf(keyNode);
      const keyPath = [...path, key];
      this.record(keyPath, keyNode as YamlNode);
      // an explicit `key: !reset` stays as a marker, so a `<<` merge below cannot bring the key back
      setOwn(out, key, this.walk(pair.value, keyPath));
    }
    // `<<`: keys written in the mapping win; among several merged mappings the first one wins.
    for (const source of merges) {
      const merged = this.walk(source, path);
      if (!isMap(merged)) {
        throw new ComposeError(`${formatPath(path) || 'top level'}: a << merge key needs a mapping`, {
          file: this.file,
          ...this.pos(source),
        });
      }
      for (const [k, v] of Object.entries(merged)) if (!Object.hasOwn(out, k)) setOwn(out, k, v);
    }
    return out;
  }

  private keyOf(keyNode: unknown): string {
    if (isScalar(keyNode)) return keyNode.value === null ? '' : String(keyNode.value);
    throw new ComposeError('mapping keys must be scalars', {
      file: this.file,
      ...this.pos(keyNode as YamlNode),
    });
  }
}
