import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  isAlias,
  isMap as isYamlMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  visit,
  YAMLMap,
  YAMLSeq,
  type Alias,
  type Document,
  type Node as YamlNode,
  type Pair,
  type Scalar,
} from 'yaml';
import { ComposeError, UsageError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { getOwn, isMap, Override, RESET, type Tree, type TreeMap } from './tree';
import { COMPOSE_TAGS, parseComposeYaml, pathKey, type ParsedDocument } from './yaml';

/**
 * Points a compose service at a seccomp profile by editing the compose file's text in place:
 * `services.<name>.security_opt` gets `seccomp:PATH` (and, unless told otherwise,
 * `no-new-privileges:true`).
 *
 * The YAML Document API locates the nodes (with the same options and `!reset`/`!override` tags the
 * loader uses); the change is then spliced into the original text, so everything outside the edited
 * node stays byte-identical: comments, blank lines, quoting, anchors, `---`, key order, CRLF. The
 * result is parsed again and compared with the original, value for value: when anything but the
 * service's `security_opt` would change (a shared anchor, say), nothing is written and the caller
 * gets an error saying what to change by hand.
 *
 * `applySeccomp` and `findServiceFile` are pure; `applySeccompToFile` reads and atomically rewrites.
 */

export interface ApplySeccompInput {
  /** the compose file's text */
  source: string;
  /** its path, for messages */
  file: string;
  service: string;
  /** what follows `seccomp:`, e.g. `./seccomp/postgres.json` (relative to the project directory) */
  profile: string;
  /** default true: add `no-new-privileges:true` when the service has no no-new-privileges entry */
  noNewPrivileges?: boolean;
}

export interface ApplySeccompResult {
  /** the new text; `=== source` when nothing changed */
  text: string;
  changed: boolean;
  /** what was done, one sentence each */
  actions: string[];
  /** what was found and deliberately left alone (e.g. `no-new-privileges:false`) */
  warnings: string[];
}

const KEY = 'security_opt';

// ---------------------------------------------------------------------------------------------
// security options

type Separator = ':' | '=';

/** `${NAME:-default}` / `${NAME-default}`: the option is the default, NAME may override it. */
interface Wrapper {
  name: string;
  op: string;
}

export type SecurityOption =
  | { kind: 'seccomp'; separator: Separator; value: string; wrapper?: Wrapper }
  | { kind: 'no-new-privileges'; separator?: Separator; value?: string; wrapper?: Wrapper }
  | { kind: 'other' };

const WRAPPED = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)(.*)\}$/s;
const SECCOMP = /^seccomp([:=])(.*)$/s;
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:([:=])(.*))?$/s;

/**
 * Reads one `security_opt` entry as Docker does (`:` or `=` after the option name). An entry that
 * is a single interpolation with a default, `${VAR:-seccomp:PATH}`, is read as its default: that is
 * how the core-data example lets CORE_DATA_SECCOMP_<SERVICE> override the file.
 */
export function parseSecurityOption(entry: string): SecurityOption {
  const text = entry.trim();
  const wrapped = WRAPPED.exec(text);
  const wrapper = wrapped ? { name: wrapped[1]!, op: wrapped[2]! } : undefined;
  const inner = wrapped ? wrapped[3]!.trim() : text;
  const seccomp = SECCOMP.exec(inner);
  if (seccomp) {
    return { kind: 'seccomp', separator: seccomp[1] as Separator, value: seccomp[2]!.trim(), wrapper };
  }
  const nnp = NO_NEW_PRIVILEGES.exec(inner);
  if (nnp) {
    return {
      kind: 'no-new-privileges',
      separator: nnp[1] as Separator | undefined,
      value: nnp[2]?.trim(),
      wrapper,
    };
  }
  return { kind: 'other' };
}

function formatOption(option: SecurityOption & { kind: 'seccomp' }, value: string): string {
  const inner = `seccomp${option.separator}${value}`;
  return option.wrapper ? `\${${option.wrapper.name}${option.wrapper.op}${inner}}` : inner;
}

/** `no-new-privileges` alone, `:true`/`=true` turn it on; anything else turns it off. */
function enablesNoNewPrivileges(option: SecurityOption & { kind: 'no-new-privileges' }): boolean {
  return option.value === undefined || option.value.toLowerCase() === 'true';
}

function samePath(a: string, b: string): boolean {
  return a === b || (a !== '' && b !== '' && posix.normalize(a) === posix.normalize(b));
}

