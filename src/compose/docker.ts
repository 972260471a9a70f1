import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { z } from 'zod';
import { ComposeError, UsageError } from '../errors';
import { resolveContext, type ProjectContext } from './context';
import { loadFromContext } from './loader';
import {
  ComposeProject,
  Healthcheck,
  ServiceVolume,
  type ComposeService,
  type ProjectOptions,
  type Resolver,
  type SourceLocation,
} from './model';
import { setOwn } from './tree';
import { parseComposeYaml } from './yaml';

/**
 * The `docker compose config --format json` resolver, and the choice between it and the built-in
 * loader. The conversion from compose's JSON to the model is pure (`fromComposeConfig`); only
 * `resolveProject` runs commands.
 */

// ---- compose's JSON output --------------------------------------------------------------------

// the model's shapes, with whatever else compose prints kept
const JsonVolume = ServiceVolume.loose();

const JsonHealthcheck = Healthcheck.loose();

const JsonService = z.looseObject({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.array(z.string()).nullable().optional(),
  entrypoint: z.array(z.string()).nullable().optional(),
  environment: z.record(z.string(), z.string().nullable()).optional(),
  env_file: z
    .array(z.union([z.string(), z.looseObject({ path: z.string(), required: z.boolean().optional() })]))
    .optional(),
  user: z.string().optional(),
  working_dir: z.string().optional(),
  volumes: z.array(JsonVolume).optional(),
  tmpfs: z.array(z.string()).optional(),
  shm_size: z.union([z.string(), z.number()]).optional(),
  networks: z
    .record(z.string(), z.looseObject({ aliases: z.array(z.string()).optional() }).nullable())
    .optional(),
  network_mode: z.string().optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  security_opt: z.array(z.string()).optional(),
  privileged: z.boolean().optional(),
  read_only: z.boolean().optional(),
  init: z.boolean().optional(),
  healthcheck: JsonHealthcheck.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  profiles: z.array(z.string()).optional(),
  stop_signal: z.string().optional(),
  stop_grace_period: z.string().optional(),
  depends_on: z
    .record(
      z.string(),
      z.looseObject({
        condition: z.string().optional(),
        required: z.boolean().optional(),
        restart: z.boolean().optional(),
      }),
    )
    .optional(),
  ulimits: z.record(z.string(), z.unknown()).optional(),
  sysctls: z.record(z.string(), z.string()).optional(),
});

const JsonTopLevel = z
  .looseObject({ name: z.string().optional(), external: z.boolean().optional() })
  .nullable();

/** What `docker compose config --format json` prints (compose v2, compose-go types); unknown keys kept. */
export const ComposeConfigJson = z.looseObject({
  name: z.string(),
  services: z.record(z.string(), JsonService).default({}),
  networks: z.record(z.string(), JsonTopLevel).optional(),
  volumes: z.record(z.string(), JsonTopLevel).optional(),
});
export type ComposeConfigJson = z.infer<typeof ComposeConfigJson>;

/** What the JSON does not say, taken from the same resolution the built-in loader does. */
export interface ConversionContext {
  workingDir: string;
  files: string[];
  environment: Record<string, string>;
  activeProfiles: string[];
  /** where a service is defined; defaults to the first file without a line */
  locate?: (service: string) => SourceLocation | undefined;
}

const TYPED = new Set(Object.keys(JsonService.shape));

/** compose's JSON → the model. Throws ComposeError when the JSON is not compose's shape. */
export function fromComposeConfig(json: unknown, ctx: ConversionContext): ComposeProject {
  const parsed = ComposeConfigJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ComposeError(
      `unexpected output from docker compose config at ${issue.path.map(String).join('.') || 'top level'}: ${issue.message}`,
    );
  }
  const config = parsed.data;
  const services: Record<string, ComposeService> = {};
  for (const [name, s] of Object.entries(config.services))
    setOwn(services, name, convertService(name, s, ctx));

  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (key.startsWith('x-')) setOwn(extensions, key, value);

  const project = {
    name: config.name,
    workingDir: ctx.workingDir,
    files: ctx.files,
    services,
    volumes: topLevel(config.volumes),
    networks: topLevel(config.networks),
    extensions,
    activeProfiles: ctx.activeProfiles,
    environment: { ...ctx.environment, COMPOSE_PROJECT_NAME: config.name },
  };
  return ComposeProject.parse(project);
}

