import fs from 'node:fs';
import path from 'node:path';
import { ComposeError, UsageError } from '../errors';
import { normalizeProjectName, resolveContext, type ProjectContext } from './context';
import { interpolate, InterpolationError } from './interpolate';
import { mergeFiles, mergeService } from './merge';
import { ComposeProject, type ProjectOptions, type SourceLocation } from './model';
import { normalizeProject } from './normalize';
import { getOwn, isMap, setOwn, stripMarkers, type Tree, type TreeMap } from './tree';
import { isHostPath } from './volumes';
import { parseComposeYaml, pathKey, type ParsedDocument } from './yaml';

/**
 * The built-in loader: compose files → ComposeProject, synchronously. Each file is parsed and
 * interpolated on its own, its `extends` resolved, then merged over the files before it; the
 * merged tree is normalised into the model and checked against its schema.
 */
export function loadProject(opts: ProjectOptions = {}): ComposeProject {
  return loadFromContext(resolveContext(opts));
}

export function loadFromContext(ctx: ProjectContext): ComposeProject {
  const sources = ctx.files.map((file) => ({ file, text: readComposeFile(file) }));
  const name =
    ctx.explicitName ??
    nameFromFiles(sources, ctx.environment) ??
    normalizeProjectName(path.basename(ctx.workingDir));
  if (name === '') {
    throw new UsageError(`cannot derive a project name from the directory ${ctx.workingDir}`, {
      hint: 'pass -p NAME, set COMPOSE_PROJECT_NAME, or write `name:` in the compose file',
    });
  }

  const environment: Record<string, string> = { ...ctx.environment };
  setOwn(environment, 'COMPOSE_PROJECT_NAME', name);
  const warnings: string[] = [];
  const lookup = (k: string) => getOwn(environment, k);
  const onUnset = (k: string) =>
    warnings.push(`The "${k}" variable is not set. Defaulting to a blank string.`);
  const parse = (file: string, text: string) => parseComposeYaml(text, file, { lookup, onUnset });

  const docs: ParsedDocument[] = [];
  let merged: TreeMap = {};
  for (const { file, text } of sources) {
    const parsed = parse(file, text);
    if (parsed.length === 0) throw new ComposeError('empty compose file', { file });
    for (const doc of parsed) {
      const root = resolveExtends(doc, (f) => parse(f, readComposeFile(f)));
      merged = mergeFiles(merged, root);
      docs.push(doc);
    }
  }

  const project = normalizeProject(merged, {
    name,
    workingDir: ctx.workingDir,
    files: ctx.files,
    environment,
    activeProfiles: ctx.activeProfiles,
    home: ctx.home,
    source: (service) => serviceSource(docs, service) ?? { file: ctx.files[0]! },
    locate: (keyPath) => locate(docs, keyPath),
    readText,
    warnings,
  });
  const checked = ComposeProject.safeParse(project);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const keyPath = issue.path.map(String);
    throw new ComposeError(`${keyPath.join('.')}: ${issue.message}`, locate(docs, keyPath));
  }
  return checked.data;
}

function readComposeFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ComposeError(
      code === 'ENOENT' ? 'no such compose file' : `cannot read: ${(e as Error).message}`,
      { file },
    );
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ComposeError(`cannot read: ${(e as Error).message}`, { file });
  }
}

/** The last non-empty top-level `name:` of the files, interpolated, normalised. */
function nameFromFiles(
  sources: Array<{ file: string; text: string }>,
  env: Record<string, string>,
): string | undefined {
  let found: { raw: string; doc: ParsedDocument } | undefined;
  for (const { file, text } of sources) {
    for (const doc of parseComposeYaml(text, file)) {
      const raw = getOwn(doc.root, 'name');
      if (typeof raw === 'string' && raw !== '') found = { raw, doc };
    }
  }
  if (found === undefined) return undefined;
  let value: string;
  try {
    value = interpolate(found.raw, (k) => getOwn(env, k));
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    const pos = found.doc.keys.get(pathKey(['name']));
    throw new ComposeError(`name: ${e.message}`, { file: found.doc.file, ...pos });
  }
  const name = normalizeProjectName(value);
  return name === '' ? undefined : name;
}

function serviceSource(docs: ParsedDocument[], service: string): SourceLocation | undefined {
  for (const doc of docs) {
    const pos = doc.keys.get(pathKey(['services', service]));
    if (pos) return { file: doc.file, line: pos.line, column: pos.column };
  }
  return undefined;
}