/** Compose interpolates `$`: a literal one is written `$$`. */
function checkProfile(profile: string): string {
  const value = profile.trim();
  if (value === '') throw new UsageError('the seccomp profile path is empty');
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new UsageError(`the seccomp profile path ${JSON.stringify(profile)} contains control characters`);
  }
  return value.split('$').join('$$');
}

// ---------------------------------------------------------------------------------------------
// which file / document defines the service

interface ServiceLookup {
  defined: boolean;
  hasSecurityOpt: boolean;
}

function unwrap(v: Tree | undefined): Tree | undefined {
  return v instanceof Override ? v.value : v;
}

function servicesOf(root: TreeMap): TreeMap | undefined {
  const services = unwrap(getOwn(root, 'services'));
  return isMap(services) ? services : undefined;
}

function lookupService(root: TreeMap, service: string): ServiceLookup {
  const services = servicesOf(root);
  const svc = services ? unwrap(getOwn(services, service)) : undefined;
  if (svc === undefined || svc === RESET) return { defined: false, hasSecurityOpt: false };
  return { defined: true, hasSecurityOpt: isMap(svc) && Object.hasOwn(svc, KEY) };
}

/** The last of `candidates` that defines the service's security_opt, else the last that defines it. */
function pickLast<T>(candidates: readonly T[], lookup: (c: T) => ServiceLookup): number {
  const found = candidates.map(lookup);
  const withOpt = found.findLastIndex((f) => f.hasSecurityOpt);
  return withOpt >= 0 ? withOpt : found.findLastIndex((f) => f.defined);
}

function serviceNames(docs: readonly ParsedDocument[]): string[] {
  const names = new Set<string>();
  for (const d of docs) {
    for (const [name, value] of Object.entries(servicesOf(d.root) ?? {}))
      if (value !== RESET) names.add(name);
  }
  return [...names];
}

function unknownService(service: string, where: string, known: string[]): UsageError {
  const list = known.length ? known.join(', ') : '(none)';
  return new UsageError(`no service "${service}" in ${where} (it defines: ${list})`, {
    hint: known.length ? `pick one of: ${list}` : 'the compose files define no services',
  });
}

/**
 * For `-f a.yml -f b.yml`: the file to edit for `service` — the last one that defines
 * `services.<service>.security_opt` (later files append to earlier lists and Docker uses the last
 * seccomp entry), else the last one that defines the service at all.
 */
export function findServiceFile<T extends { file: string; source: string }>(
  files: readonly T[],
  service: string,
): T {
  const parsed = files.map((f) => parseComposeYaml(f.source, f.file));
  const index = pickLast(parsed, (docs) => {
    const found = docs.map((d) => lookupService(d.root, service));
    return { defined: found.some((f) => f.defined), hasSecurityOpt: found.some((f) => f.hasSecurityOpt) };
  });
  if (index < 0) {
    const where = files.length === 1 ? files[0]!.file : files.map((f) => f.file).join(', ');
    throw unknownService(service, where, serviceNames(parsed.flat()));
  }
  return files[index]!;
}

// ---------------------------------------------------------------------------------------------
// applySeccomp

type Style = Scalar.Type;
type Context = 'block' | 'flow';

interface Item {
  node: YamlNode;
  /** the scalar the item is (an alias item resolved) */
  scalar: Scalar;
  value: Tree;
  option: SecurityOption;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** How the service gets its list: the own sequence edited in place, the own value replaced, a new key. */
type Mode =
  | { kind: 'edit'; seq: YAMLSeq }
  | { kind: 'replace'; pair: Pair; flow: boolean; tag?: string }
  | { kind: 'insert'; flow: boolean; tag?: string };

export function applySeccomp(input: ApplySeccompInput): ApplySeccompResult {
  const { source, file, service } = input;
  const profile = checkProfile(input.profile);
  const before = parseComposeYaml(source, file);
  const index = pickLast(before, (d) => lookupService(d.root, service));
  if (index < 0) {
    if (before.every((d) => servicesOf(d.root) === undefined)) {
      const written = before.find((d) => Object.hasOwn(d.root, 'services'));
      const pos = written?.keys.get(pathKey(['services']));
      if (written) throw new ComposeError('services: must be a mapping of service names', { file, ...pos });
      throw new ComposeError(
        'no services: mapping',
        { file },
        { hint: 'a compose file names its containers under a top-level services: key' },
      );
    }
    throw unknownService(service, file, serviceNames(before));
  }
  const lineCounter = new LineCounter();
  const all = parseAllDocuments(source, {
    lineCounter,
    merge: true,
    customTags: COMPOSE_TAGS,
    prettyErrors: false,
  });
  const docs = (Array.isArray(all) ? all : [all]).filter((d) => d.contents !== null);
  const doc = docs[index];
  if (!doc) throw new Error(`${file}: YAML documents out of step with the loader`);
  return new Editor(source, file, doc, lineCounter, input, profile, before, index).run();
}

class Editor {
  private readonly actions: string[] = [];
  private readonly warnings: string[] = [];
  private readonly edits: Edit[] = [];
  private readonly newline: string;
  private readonly where: string;
  private aliasTargets?: Map<YamlNode, Alias>;

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly input: ApplySeccompInput,
    private readonly profile: string,
    private readonly before: ParsedDocument[],
    private readonly docIndex: number,
  ) {
    this.newline = src.includes('\r\n') ? '\r\n' : '\n';
    this.where = `services.${input.service}.${KEY}`;
  }

