import path from 'node:path';
import { ComposeError } from '../errors';
import { DotEnvError, parseDotEnv } from './dotenv';
import { normaliseDuration } from './duration';
import { keyValues } from './merge';
import type { ComposeProject, ComposeService, Healthcheck, ServiceVolume, SourceLocation } from './model';
import { shellSplit, ShellSplitError } from './shellwords';
import { formatPath, getOwn, isMap, setOwn, stripMarkers, type Tree, type TreeMap } from './tree';
import { parseShortVolume, resolveHostPath } from './volumes';

/**
 * The merged compose tree → the typed model, the way compose-go normalises it: exec-form commands,
 * environment and labels as maps (env_file read under environment), long-form volumes with absolute
 * bind sources, networks with aliases, `CMD-SHELL` healthchecks, Go-form durations, and the implicit
 * `default` network.
 */

export interface NormalizeContext {
  name: string;
  workingDir: string;
  files: string[];
  /** interpolation environment (also resolves `environment: [FOO]` entries without a value) */
  environment: Record<string, string>;
  activeProfiles: string[];
  home?: string;
  /** where a service is defined (first file that defines it) */
  source: (service: string) => SourceLocation;
  /** where a key was last written, for messages */
  locate: (keyPath: string[]) => SourceLocation | undefined;
  /** a file's text, undefined when it does not exist */
  readText: (file: string) => string | undefined;
  warnings: string[];
}

const TOP_LEVEL = new Set([
  'name',
  'version',
  'services',
  'networks',
  'volumes',
  'secrets',
  'configs',
  'models',
]);

/** Service attributes the model types; everything else goes to `extra` untouched. */
const TYPED = new Set([
  'image',
  'build',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'user',
  'working_dir',
  'volumes',
  'tmpfs',
  'shm_size',
  'networks',
  'network_mode',
  'cap_add',
  'cap_drop',
  'security_opt',
  'privileged',
  'read_only',
  'healthcheck',
  'labels',
  'profiles',
  'stop_signal',
  'stop_grace_period',
  'depends_on',
  'ulimits',
  'sysctls',
  'init',
  'extends',
]);

export function normalizeProject(tree: TreeMap, ctx: NormalizeContext): ComposeProject {
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    if (key.startsWith('x-')) setOwn(extensions, key, stripMarkers(value));
    else if (key === 'include') {
      fail(
        ctx,
        ['include'],
        'is not supported by the built-in loader',
        'use --resolver docker, or merge the files with -f',
      );
    } else if (!TOP_LEVEL.has(key)) fail(ctx, [key], 'is not a compose attribute');
  }
  if (Object.hasOwn(tree, 'version')) {
    ctx.warnings.push('the attribute `version` is obsolete, it will be ignored');
  }

  const volumes = topLevel(tree, 'volumes', ctx);
  const networks = topLevel(tree, 'networks', ctx);
  const rawServices = getOwn(tree, 'services') ?? {};
  if (rawServices !== null && !isMap(rawServices)) fail(ctx, ['services'], 'must be a mapping');

  const services: Record<string, ComposeService> = {};
  for (const [name, raw] of Object.entries(rawServices ?? {})) {
    if (!isMap(raw)) fail(ctx, ['services', name], 'must be a mapping');
    setOwn(services, name, normalizeService(name, raw, ctx));
  }
  checkReferences(services, volumes, networks, ctx);

  const usesDefault = Object.values(services).some((s) => Object.hasOwn(s.networks, 'default'));
  if (usesDefault && !Object.hasOwn(networks, 'default')) {
    setOwn(networks, 'default', { external: false, name: `${ctx.name}_default` });
  }

  const project: ComposeProject = {
    name: ctx.name,
    workingDir: ctx.workingDir,
    files: ctx.files,
    services,
    volumes,
    networks,
    extensions,
    activeProfiles: ctx.activeProfiles,
    environment: ctx.environment,
  };
  if (ctx.warnings.length) project.warnings = [...new Set(ctx.warnings)];
  return project;
}

type TopLevelEntry = { external: boolean; name?: string };

