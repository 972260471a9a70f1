import type Dockerode from 'dockerode';
import { EngineUnreachableError, UsageError } from '../errors';
import type { DockerGlobals } from '../plugin/argv';
import { resolveEndpoint, type ResolvedEndpoint } from './endpoint';

/** A connected engine: the dockerode client and where it points. Passed into every Docker-facing service. */
export interface Engine {
  docker: Dockerode;
  endpoint: ResolvedEndpoint;
}

/** dockerode constructor options for an endpoint (dockerode itself knows no contexts). */
export function dockerodeOptions(ep: ResolvedEndpoint): Dockerode.DockerOptions {
  const url = new URL(ep.host);
  const tls = ep.tls ? { ca: ep.tls.ca, cert: ep.tls.cert, key: ep.tls.key } : {};
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: decodeURIComponent(url.pathname) };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const secure = url.protocol === 'https:' || ep.tls !== undefined;
      return {
        host: url.hostname,
        port: url.port || (secure ? 2376 : 2375),
        protocol: secure ? 'https' : 'http',
        ...tls,
        // dockerode passes these to https.Agent; --tls without --tlsverify skips verification.
        ...(ep.tls && !ep.tls.verify ? { rejectUnauthorized: false } : {}),
      } as Dockerode.DockerOptions;
    }
    case 'ssh:':
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || 22,
        username: url.username || undefined,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      } as Dockerode.DockerOptions;
    default:
      throw new UsageError(`unsupported engine endpoint "${ep.host}" (from ${ep.source})`, {
        hint: 'use unix://, tcp:// or ssh:// hosts',
      });
  }
}

/** Opens and pings the engine; an engine that does not answer is EngineUnreachableError (exit 3). */
export async function connectEngine(
  globals: DockerGlobals = {},
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 5_000,
): Promise<Engine> {
  const endpoint = resolveEndpoint(globals, env);
  const { default: DockerodeCtor } = await import('dockerode');
  const docker = new DockerodeCtor({ ...dockerodeOptions(endpoint), timeout: timeoutMs });
  try {
    await docker.ping();
  } catch (e) {
    throw new EngineUnreachableError(
      `cannot reach the Docker engine at ${endpoint.host} (${endpoint.source}): ${(e as Error).message}`,
      { hint: 'start the engine (e.g. `dockerd` or Docker Desktop) or point DOCKER_HOST / --context at one' },
    );
  }
  // The ping used a short timeout; long calls (wait, logs, archives) must not inherit it.
  return { docker: new DockerodeCtor(dockerodeOptions(endpoint)), endpoint };
}