  run(): ApplySeccompResult {
    const { service } = this.input;
    const serviceMap = this.serviceMap();
    const found = this.findKey(serviceMap, KEY, new Set());
    const { mode, seq, via } = this.mode(serviceMap, found);
    const items = seq ? this.items(seq) : [];
    const plan = this.plan(items);

    if (!plan.changed) return this.result(this.src, false);

    const svc = `service "${service}"`;
    if (mode.kind === 'insert' && via) {
      this.actions.unshift(
        `gave ${svc} its own ${KEY} (it used the list from ${via}, which is left unchanged)`,
      );
    } else if (mode.kind === 'replace' && via) {
      this.actions.unshift(`gave ${svc} its own ${KEY} instead of ${via} (the anchor is left unchanged)`);
    } else if (
      mode.kind === 'replace' &&
      mode.tag === '!override' &&
      (found?.pair.value as YamlNode | undefined)?.tag === '!reset'
    ) {
      this.actions.unshift(`replaced ${KEY}: !reset with !override on ${svc}`);
    }

    const listStyle = this.listStyle(seq);
    if (mode.kind === 'edit') {
      this.editSequence(mode.seq, items, plan, listStyle);
    } else {
      const ctx: Context = mode.flow ? 'flow' : 'block';
      const texts = [
        ...items.flatMap((item, i) => {
          if (plan.remove.has(i)) return [];
          if (plan.replace?.index === i) return [this.scalarText(plan.replace.text, item.scalar.type, ctx)];
          return [this.copyText(item, ctx)];
        }),
        ...plan.append.map((t) => this.scalarText(t, listStyle, ctx)),
      ];
      if (mode.kind === 'replace') this.replaceValue(mode.pair, texts, mode.flow, mode.tag);
      else this.insertKey(serviceMap, texts, mode.flow, mode.tag);
    }

    const text = this.splice();
    const override = mode.kind === 'edit' ? mode.seq.tag === '!override' : mode.tag === '!override';
    this.verify(text, override ? new Override(plan.values) : plan.values);
    return this.result(text, true);
  }

  private result(text: string, changed: boolean): ApplySeccompResult {
    return { text, changed, actions: changed ? this.actions : [], warnings: this.warnings };
  }

  // ---- locating the service and its list

  private pos(node: { range?: readonly number[] | null } | null | undefined) {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file: this.file };
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  private fail(message: string, node?: YamlNode | null, hint?: string): never {
    throw new ComposeError(message, this.pos(node), { hint });
  }

  private ownPair(map: YAMLMap, key: string): Pair | undefined {
    return (map.items as Pair[]).find(
      (p) => isScalar(p.key) && !isMergeKey(p) && String(p.key.value ?? '') === key,
    );
  }

  private serviceMap(): YAMLMap {
    const { service } = this.input;
    const root = this.doc.contents;
    if (!isYamlMap(root)) return this.fail('top-level object must be a mapping', root);
    const servicesPair = this.ownPair(root, 'services');
    const services = servicesPair?.value;
    if (!isYamlMap(services)) {
      return this.fail(
        'services: is not written out as a mapping here (it comes from an alias or a << merge key)',
        (services as YamlNode | null) ?? root,
        'edit the file by hand',
      );
    }
    const pair = this.ownPair(services, service);
    const value = pair?.value as YamlNode | null | undefined;
    if (!pair || !isYamlMap(value)) {
      const how = !pair
        ? 'comes from a << merge key'
        : isAlias(value)
          ? `is an alias (*${value.source})`
          : 'is not a mapping';
      return this.fail(
        `service "${service}" ${how}, so it has no mapping of its own to add ${KEY} to`,
        value ?? services,
        `write it out as a mapping (e.g. "${service}: {<<: *anchor}") and run again, or edit the file by hand`,
      );
    }
    return value;
  }

