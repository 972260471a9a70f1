import fs from 'node:fs';
import path from 'node:path';
import { ComposeError, UsageError } from '../errors';
import { DotEnvError, parseDotEnv } from './dotenv';
import type { ProjectOptions } from './model';
import { getOwn, setOwn } from './tree';

/**
 * Everything about a project that does not need its compose files parsed: which files, which
 * project directory, which environment, which profiles, and an explicitly chosen name. Both
 * resolvers (built-in and `docker compose config`) start from it, so they agree on these.
 * Follows docker compose: `-f` else COMPOSE_FILE else discovery; `.env` from the project
 * directory (COMPOSE_* variables may come from it); process environment over env files.
 */

/** Looked for in the project directory, then its parents (compose-go `cli.DefaultFileNames`). */
export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];
/** Loaded after a discovered file when present next to it (compose-go `DefaultOverrideFileNames`). */
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

export interface ProjectContext {
  cwd: string;
  /** the process environment as given (opts.env), without unset entries */
  processEnv: Record<string, string>;
  /** absolute compose files in merge order */
  files: string[];
  /** whether `files` came from -f / COMPOSE_FILE (true) or discovery (false) */
  explicitFiles: boolean;
  workingDir: string;
  /** absolute env files that were read, in order */
  envFiles: string[];
  /** whether the env files came from --env-file */
  explicitEnvFiles: boolean;
  /** env files' values under the process environment */
  environment: Record<string, string>;
  /** from -p or COMPOSE_PROJECT_NAME, already checked */
  explicitName?: string;
  activeProfiles: string[];
  home?: string;
}

export function resolveContext(opts: ProjectOptions): ProjectContext {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const processEnv = definedOnly(opts.env ?? process.env);
  const explicitEnvFiles = (opts.envFiles ?? []).filter((f) => f !== '').map((f) => path.resolve(cwd, f));
  const projectDirectory = opts.projectDirectory ? path.resolve(cwd, opts.projectDirectory) : undefined;

  // COMPOSE_FILE and friends may come from the .env of the directory we start in.
  const startDir = projectDirectory ?? cwd;
  let envFiles = explicitEnvFiles.length ? explicitEnvFiles : defaultDotEnv(startDir);
  let environment = withDotEnv(processEnv, envFiles);

  const { files, explicit } = composeFiles(opts, cwd, startDir, environment);
  const workingDir = projectDirectory ?? path.dirname(files[0]!);
  if (!explicitEnvFiles.length && workingDir !== startDir) {
    envFiles = defaultDotEnv(workingDir);
    environment = withDotEnv(processEnv, envFiles);
  }

  const context: ProjectContext = {
    cwd,
    processEnv,
    files,
    explicitFiles: explicit,
    workingDir,
    envFiles,
    explicitEnvFiles: explicitEnvFiles.length > 0,
    environment,
    activeProfiles: activeProfiles(opts, environment),
  };
  const name = opts.projectName || getOwn(environment, 'COMPOSE_PROJECT_NAME') || undefined;
  if (name !== undefined) context.explicitName = checkProjectName(name);
  const home = getOwn(processEnv, 'HOME');
  if (home) context.home = home;
  return context;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) setOwn(out, k, v);
  return out;
}

function composeFiles(
  opts: ProjectOptions,
  cwd: string,
  startDir: string,
  env: Record<string, string>,
): { files: string[]; explicit: boolean } {
  let given = (opts.files ?? []).filter((f) => f !== '');
  if (!given.length) {
    const fromEnv = getOwn(env, 'COMPOSE_FILE');
    if (fromEnv) {
      const separator = getOwn(env, 'COMPOSE_PATH_SEPARATOR') || path.delimiter;
      given = fromEnv.split(separator).filter((f) => f !== '');
    }
  }
  if (given.length) {
    if (given.includes('-'))
      throw new UsageError('reading a compose file from stdin (-f -) is not supported');
    const files = given.map((f) => path.resolve(cwd, f));
    for (const f of files) checkComposeFile(f);
    return { files, explicit: true };
  }
  const found = discover(startDir);
  if (!found) {
    throw new UsageError(`no compose file found in ${startDir} or any parent directory`, {
      hint: `looked for ${DEFAULT_FILE_NAMES.join(', ')}; name one with -f FILE (or COMPOSE_FILE)`,
    });
  }
  return { files: found, explicit: false };
}

function checkComposeFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ComposeError('no such compose file', { file }, { hint: 'check the -f flags and COMPOSE_FILE' });
  }
  if (stat.isDirectory()) throw new ComposeError('is a directory, not a compose file', { file });
}

/** The first directory from `dir` upwards holding a compose file: that file and its override. */
function discover(dir: string): string[] | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const main = firstFile(current, DEFAULT_FILE_NAMES);
    if (main) {
      const override = firstFile(current, DEFAULT_OVERRIDE_FILE_NAMES);
      return override ? [main, override] : [main];
    }
    if (path.dirname(current) === current) return undefined;
  }
}

function firstFile(dir: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function defaultDotEnv(dir: string): string[] {
  const dotEnv = path.join(dir, '.env');
  return isFile(dotEnv) ? [dotEnv] : [];
}

/** Reads env files in order (later wins) and puts the process environment over them. */
function withDotEnv(processEnv: Record<string, string>, files: readonly string[]): Record<string, string> {
  const fromFiles = readEnvFiles(files, processEnv);
  const out: Record<string, string> = { ...fromFiles };
  for (const [k, v] of Object.entries(processEnv)) setOwn(out, k, v);
  return out;
}

/** Env files as compose-go `GetEnvFromFile` reads them: a file sees the earlier files, then the process env. */
export function readEnvFiles(
  files: readonly string[],
  processEnv: Record<string, string>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ComposeError(
        code === 'ENOENT' ? 'env file not found' : `cannot read env file: ${(e as Error).message}`,
        {
          file,
        },
      );
    }
    try {
      const parsed = parseDotEnv(text, (k) => getOwn(values, k) ?? getOwn(processEnv, k));
      for (const [k, v] of Object.entries(parsed)) setOwn(values, k, v);
    } catch (e) {
      if (e instanceof DotEnvError) throw new ComposeError(e.message, { file, line: e.line });
      throw e;
    }
  }
  return values;
}

function activeProfiles(opts: ProjectOptions, env: Record<string, string>): string[] {
  const given = (opts.profiles ?? []).map((p) => p.trim()).filter((p) => p !== '');
  const list = given.length ? given : (getOwn(env, 'COMPOSE_PROFILES') ?? '').split(',').map((p) => p.trim());
  return [...new Set(list.filter((p) => p !== ''))];
}

/** compose-go `NormalizeProjectName`: lowercase, only [a-z0-9_-], no leading `_`/`-`. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** A name the user chose must already be a valid one, as docker compose requires. */
export function checkProjectName(name: string): string {
  const normalized = normalizeProjectName(name);
  if (normalized !== name || name === '') {
    throw new UsageError(
      `invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
      normalized ? { hint: `try -p ${normalized}` } : {},
    );
  }
  return name;
}
