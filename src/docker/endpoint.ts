import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors';
import type { DockerGlobals } from '../plugin/argv';
import { configDir } from './config-dir';

export { configDir };

/** Where the engine endpoint came from, in the docker CLI's order of precedence. */
export type EndpointSource =
  | 'flag --host'
  | 'flag --context'
  | 'env DOCKER_HOST'
  | 'env DOCKER_CONTEXT'
  | 'config currentContext'
  | 'default';

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
  /** verify the server's certificate (false = --tls without --tlsverify, or SkipTLSVerify) */
  verify: boolean;
}

export interface ResolvedEndpoint {
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host … */
  host: string;
  source: EndpointSource;
  /** the context whose endpoint this is, when one was used */
  context?: string;
  tls?: TlsMaterial;
  configDir: string;
}

export const DEFAULT_HOST = 'unix:///var/run/docker.sock';

/** `<config dir>/config.json`, the fields we read. */
const DockerConfigFile = z.object({ currentContext: z.string().optional() }).passthrough();

/** `<config dir>/contexts/meta/<sha256>/meta.json`. */
const ContextMeta = z.object({
  Name: z.string(),
  Endpoints: z.object({
    docker: z.object({ Host: z.string(), SkipTLSVerify: z.boolean().optional() }).passthrough(),
  }),
});

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function listContexts(dir: string): string[] {
  const metaDir = path.join(dir, 'contexts', 'meta');
  if (!fs.existsSync(metaDir)) return [];
  return fs
    .readdirSync(metaDir)
    .map((id) => ContextMeta.safeParse(readJson(path.join(metaDir, id, 'meta.json'))))
    .flatMap((r) => (r.success ? [r.data.Name] : []));
}

function readFileIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/** A named context's endpoint and TLS material, as `docker context create` stores them. */
export function contextEndpoint(dir: string, name: string): { host: string; tls?: TlsMaterial } | undefined {
  const id = contextId(name);
  const raw = readJson(path.join(dir, 'contexts', 'meta', id, 'meta.json'));
  if (raw === undefined) return undefined;
  const meta = ContextMeta.safeParse(raw);
  if (!meta.success) throw new UsageError(`context "${name}" has an unreadable meta.json in ${dir}/contexts`);
  const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker');
  const ca = readFileIfExists(path.join(tlsDir, 'ca.pem'));
  const cert = readFileIfExists(path.join(tlsDir, 'cert.pem'));
  const key = readFileIfExists(path.join(tlsDir, 'key.pem'));
  const docker = meta.data.Endpoints.docker;
  const hasTls = ca !== undefined || cert !== undefined || key !== undefined;
  return {
    host: docker.Host,
    tls: hasTls ? { ca, cert, key, verify: !docker.SkipTLSVerify } : undefined,
  };
}

/** TLS from flags / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, for hosts given by -H or DOCKER_HOST. */
function flagTls(globals: DockerGlobals, env: NodeJS.ProcessEnv, dir: string): TlsMaterial | undefined {
  const verify = globals.tlsverify ?? (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '');
  if (!verify && !globals.tls) return undefined;
  const certPath = env.DOCKER_CERT_PATH || dir;
  return {
    ca: readFileIfExists(globals.tlscacert ?? path.join(certPath, 'ca.pem')),
    cert: readFileIfExists(globals.tlscert ?? path.join(certPath, 'cert.pem')),
    key: readFileIfExists(globals.tlskey ?? path.join(certPath, 'key.pem')),
    verify,
  };
}

function fromContext(
  name: string,
  source: EndpointSource,
  dir: string,
  globals: DockerGlobals,
  env: NodeJS.ProcessEnv,
): ResolvedEndpoint {
  if (name === 'default') {
    const host = env.DOCKER_HOST || DEFAULT_HOST;
    return { host, source, context: name, tls: flagTls(globals, env, dir), configDir: dir };
  }
  const ep = contextEndpoint(dir, name);
  if (!ep) {
    const known = ['default', ...listContexts(dir)].join(', ');
    throw new UsageError(`context "${name}" does not exist (from ${source})`, {
      hint: `known contexts: ${known}; see \`docker context ls\``,
    });
  }
  return { host: ep.host, source, context: name, tls: ep.tls, configDir: dir };
}

/**
 * Resolves the engine endpoint exactly as the docker CLI does: -H/--context from the argv the CLI
 * passed us, then DOCKER_HOST, DOCKER_CONTEXT, `currentContext` in config.json, then the default socket.
 */
export function resolveEndpoint(
  globals: DockerGlobals = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedEndpoint {
  const dir = configDir(globals, env);
  if (globals.host && globals.host.length > 0) {
    if (globals.context) {
      throw new UsageError('conflicting options: either specify --host or --context, not both');
    }
    if (globals.host.length > 1) throw new UsageError('specify only one -H');
    return {
      host: globals.host[0] as string,
      source: 'flag --host',
      tls: flagTls(globals, env, dir),
      configDir: dir,
    };
  }
  if (globals.context) return fromContext(globals.context, 'flag --context', dir, globals, env);
  if (env.DOCKER_HOST) {
    return {
      host: env.DOCKER_HOST,
      source: 'env DOCKER_HOST',
      tls: flagTls(globals, env, dir),
      configDir: dir,
    };
  }
  if (env.DOCKER_CONTEXT) return fromContext(env.DOCKER_CONTEXT, 'env DOCKER_CONTEXT', dir, globals, env);
  const cfg = DockerConfigFile.safeParse(readJson(path.join(dir, 'config.json')) ?? {});
  if (cfg.success && cfg.data.currentContext) {
    return fromContext(cfg.data.currentContext, 'config currentContext', dir, globals, env);
  }
  return { host: DEFAULT_HOST, source: 'default', tls: flagTls(globals, env, dir), configDir: dir };
}