  /** The pair that gives `map` its `key`: its own, else the first `<<` source that has one. */
  private findKey(map: YAMLMap, key: string, seen: Set<YamlNode>): { pair: Pair; via?: string } | undefined {
    const own = this.ownPair(map, key);
    if (own) return { pair: own };
    seen.add(map);
    for (const pair of map.items as Pair[]) {
      if (!isMergeKey(pair)) continue;
      const sources = isSeq(pair.value) ? (pair.value.items as YamlNode[]) : [pair.value as YamlNode];
      for (const source of sources) {
        const target = isAlias(source) ? source.resolve(this.doc) : source;
        if (!isYamlMap(target) || seen.has(target)) continue;
        const found = this.findKey(target, key, seen);
        if (found)
          return { pair: found.pair, via: isAlias(source) ? `<<: *${source.source}` : 'a << merge key' };
      }
    }
    return undefined;
  }

  private mode(
    serviceMap: YAMLMap,
    found: { pair: Pair; via?: string } | undefined,
  ): { mode: Mode; seq?: YAMLSeq; via?: string } {
    const flowParent = serviceMap.flow === true;
    if (!found) return { mode: { kind: 'insert', flow: flowParent || this.docPrefersFlow() } };
    let node = found.pair.value as YamlNode | null;
    let via = found.via;
    const own = via === undefined;
    if (isAlias(node)) {
      const alias = node;
      node = alias.resolve(this.doc) ?? null;
      if (own) via = `*${alias.source}`;
    }
    const overrideTag = node?.tag === '!override' || node?.tag === '!reset' ? '!override' : undefined;
    if (node?.tag === '!reset' || node === null || (isScalar(node) && node.value === null)) {
      // nothing to keep: `security_opt:` (empty) or `!reset` (which drops what earlier files gave)
      const flow = flowParent || (isSeq(node) ? node.flow === true : this.docPrefersFlow());
      if (!own) return { mode: { kind: 'insert', flow, tag: undefined }, via };
      return { mode: { kind: 'replace', pair: found.pair, flow, tag: overrideTag }, via };
    }
    if (!isSeq(node)) {
      return this.fail(`${this.where} must be a list of strings`, node, `write it as ${KEY}: [seccomp:PATH]`);
    }
    const flow = flowParent || node.flow === true;
    if (!own) return { mode: { kind: 'insert', flow, tag: overrideTag }, seq: node, via };
    if (isAlias(found.pair.value)) {
      return { mode: { kind: 'replace', pair: found.pair, flow, tag: overrideTag }, seq: node, via };
    }
    return { mode: { kind: 'edit', seq: node }, seq: node };
  }

  private items(seq: YAMLSeq): Item[] {
    return (seq.items as YamlNode[]).map((node) => {
      const scalar = isAlias(node) ? node.resolve(this.doc) : node;
      if (
        !isScalar(scalar) ||
        node.tag === '!reset' ||
        scalar.tag === '!reset' ||
        scalar.tag === '!override'
      ) {
        return this.fail(`${this.where}: every entry must be a string`, node);
      }
      const value = treeValue(scalar.value);
      return {
        node,
        scalar,
        value,
        option: typeof value === 'string' ? parseSecurityOption(value) : { kind: 'other' },
      };
    });
  }

  // ---- what to change