/** Top-level volumes/networks: names as compose gives them (`<project>_<key>` unless external or named). */
function topLevel(tree: TreeMap, key: 'volumes' | 'networks', ctx: NormalizeContext) {
  const out: Record<string, TopLevelEntry> = {};
  const raw = getOwn(tree, key);
  if (raw === undefined || raw === null) return out;
  if (!isMap(raw)) fail(ctx, [key], 'must be a mapping');
  for (const [name, value] of Object.entries(raw)) {
    const def = value === null ? {} : value;
    if (!isMap(def)) fail(ctx, [key, name], 'must be a mapping');
    const ext = getOwn(def, 'external');
    let external = false;
    let explicit = optionalString(getOwn(def, 'name'), [key, name, 'name'], ctx);
    if (isMap(ext)) {
      // legacy `external: {name: x}`
      external = true;
      explicit ??= optionalString(getOwn(ext, 'name'), [key, name, 'external', 'name'], ctx);
    } else if (ext !== undefined && ext !== null) {
      external = toBool(ext, [key, name, 'external'], ctx);
    }
    setOwn(out, name, { external, name: explicit ?? (external ? name : `${ctx.name}_${name}`) });
  }
  return out;
}

function normalizeService(name: string, raw: TreeMap, ctx: NormalizeContext): ComposeService {
  const at = (...keys: string[]) => ['services', name, ...keys];
  const get = (key: string) => stripMarkers(getOwn(raw, key) ?? null);
  const has = (key: string) => Object.hasOwn(raw, key) && getOwn(raw, key) !== null;

  const image = has('image') ? toStr(get('image'), at('image'), ctx) : undefined;
  const build = has('build') ? normalizeBuild(get('build'), at('build'), ctx) : undefined;
  if (image === undefined && build === undefined) {
    throw new ComposeError(
      `service "${name}" has neither an image nor a build context specified`,
      ctx.source(name),
    );
  }

  const envFiles = has('env_file') ? envFileEntries(get('env_file'), at('env_file'), ctx) : [];
  const service: ComposeService = {
    name,
    environment: serviceEnvironment(get('environment'), envFiles, at('environment'), ctx),
    env_file: envFiles.map((f) => f.path),
    volumes: has('volumes')
      ? toList(get('volumes'), at('volumes'), ctx).map((v, i) => volume(v, at('volumes', String(i)), ctx))
      : [],
    tmpfs: has('tmpfs') ? stringOrList(get('tmpfs'), at('tmpfs'), ctx) : [],
    networks: {},
    cap_add: has('cap_add') ? strings(get('cap_add'), at('cap_add'), ctx) : [],
    cap_drop: has('cap_drop') ? strings(get('cap_drop'), at('cap_drop'), ctx) : [],
    security_opt: has('security_opt') ? strings(get('security_opt'), at('security_opt'), ctx) : [],
    privileged: has('privileged') ? toBool(get('privileged'), at('privileged'), ctx) : false,
    read_only: has('read_only') ? toBool(get('read_only'), at('read_only'), ctx) : false,
    labels: stringValues(keyValues(get('labels'), ''), at('labels'), ctx),
    profiles: has('profiles') ? strings(get('profiles'), at('profiles'), ctx) : [],
    depends_on: has('depends_on') ? dependsOn(get('depends_on'), at('depends_on'), ctx) : [],
    source: ctx.source(name),
  };
  if (image !== undefined) service.image = image;
  if (build !== undefined) service.build = build;
  for (const key of ['command', 'entrypoint'] as const) {
    if (Object.hasOwn(raw, key)) service[key] = commandLine(get(key), at(key), ctx);
  }
  for (const key of ['user', 'working_dir', 'network_mode', 'stop_signal'] as const) {
    if (has(key)) service[key] = toStr(get(key), at(key), ctx);
  }
  if (has('stop_grace_period'))
    service.stop_grace_period = duration(get('stop_grace_period'), at('stop_grace_period'), ctx);
  if (has('shm_size')) service.shm_size = scalarSize(get('shm_size'), at('shm_size'), ctx);
  if (has('init')) service.init = toBool(get('init'), at('init'), ctx);
  if (has('healthcheck')) service.healthcheck = healthcheck(get('healthcheck'), at('healthcheck'), ctx);
  if (has('ulimits')) {
    const ulimits = get('ulimits');
    if (!isMap(ulimits)) fail(ctx, at('ulimits'), 'must be a mapping');
    service.ulimits = ulimits;
  }
  if (has('sysctls')) service.sysctls = stringValues(keyValues(get('sysctls'), ''), at('sysctls'), ctx);
  if (has('networks')) service.networks = serviceNetworks(get('networks'), at('networks'), ctx);
  else if (service.network_mode === undefined) service.networks = { default: { aliases: [] } };

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw))
    if (!TYPED.has(key)) setOwn(extra, key, stripMarkers(value));
  if (Object.keys(extra).length) service.extra = extra;
  return service;
}