function convertService(
  name: string,
  s: z.infer<typeof JsonService>,
  ctx: ConversionContext,
): ComposeService {
  const service: ComposeService = {
    name,
    environment: s.environment ?? {},
    env_file: (s.env_file ?? []).map((e) => (typeof e === 'string' ? e : e.path)),
    volumes: (s.volumes ?? []).map(({ type, source, target, read_only, bind, volume, tmpfs }) => {
      const v: ComposeService['volumes'][number] = { type, target };
      if (source !== undefined && source !== '') v.source = source;
      if (read_only) v.read_only = true;
      if (bind) v.bind = bind;
      if (volume) v.volume = volume;
      if (tmpfs) v.tmpfs = tmpfs;
      return v;
    }),
    tmpfs: s.tmpfs ?? [],
    networks: Object.fromEntries(
      Object.entries(s.networks ?? {}).map(([n, def]) => [n, { aliases: def?.aliases ?? [] }]),
    ),
    cap_add: s.cap_add ?? [],
    cap_drop: s.cap_drop ?? [],
    security_opt: s.security_opt ?? [],
    privileged: s.privileged ?? false,
    read_only: s.read_only ?? false,
    labels: s.labels ?? {},
    profiles: s.profiles ?? [],
    depends_on: Object.keys(s.depends_on ?? {}),
    source: ctx.locate?.(name) ?? { file: ctx.files[0] ?? ctx.workingDir },
  };
  const optional = [
    'image',
    'build',
    'user',
    'working_dir',
    'network_mode',
    'stop_signal',
    'stop_grace_period',
  ] as const;
  for (const key of optional) if (s[key] !== undefined) (service as Record<string, unknown>)[key] = s[key];
  // compose prints `null` for an unset command/entrypoint
  if (s.command) service.command = s.command;
  if (s.entrypoint) service.entrypoint = s.entrypoint;
  if (s.shm_size !== undefined) service.shm_size = s.shm_size;
  if (s.init !== undefined) service.init = s.init;
  if (s.healthcheck) {
    const { test, interval, timeout, retries, start_period, start_interval, disable } = s.healthcheck;
    const h = { test, interval, timeout, retries, start_period, start_interval, disable };
    service.healthcheck = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined));
  }
  if (s.ulimits) service.ulimits = s.ulimits;
  if (s.sysctls) service.sysctls = s.sysctls;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) if (!TYPED.has(key)) setOwn(extra, key, value);
  if (Object.keys(extra).length) service.extra = extra;
  return service;
}

function topLevel(entries: Record<string, z.infer<typeof JsonTopLevel>> | undefined) {
  const out: Record<string, { external: boolean; name?: string }> = {};
  for (const [key, def] of Object.entries(entries ?? {})) {
    const entry: { external: boolean; name?: string } = { external: def?.external ?? false };
    if (def?.name !== undefined) entry.name = def.name;
    setOwn(out, key, entry);
  }
  return out;
}

// ---- running docker ---------------------------------------------------------------------------

export interface RunResult {
  stdout: string;
  stderr: string;
}
/** Runs a command; rejects with an Error carrying `code` (exit code or ENOENT) and `stderr`. */
export type CommandRunner = (
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
) => Promise<RunResult>;