  private plan(items: Item[]) {
    const svc = `service "${this.input.service}"`;
    const remove = new Set<number>();
    const append: string[] = [];
    let replace: { index: number; text: string } | undefined;
    const separator =
      items.map((i) => (i.option.kind === 'other' ? undefined : i.option.separator)).find((s) => s) ?? ':';

    const seccomp = items.flatMap((item, i) =>
      item.option.kind === 'seccomp' ? [{ i, option: item.option }] : [],
    );
    const [first, ...rest] = seccomp;
    if (!first) {
      const text = `seccomp${separator}${this.profile}`;
      append.push(text);
      this.actions.push(`added ${KEY} ${text} to ${svc}`);
    } else {
      const { option } = first;
      const desired = `seccomp${option.separator}${this.profile}`;
      if (!samePath(option.value, this.profile)) {
        if (option.wrapper && this.profile.includes('}')) {
          throw new UsageError(
            `cannot write ${JSON.stringify(this.profile)} as the default of \${${option.wrapper.name}}: it contains "}"`,
            { hint: 'rename the profile file' },
          );
        }
        replace = { index: first.i, text: formatOption(option, this.profile) };
        const was = `seccomp${option.separator}${option.value}`;
        const wrapped = option.wrapper ? `, as the default of \${${option.wrapper.name}}` : '';
        this.actions.push(`set ${KEY} ${desired} on ${svc} (was ${was})${wrapped}`);
      }
      for (const { i, option: dup } of rest) {
        remove.add(i);
        this.actions.push(`removed duplicate ${KEY} seccomp${dup.separator}${dup.value} from ${svc}`);
      }
    }

    const nnp = items.flatMap((item) => (item.option.kind === 'no-new-privileges' ? [item.option] : []));
    const last = nnp.at(-1);
    if (!last) {
      if (this.input.noNewPrivileges !== false) {
        const text = `no-new-privileges${separator}true`;
        append.push(text);
        this.actions.push(`added ${KEY} ${text} to ${svc}`);
      }
    } else if (!enablesNoNewPrivileges(last)) {
      this.warnings.push(
        `${svc} disables no-new-privileges (no-new-privileges${last.separator ?? ''}${last.value ?? ''}): left as is`,
      );
    }

    for (const item of items) {
      if (item.option.kind === 'other' && typeof item.value === 'string' && item.value.includes('$')) {
        this.warnings.push(
          `${KEY} entry "${item.value}" of ${svc} is interpolated: if it expands to a seccomp option, Docker uses whichever seccomp entry comes last`,
        );
      }
    }

    const values: Tree[] = [
      ...items.flatMap<Tree>((item, i) =>
        remove.has(i) ? [] : [replace?.index === i ? replace.text : item.value],
      ),
      ...append,
    ];
    const changed = replace !== undefined || remove.size > 0 || append.length > 0;
    return { remove, append, replace, values, changed };
  }

  // ---- text edits

  private lineStart(pos: number): number {
    return this.src.lastIndexOf('\n', pos - 1) + 1;
  }