function checkReferences(
  services: Record<string, ComposeService>,
  volumes: Record<string, TopLevelEntry>,
  networks: Record<string, TopLevelEntry>,
  ctx: NormalizeContext,
): void {
  for (const s of Object.values(services)) {
    for (const dep of s.depends_on) {
      if (!Object.hasOwn(services, dep)) {
        throw new ComposeError(
          `service "${s.name}" depends on undefined service "${dep}"`,
          ctx.locate(['services', s.name, 'depends_on']) ?? s.source,
        );
      }
    }
    for (const net of Object.keys(s.networks)) {
      if (net !== 'default' && !Object.hasOwn(networks, net)) {
        throw new ComposeError(
          `service "${s.name}" refers to undefined network "${net}"`,
          ctx.locate(['services', s.name, 'networks']) ?? s.source,
        );
      }
    }
    for (const v of s.volumes) {
      if (v.type === 'volume' && v.source !== undefined && !Object.hasOwn(volumes, v.source)) {
        throw new ComposeError(
          `service "${s.name}" refers to undefined volume "${v.source}"`,
          ctx.locate(['services', s.name, 'volumes']) ?? s.source,
          {
            hint: `declare it under the top-level volumes: key, or write a path (./${v.source}) for a bind mount`,
          },
        );
      }
    }
  }
}

// ---- attributes -------------------------------------------------------------------------------

function commandLine(v: Tree, at: string[], ctx: NormalizeContext): string[] | null {
  if (v === null) return null;
  if (Array.isArray(v)) return strings(v, at, ctx);
  const line = toStr(v, at, ctx);
  try {
    const { words, stoppedAt } = shellSplit(line);
    if (stoppedAt !== undefined) {
      ctx.warnings.push(
        `${formatPath(at)}: "${line}" stops at the shell operator "${line[stoppedAt]}" (compose runs no shell); write ["sh", "-c", "…"] to run it in one`,
      );
    }
    return words;
  } catch (e) {
    if (e instanceof ShellSplitError) fail(ctx, at, e.message);
    throw e;
  }
}

interface EnvFileEntry {
  path: string;
  required: boolean;
}

function envFileEntries(v: Tree, at: string[], ctx: NormalizeContext): EnvFileEntry[] {
  const entries = v === null ? [] : Array.isArray(v) ? v : [v];
  return entries.map((entry, i) => {
    const where = [...at, String(i)];
    if (typeof entry === 'string') return { path: path.resolve(ctx.workingDir, entry), required: true };
    if (isMap(entry)) {
      const p = toStr(getOwn(entry, 'path') ?? null, [...where, 'path'], ctx);
      const req = getOwn(entry, 'required');
      return {
        path: path.resolve(ctx.workingDir, p),
        required: req === undefined || req === null ? true : toBool(req, [...where, 'required'], ctx),
      };
    }
    return fail(ctx, where, 'must be a path or {path, required}');
  });
}

/** env_file values under `environment`; `FOO` without a value takes the project environment's FOO. */
function serviceEnvironment(
  v: Tree,
  envFiles: EnvFileEntry[],
  at: string[],
  ctx: NormalizeContext,
): Record<string, string | null> {
  const lookup = (k: string) => getOwn(ctx.environment, k);
  const out: Record<string, string | null> = {};
  for (const file of envFiles) {
    const text = ctx.readText(file.path);
    if (text === undefined) {
      if (!file.required) continue;
      throw new ComposeError(
        `env file ${file.path} not found`,
        ctx.locate(at.slice(0, 2).concat('env_file')),
        {
          hint: 'create it, or mark the entry `required: false`',
        },
      );
    }
    let values: Record<string, string>;
    // earlier env files first, then the project environment (compose-go resolveEnvironment)
    const fileLookup = (k: string) => getOwn(out, k) ?? lookup(k);
    try {
      values = parseDotEnv(text, (k) => fileLookup(k) ?? undefined);
    } catch (e) {
      if (e instanceof DotEnvError) throw new ComposeError(e.message, { file: file.path, line: e.line });
      throw e;
    }
    for (const [k, value] of Object.entries(values)) setOwn(out, k, value);
  }
  if (v !== null && !isMap(v) && !Array.isArray(v)) fail(ctx, at, 'must be a mapping or a list of KEY=VALUE');
  for (const [k, value] of Object.entries(keyValues(v, null))) {
    if (value === null) setOwn(out, k, lookup(k) ?? getOwn(out, k) ?? null);
    else setOwn(out, k, scalarString(value, [...at, k], ctx));
  }
  return out;
}