export const execRunner: CommandRunner = (command, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

const VERSION_TIMEOUT_MS = 10_000;
const CONFIG_TIMEOUT_MS = 60_000;

export interface ResolvedProject {
  project: ComposeProject;
  resolver: 'builtin' | 'docker';
  /** which resolver `auto` chose, and why */
  note?: string;
}

export interface ResolveDeps {
  /** how commands run (tests pass a fake) */
  run?: CommandRunner;
}

/**
 * Reads the project with the chosen resolver. `auto` uses `docker compose config` when `docker
 * compose version` answers, else the built-in loader, and says which in `note`.
 */
export async function resolveProject(
  opts: ProjectOptions,
  resolver: Resolver = 'builtin',
  deps: ResolveDeps = {},
): Promise<ResolvedProject> {
  const run = deps.run ?? execRunner;
  if (resolver === 'builtin') return { project: loadFromContext(resolveContext(opts)), resolver: 'builtin' };
  const ctx = resolveContext(opts);
  if (resolver === 'docker') return { project: await dockerConfig(ctx, run), resolver: 'docker' };

  const available = await composeVersion(ctx, run);
  if (available.ok) {
    return {
      project: await dockerConfig(ctx, run),
      resolver: 'docker',
      note: `read the project with docker compose ${available.version} (auto)`,
    };
  }
  return {
    project: loadFromContext(ctx),
    resolver: 'builtin',
    note: `docker compose is not available (${available.reason}); read the project with the built-in loader (auto)`,
  };
}

async function composeVersion(
  ctx: ProjectContext,
  run: CommandRunner,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const { stdout } = await run('docker', ['compose', 'version', '--short'], {
      cwd: ctx.cwd,
      env: ctx.processEnv,
      timeoutMs: VERSION_TIMEOUT_MS,
    });
    return { ok: true, version: stdout.trim() || 'v2' };
  } catch (e) {
    return { ok: false, reason: failureReason(e) };
  }
}

/** The arguments that make docker compose see the project we resolved, every profile enabled. */
export function composeConfigArgs(ctx: ProjectContext): string[] {
  const args = ['compose'];
  for (const f of ctx.files) args.push('-f', f);
  args.push('--project-directory', ctx.workingDir);
  if (ctx.explicitName) args.push('-p', ctx.explicitName);
  if (ctx.explicitEnvFiles) for (const f of ctx.envFiles) args.push('--env-file', f);
  // every service, whatever its profiles: status and verify cover them all
  args.push('--profile', '*', 'config', '--format', 'json');
  return args;
}

async function dockerConfig(ctx: ProjectContext, run: CommandRunner): Promise<ComposeProject> {
  let stdout: string;
  try {
    ({ stdout } = await run('docker', composeConfigArgs(ctx), {
      cwd: ctx.cwd,
      env: ctx.processEnv,
      timeoutMs: CONFIG_TIMEOUT_MS,
    }));
  } catch (e) {
    const reason = failureReason(e);
    if (isUnavailable(e)) {
      throw new UsageError(`docker compose is not available: ${reason}`, {
        hint: 'install the docker compose plugin, or use --resolver builtin',
      });
    }
    throw new ComposeError(`docker compose config failed: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (e) {
    throw new ComposeError(`docker compose config printed no JSON: ${(e as Error).message}`);
  }
  return fromComposeConfig(json, {
    workingDir: ctx.workingDir,
    files: ctx.files,
    environment: ctx.environment,
    activeProfiles: ctx.activeProfiles,
    locate: locateServices(ctx.files),
  });
}

function failureReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (err.code === 'ENOENT') return 'docker is not installed or not on PATH';
  if (err.killed) return 'timed out';
  const stderr = (err.stderr ?? '').trim().split('\n').filter(Boolean);
  return stderr.length ? stderr.slice(0, 3).join(' ') : (err.message ?? String(e));
}

function isUnavailable(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException & { stderr?: string };
  return (
    err.code === 'ENOENT' ||
    /unknown (shorthand )?(flag|command)|is not a docker command/i.test(err.stderr ?? '')
  );
}

/** Service key positions read from the files themselves (compose's JSON has none). */
export function locateServices(files: readonly string[]): (service: string) => SourceLocation | undefined {
  const found = new Map<string, SourceLocation>();
  for (const file of files) {
    try {
      for (const doc of parseComposeYaml(fs.readFileSync(file, 'utf8'), file)) {
        for (const [key, pos] of doc.keys) {
          const [top, service, ...rest] = key.split('\u0000');
          if (top === 'services' && service !== undefined && rest.length === 0 && !found.has(service)) {
            found.set(service, { file, line: pos.line, column: pos.column });
          }
        }
      }
    } catch {
      // docker compose read it; a location is a nicety
    }
  }
  return (service) => found.get(service);
}