  private column(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** `end` backed off over trailing white space and line breaks (block collections include them). */
  private contentEnd(end: number, start = 0): number {
    let e = end;
    while (e > start && /[ \t\r\n]/.test(this.src[e - 1]!)) e--;
    return e;
  }

  /** Inserts whole lines after the line that holds `pos`. */
  private insertLines(pos: number, lines: string[]): void {
    const nl = this.newline;
    const end = this.contentEnd(pos);
    const eol = this.src.indexOf('\n', end);
    if (eol >= 0) this.edits.push({ start: eol + 1, end: eol + 1, text: lines.map((l) => l + nl).join('') });
    else this.edits.push({ start: this.src.length, end: this.src.length, text: nl + lines.join(nl) });
  }

  /**
   * Past the comment lines right after `pos`'s line that are indented deeper than `indent`: they
   * belong to the value that ends there (a commented-out entry, say), not to what follows.
   */
  private afterTrailingComments(pos: number, indent: number): number {
    let at = this.contentEnd(pos);
    for (;;) {
      const eol = this.src.indexOf('\n', at);
      if (eol < 0) return at;
      const next = /^([ \t]*)#[^\n]*/.exec(this.src.slice(eol + 1));
      if (!next || next[1]!.length <= indent) return at;
      at = eol + 1 + next[0].length;
    }
  }

  private range(node: YamlNode): [number, number] {
    const r = node.range;
    if (!r) throw new Error(`${this.file}: YAML node without a source range`);
    return [r[0], this.contentEnd(r[1], r[0])];
  }

  /** The indentation of a block collection's entries under a key, from the file (default 2). */
  private sequenceIndent(): number {
    let found: number | undefined;
    let preferred: number | undefined;
    visit(this.doc, {
      Pair: (_, pair) => {
        const { key, value } = pair as Pair<unknown, unknown>;
        if (!isScalar(key) || !isSeq(value) || value.flow || !key.range || !value.range) return;
        const offset = this.column(value.range[0]) - this.column(key.range[0]);
        if (offset < 0) return;
        found ??= offset;
        if (key.value === KEY) {
          preferred = offset;
          return visit.BREAK;
        }
      },
    });
    return preferred ?? found ?? 2;
  }

  /** Another service's security_opt: is it written in flow style (`[a, b]`)? */
  private docPrefersFlow(): boolean {
    return this.otherLists()[0]?.flow === true;
  }

  private otherLists(): YAMLSeq[] {
    const lists: YAMLSeq[] = [];
    visit(this.doc, {
      Pair: (_, pair) => {
        const { key, value } = pair as Pair<unknown, unknown>;
        if (isScalar(key) && key.value === KEY && isSeq(value)) lists.push(value);
      },
    });
    return lists;
  }

  /** The quoting new entries get: the list's own, else another security_opt list's, else plain. */
  private listStyle(seq: YAMLSeq | undefined): Style {
    for (const list of [...(seq ? [seq] : []), ...this.otherLists()]) {
      const first = list.items.find((i) => isScalar(i));
      if (isScalar(first) && first.type && !first.type.startsWith('BLOCK')) return first.type;
    }
    return 'PLAIN';
  }

  private scalarText(value: string, style: Style | undefined, ctx: Context): string {
    switch (style) {
      case 'QUOTE_DOUBLE':
        return JSON.stringify(value);
      case 'QUOTE_SINGLE':
        return singleQuoted(value);
      default:
        return plainSafe(value, ctx) ? value : singleQuoted(value);
    }
  }

  /** An entry of a list being copied: as written where that is safe here, else re-quoted. */
  private copyText(item: Item, ctx: Context): string {
    const { scalar } = item;
    const tag = scalar.tag ? `${this.doc.directives?.tagString(scalar.tag) ?? scalar.tag} ` : '';
    if (scalar.range && scalar.type !== 'BLOCK_FOLDED' && scalar.type !== 'BLOCK_LITERAL') {
      const written = this.src.slice(scalar.range[0], scalar.range[1]);
      const plainOk = scalar.type !== 'PLAIN' || typeof scalar.value !== 'string' || plainSafe(written, ctx);
      if (!/[\r\n]/.test(written) && plainOk) return tag + written;
    }
    const value = typeof scalar.value === 'string' ? scalar.value : String(scalar.value);
    return (
      tag + this.scalarText(value, scalar.type === 'QUOTE_DOUBLE' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', ctx)
    );
  }

  /** Refuses to touch a node other parts of the file reach through an alias. */
  private checkNotShared(node: YamlNode, what: string): void {
    if (!this.aliasTargets) {
      const targets = new Map<YamlNode, Alias>();
      visit(this.doc, {
        Alias: (_, alias) => {
          const target = alias.resolve(this.doc);
          if (target && !targets.has(target)) targets.set(target, alias);
        },
      });
      this.aliasTargets = targets;
    }
    const alias = this.aliasTargets.get(node);
    if (!alias) return;
    const at = alias.range ? `line ${this.lines.linePos(alias.range[0]).line}` : 'elsewhere';
    this.fail(
      `${what} is anchored as &${alias.source} and reused with *${alias.source} (${at}); editing it in place would change every place that uses *${alias.source}`,
      node,
      `give services.${this.input.service} its own ${KEY} list (copy the entries instead of the anchor), or point the aliases somewhere else, then run again`,
    );
  }

  private editSequence(seq: YAMLSeq, items: Item[], plan: ReturnType<Editor['plan']>, style: Style): void {
    this.checkNotShared(seq, this.where);
    const ctx: Context = seq.flow ? 'flow' : 'block';
    if (plan.replace) {
      const item = items[plan.replace.index]!;
      this.checkNotShared(item.node, `the ${KEY} entry "${String(item.value)}"`);
      const [start, end] = this.range(item.node);
      this.edits.push({ start, end, text: this.scalarText(plan.replace.text, item.scalar.type, ctx) });
    }
    for (const i of plan.remove) {
      const item = items[i]!;
      this.checkNotShared(item.node, `the ${KEY} entry "${String(item.value)}"`);
      const [start, end] = this.range(item.node);
      if (ctx === 'flow') {
        const [, prevEnd] = this.range(items[i - 1]!.node);
        this.edits.push({ start: prevEnd, end, text: '' });
      } else {
        const lineStart = this.lineStart(start);
        if (!/^[ \t]*-[ \t]+(?:[!&]\S*[ \t]+)*$/.test(this.src.slice(lineStart, start))) {
          this.fail(
            `cannot remove the ${KEY} entry "${String(item.value)}" safely`,
            item.node,
            'edit the file by hand',
          );
        }
        const eol = this.src.indexOf('\n', end);
        this.edits.push({ start: lineStart, end: eol < 0 ? this.src.length : eol + 1, text: '' });
      }
    }
    if (plan.append.length === 0) return;
    const texts = plan.append.map((t) => this.scalarText(t, style, ctx));
    const lastItem = items.at(-1);
    if (ctx === 'block') {
      const indent = this.src.slice(this.lineStart(seq.range![0]), seq.range![0]);
      const dash = /^[ \t]*$/.test(indent) ? indent : ' '.repeat(this.column(seq.range![0]));
      this.insertLines(
        this.range(lastItem!.node)[1],
        texts.map((t) => `${dash}- ${t}`),
      );
    } else if (!lastItem) {
      const [start, end] = this.range(seq);
      this.edits.push({ start: start + 1, end: end - 1, text: texts.join(', ') });
    } else {
      const [itemStart, itemEnd] = this.range(lastItem.node);
      const ownLine = this.lineStart(itemStart) !== this.lineStart(seq.range![0]);
      if (ownLine) {
        const indent = /^[ \t]*/.exec(this.src.slice(this.lineStart(itemStart)))![0];
        this.edits.push({
          start: itemEnd,
          end: itemEnd,
          text: texts.map((t) => `,${this.newline}${indent}${t}`).join(''),
        });
      } else {
        this.edits.push({ start: itemEnd, end: itemEnd, text: texts.map((t) => `, ${t}`).join('') });
      }
    }
  }

  /** The position just after the `:` that follows a pair's key. */
  private afterColon(pair: Pair): number {
    const key = pair.key as YamlNode;
    const [, keyEnd] = this.range(key);
    const match = /^[ \t]*:/.exec(this.src.slice(keyEnd));
    if (!match)
      return this.fail(`cannot edit ${this.where} safely (unusual key syntax)`, key, 'edit the file by hand');
    return keyEnd + match[0].length;
  }

  private replaceValue(pair: Pair, texts: string[], flow: boolean, tag: string | undefined): void {
    const value = pair.value as YamlNode | null;
    if (value) this.checkNotShared(value, this.where);
    const start = this.afterColon(pair);
    let end = start;
    if (value?.range) {
      const gap = this.src.slice(start, value.range[0]);
      if (!/^\s*(?:[!&]\S*\s*)*$/.test(gap)) {
        this.fail(
          `cannot edit ${this.where} safely (a comment between the key and its value)`,
          value,
          'edit the file by hand',
        );
      }
      // an empty value's range starts where the next token (a comment, say) does
      const [valueStart, valueEnd] = this.range(value);
      end = this.contentEnd(Math.max(start, valueStart === valueEnd ? valueStart : valueEnd), start);
    }
    const prefix = tag ? ` ${tag}` : '';
    if (flow) {
      this.edits.push({ start, end, text: `${prefix} [${texts.join(', ')}]` });
      return;
    }
    this.edits.push({ start, end, text: prefix });
    const indent = ' '.repeat(this.column(this.range(pair.key as YamlNode)[0]) + this.sequenceIndent());
    this.insertLines(
      end,
      texts.map((t) => `${indent}- ${t}`),
    );
  }

  private insertKey(serviceMap: YAMLMap, texts: string[], flow: boolean, tag: string | undefined): void {
    const prefix = tag ? `${tag} ` : '';
    const pairs = serviceMap.items as Pair[];
    const lastPair = pairs.at(-1);
    const lastNode = lastPair ? ((lastPair.value ?? lastPair.key) as YamlNode) : undefined;
    if (serviceMap.flow) {
      const entry = `${KEY}: ${prefix}[${texts.join(', ')}]`;
      if (!lastNode) {
        const [start] = this.range(serviceMap);
        this.edits.push({ start: start + 1, end: start + 1, text: entry });
        return;
      }
      const [, itemEnd] = this.range(lastNode);
      const lastKey = this.range(lastPair!.key as YamlNode)[0];
      if (this.lineStart(lastKey) !== this.lineStart(serviceMap.range![0])) {
        const indent = /^[ \t]*/.exec(this.src.slice(this.lineStart(lastKey)))![0];
        this.edits.push({ start: itemEnd, end: itemEnd, text: `,${this.newline}${indent}${entry}` });
      } else {
        this.edits.push({ start: itemEnd, end: itemEnd, text: `, ${entry}` });
      }
      return;
    }
    const firstKey = pairs[0]?.key as YamlNode | undefined;
    if (!firstKey || !lastNode) return this.fail(`cannot add ${KEY} to an empty mapping`, serviceMap);
    const keyStart = this.range(firstKey)[0];
    const keyIndent = this.src.slice(this.lineStart(keyStart), keyStart);
    if (!/^[ \t]*$/.test(keyIndent)) {
      this.fail(`cannot add ${KEY} safely (unusual layout)`, firstKey, 'edit the file by hand');
    }
    if (flow) {
      const at = this.afterTrailingComments(this.range(lastNode)[1], keyIndent.length);
      this.insertLines(at, [`${keyIndent}${KEY}: ${prefix}[${texts.join(', ')}]`]);
      return;
    }
    const dash = keyIndent + ' '.repeat(this.sequenceIndent());
    this.insertLines(this.afterTrailingComments(this.range(lastNode)[1], keyIndent.length), [
      `${keyIndent}${KEY}:${tag ? ` ${tag}` : ''}`,
      ...texts.map((t) => `${dash}- ${t}`),
    ]);
  }

  private splice(): string {
    const edits = [...this.edits].sort((a, b) => b.start - a.start || b.end - a.end);
    let text = this.src;
    let limit = Infinity;
    for (const e of edits) {
      if (e.end > limit) throw new Error(`${this.file}: overlapping edits`);
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      limit = e.start;
    }
    return text;
  }

  // ---- verification

  /** The new text must parse to the old values, except the service's security_opt, which must be `expected`. */
  private verify(text: string, expected: Tree): void {
    const target = ['services', this.input.service, KEY];
    let after: ParsedDocument[];
    try {
      after = parseComposeYaml(text, this.file);
    } catch (e) {
      throw new ComposeError(
        `could not edit ${this.where} safely: the result would not load (${(e as Error).message})`,
        { file: this.file },
        { hint: 'edit the file by hand', cause: e },
      );
    }
    const changed: string[] = [];
    if (after.length !== this.before.length) changed.push('(the YAML documents)');
    this.before.forEach((doc, i) => {
      const skip = i === this.docIndex ? target : undefined;
      diffTrees(doc.root, after[i]?.root, [], changed, skip);
    });
    const services = after[this.docIndex] ? servicesOf(after[this.docIndex]!.root) : undefined;
    const svc = services ? unwrap(getOwn(services, this.input.service)) : undefined;
    const got = isMap(svc) ? getOwn(svc, KEY) : undefined;
    if (!isDeepStrictEqual(got, expected)) changed.unshift(`${this.where} (not as intended)`);
    if (changed.length === 0) return;
    throw new ComposeError(
      `editing ${this.where} would also change ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''} (they share YAML anchors)`,
      { file: this.file },
      {
        hint: `give those services their own ${KEY}, or edit ${this.file} by hand`,
      },
    );
  }
}

function isMergeKey(pair: Pair): boolean {
  const key = pair.key;
  return isScalar(key) && key.source === '<<' && key.type === 'PLAIN';
}

/** A scalar's value as the loader reads it (src/compose/yaml.ts). */
function treeValue(value: unknown): Tree {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Can `value` be written unquoted as a sequence entry here and read back as the same string? */
function plainSafe(value: string, ctx: Context): boolean {
  if (value === '' || value !== value.trim() || /[\r\n\t]/.test(value)) return false;
  const doc = parseDocument(ctx === 'flow' ? `[${value}]` : `- ${value}`);
  if (doc.errors.length) return false;
  const seq = doc.contents;
  if (!isSeq(seq) || seq.items.length !== 1) return false;
  const item = seq.items[0];
  return isScalar(item) && item.type === 'PLAIN' && item.value === value && !item.comment;
}

/** Paths (dotted) where two loaded trees differ; `skip` is left out. */
function diffTrees(
  a: Tree | undefined,
  b: Tree | undefined,
  path: string[],
  out: string[],
  skip?: string[],
): void {
  if (skip && path.length === skip.length && path.every((p, i) => p === skip[i])) return;
  if (a instanceof Override || b instanceof Override) {
    if (!(a instanceof Override && b instanceof Override)) out.push(path.join('.') || '(top level)');
    else diffTrees(a.value, b.value, path, out, skip);
    return;
  }
  if (isMap(a) && isMap(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diffTrees(getOwn(a, k), getOwn(b, k), [...path, k], out, skip);
    }
    return;
  }
  if (!isDeepStrictEqual(a, b)) out.push(path.join('.') || '(top level)');
}

// ---------------------------------------------------------------------------------------------
// the file

/**
 * Reads `file`, applies the profile and, when that changed anything, replaces the file atomically
 * (a temp file in the same directory, fsync'd, renamed over the original; a symlink's target is
 * replaced, the file's mode kept).
 */
export function applySeccompToFile(
  file: string,
  options: Omit<ApplySeccompInput, 'source' | 'file'>,
): ApplySeccompResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code ?? String(cause)}`, { cause });
  }
  const result = applySeccomp({ ...options, source, file });
  if (result.changed) {
    writeFileAtomic(file, result.text, {
      what: 'the compose file',
      hint: 'check that the file and its directory are writable',
    });
  }
  return result;
}