function volume(v: Tree, at: string[], ctx: NormalizeContext): ServiceVolume {
  if (typeof v === 'string') {
    const short = parseShortVolume(v);
    if (!short)
      fail(ctx, at, `invalid volume spec "${v}"`, 'write SOURCE:TARGET[:ro] or use the long syntax');
    const out: ServiceVolume = { type: short.type, target: short.target };
    if (short.source !== undefined) {
      out.source =
        short.type === 'bind' ? resolveHostPath(short.source, ctx.workingDir, ctx.home) : short.source;
    }
    if (short.read_only) out.read_only = true;
    if (short.type === 'bind') {
      out.bind = { create_host_path: true };
      for (const o of short.options) {
        if (o === 'z' || o === 'Z') out.bind.selinux = o;
        else if (/^r?(shared|slave|private)$/.test(o)) out.bind.propagation = o;
      }
    } else {
      out.volume = short.options.includes('nocopy') ? { nocopy: true } : {};
    }
    return out;
  }
  if (!isMap(v)) return fail(ctx, at, 'must be a string or a mapping');
  const type = getOwn(v, 'type') ?? 'volume';
  const types = ['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image'] as const;
  const t = types.find((x) => x === type);
  if (!t) return fail(ctx, [...at, 'type'], `unknown volume type ${JSON.stringify(type)}`);
  const target = getOwn(v, 'target');
  if (typeof target !== 'string' || target === '') return fail(ctx, at, 'is missing a mount target');
  const out: ServiceVolume = { type: t, target };
  const source = getOwn(v, 'source');
  if (source !== undefined && source !== null && source !== '') {
    const s = toStr(source, [...at, 'source'], ctx);
    out.source = t === 'bind' ? resolveHostPath(s, ctx.workingDir, ctx.home) : s;
  }
  const ro = getOwn(v, 'read_only');
  if (ro !== undefined && ro !== null && toBool(ro, [...at, 'read_only'], ctx)) out.read_only = true;
  for (const key of ['bind', 'volume', 'tmpfs'] as const) {
    const opts = getOwn(v, key);
    if (isMap(opts)) out[key] = opts;
  }
  return out;
}

function serviceNetworks(v: Tree, at: string[], ctx: NormalizeContext): ComposeService['networks'] {
  const out: ComposeService['networks'] = {};
  if (Array.isArray(v)) {
    for (const n of strings(v, at, ctx)) setOwn(out, n, { aliases: [] });
    return out;
  }
  if (!isMap(v)) return fail(ctx, at, 'must be a list or a mapping');
  for (const [n, def] of Object.entries(v)) {
    if (def === null) setOwn(out, n, { aliases: [] });
    else if (isMap(def)) {
      const aliases = getOwn(def, 'aliases');
      setOwn(out, n, {
        aliases:
          aliases === undefined || aliases === null ? [] : strings(aliases, [...at, n, 'aliases'], ctx),
      });
    } else fail(ctx, [...at, n], 'must be a mapping');
  }
  return out;
}

function dependsOn(v: Tree, at: string[], ctx: NormalizeContext): string[] {
  if (Array.isArray(v)) return [...new Set(strings(v, at, ctx))];
  if (isMap(v)) return Object.keys(v);
  return fail(ctx, at, 'must be a list or a mapping');
}