/** Where a key was last written (later files override earlier ones). */
function locate(docs: ParsedDocument[], keyPath: string[]): SourceLocation | undefined {
  for (let i = docs.length - 1; i >= 0; i--) {
    const doc = docs[i]!;
    const pos = doc.keys.get(pathKey(keyPath));
    if (pos) return { file: doc.file, line: pos.line, column: pos.column };
  }
  return undefined;
}

// ---- extends ----------------------------------------------------------------------------------

type LoadFile = (file: string) => ParsedDocument[];

/** Replaces every `extends` of the document's services by the merged service (compose-go ApplyExtends). */
function resolveExtends(doc: ParsedDocument, load: LoadFile): TreeMap {
  const services = getOwn(doc.root, 'services');
  if (!isMap(services)) return doc.root;
  const resolved: TreeMap = {};
  for (const [name, service] of Object.entries(services)) {
    setOwn(resolved, name, isMap(service) ? extendService(name, services, doc.file, load, []) : service);
  }
  const root: TreeMap = { ...doc.root };
  setOwn(root, 'services', resolved);
  return root;
}

function extendService(
  name: string,
  services: TreeMap,
  file: string,
  load: LoadFile,
  chain: string[],
): TreeMap {
  const service = getOwn(services, name) as TreeMap;
  const ext = stripMarkers(getOwn(service, 'extends') ?? null);
  if (ext === null) return service;
  const fail = (message: string) => new ComposeError(`services.${name}.extends: ${message}`, { file });

  let baseName: string;
  let baseFile: string | undefined;
  if (typeof ext === 'string') baseName = ext;
  else if (isMap(ext) && typeof getOwn(ext, 'service') === 'string') {
    baseName = getOwn(ext, 'service') as string;
    const f = getOwn(ext, 'file');
    if (typeof f === 'string') baseFile = path.resolve(path.dirname(file), f);
  } else throw fail('must name a service, or be {service, file}');

  const link = `${baseFile ?? file}#${baseName}`;
  if (chain.includes(link)) throw fail(`circular reference: ${[...chain, link].join(' → ')}`);

  let baseServices = services;
  if (baseFile !== undefined) {
    baseServices = {};
    for (const d of load(baseFile)) {
      const s = getOwn(d.root, 'services');
      if (isMap(s)) baseServices = { ...baseServices, ...s };
    }
  }
  const baseRaw = getOwn(baseServices, baseName);
  if (!isMap(baseRaw)) throw fail(`service "${baseName}" not found in ${baseFile ?? file}`);

  let base = extendService(baseName, baseServices, baseFile ?? file, load, [...chain, link]);
  if (baseFile !== undefined) base = rebasePaths(base, path.dirname(baseFile));
  const own: TreeMap = { ...service };
  delete own.extends;
  const cleanBase: TreeMap = { ...base };
  delete cleanBase.extends;
  return mergeService(name, cleanBase, own);
}

/** Relative paths of a service taken from another file are relative to that file. */
function rebasePaths(service: TreeMap, dir: string): TreeMap {
  const out: TreeMap = { ...service };
  const abs = (p: string) => path.resolve(dir, p);
  const build = getOwn(service, 'build');
  if (typeof build === 'string') setOwn(out, 'build', abs(build));
  else if (isMap(build) && typeof getOwn(build, 'context') === 'string') {
    setOwn(out, 'build', { ...build, context: abs(getOwn(build, 'context') as string) });
  }
  const envFile = getOwn(service, 'env_file');
  const rebaseEnv = (e: Tree): Tree =>
    typeof e === 'string'
      ? abs(e)
      : isMap(e) && typeof getOwn(e, 'path') === 'string'
        ? { ...e, path: abs(getOwn(e, 'path') as string) }
        : e;
  if (envFile !== undefined)
    setOwn(out, 'env_file', Array.isArray(envFile) ? envFile.map(rebaseEnv) : rebaseEnv(envFile));
  const volumes = getOwn(service, 'volumes');
  if (Array.isArray(volumes)) {
    setOwn(
      out,
      'volumes',
      volumes.map((v) => {
        if (typeof v === 'string' && v.startsWith('.')) {
          const colon = v.indexOf(':');
          return colon < 0 ? v : abs(v.slice(0, colon)) + v.slice(colon);
        }
        if (isMap(v) && getOwn(v, 'type') === 'bind') {
          const src = getOwn(v, 'source');
          if (typeof src === 'string' && isHostPath(src) && src.startsWith('.'))
            return { ...v, source: abs(src) };
        }
        return v;
      }),
    );
  }
  return out;
}