function healthcheck(v: Tree, at: string[], ctx: NormalizeContext): Healthcheck {
  if (!isMap(v)) return fail(ctx, at, 'must be a mapping');
  const out: Healthcheck = {};
  const test = getOwn(v, 'test');
  if (typeof test === 'string') out.test = ['CMD-SHELL', test];
  else if (Array.isArray(test)) out.test = strings(test, [...at, 'test'], ctx);
  else if (test !== undefined && test !== null) fail(ctx, [...at, 'test'], 'must be a string or a list');
  for (const key of ['interval', 'timeout', 'start_period', 'start_interval'] as const) {
    const d = getOwn(v, key);
    if (d !== undefined && d !== null) out[key] = duration(d, [...at, key], ctx);
  }
  const retries = getOwn(v, 'retries');
  if (retries !== undefined && retries !== null) {
    const n = typeof retries === 'string' && /^\d+$/.test(retries) ? Number(retries) : retries;
    if (typeof n !== 'number' || !Number.isInteger(n)) fail(ctx, [...at, 'retries'], 'must be an integer');
    out.retries = n;
  }
  const disable = getOwn(v, 'disable');
  if (disable !== undefined && disable !== null) out.disable = toBool(disable, [...at, 'disable'], ctx);
  return out;
}

function normalizeBuild(v: Tree, at: string[], ctx: NormalizeContext): unknown {
  if (typeof v === 'string') return { context: path.resolve(ctx.workingDir, v), dockerfile: 'Dockerfile' };
  if (!isMap(v)) return fail(ctx, at, 'must be a path or a mapping');
  const out: TreeMap = { ...v };
  const context = getOwn(v, 'context');
  const ctxPath = typeof context === 'string' ? context : '.';
  // remote contexts (git URLs…) stay as written
  setOwn(
    out,
    'context',
    /^[a-z][a-z0-9+.-]*:\/\//i.test(ctxPath) || ctxPath.startsWith('git@')
      ? ctxPath
      : path.resolve(ctx.workingDir, ctxPath),
  );
  if (getOwn(v, 'dockerfile') === undefined && getOwn(v, 'dockerfile_inline') === undefined)
    setOwn(out, 'dockerfile', 'Dockerfile');
  return out;
}

// ---- scalars ----------------------------------------------------------------------------------

function fail(ctx: NormalizeContext, at: string[], message: string, hint?: string): never {
  const where = ctx.locate(at) ?? ctx.locate(at.slice(0, 3)) ?? ctx.locate(at.slice(0, 2));
  throw new ComposeError(`${formatPath(at)} ${message}`, where, hint ? { hint } : {});
}

function toStr(v: Tree, at: string[], ctx: NormalizeContext): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return fail(ctx, at, 'must be a string');
}

function optionalString(v: Tree | undefined, at: string[], ctx: NormalizeContext): string | undefined {
  return v === undefined || v === null ? undefined : toStr(v, at, ctx);
}

/** Environment/label values: numbers and booleans become their text, as compose writes them. */
function scalarString(v: Tree, at: string[], ctx: NormalizeContext): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(ctx, at, 'must be a string, number or boolean');
}

function stringValues(map: TreeMap, at: string[], ctx: NormalizeContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map))
    setOwn(out, k, v === null ? '' : scalarString(v, [...at, k], ctx));
  return out;
}

function toList(v: Tree, at: string[], ctx: NormalizeContext): Tree[] {
  if (Array.isArray(v)) return v;
  return fail(ctx, at, 'must be a list');
}

function strings(v: Tree, at: string[], ctx: NormalizeContext): string[] {
  return toList(v, at, ctx).map((x, i) => toStr(x, [...at, String(i)], ctx));
}

function stringOrList(v: Tree, at: string[], ctx: NormalizeContext): string[] {
  return typeof v === 'string' ? [v] : strings(v, at, ctx);
}

function toBool(v: Tree, at: string[], ctx: NormalizeContext): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return fail(ctx, at, 'must be a boolean');
}

function duration(v: Tree, at: string[], ctx: NormalizeContext): string {
  const d = typeof v === 'string' ? normaliseDuration(v) : undefined;
  if (d === undefined)
    return fail(ctx, at, `must be a duration such as "10s" or "1m30s", not ${JSON.stringify(v)}`);
  return d;
}

function scalarSize(v: Tree, at: string[], ctx: NormalizeContext): string | number {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return fail(ctx, at, 'must be a size such as "256m"');
}
