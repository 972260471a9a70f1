import { PLUGIN_NAME } from './metadata';

/**
 * What the docker CLI (or a user) asked for. The CLI execs `docker-coredata` with everything typed
 * after `docker`: global flags first, then `coredata`, then our words. It also sends
 * `docker-cli-plugin-metadata`, `help coredata` and `__complete coredata …`.
 */
export type Invocation =
  | { kind: 'metadata' }
  | { kind: 'complete'; words: string[] }
  | { kind: 'run'; mode: 'plugin' | 'standalone'; argv: string[]; globals: DockerGlobals };

/** The docker CLI's global flags, kept for engine resolution. */
export interface DockerGlobals {
  context?: string;
  host?: string[];
  config?: string;
  debug?: boolean;
  logLevel?: string;
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

type ValueKey = 'context' | 'config' | 'logLevel' | 'tlscacert' | 'tlscert' | 'tlskey';
const VALUE_FLAGS: Record<string, ValueKey | 'host'> = {
  '--context': 'context',
  '-c': 'context',
  '--host': 'host',
  '-H': 'host',
  '--config': 'config',
  '--log-level': 'logLevel',
  '-l': 'logLevel',
  '--tlscacert': 'tlscacert',
  '--tlscert': 'tlscert',
  '--tlskey': 'tlskey',
};
const BOOL_FLAGS: Record<string, 'debug' | 'tls' | 'tlsverify'> = {
  '--debug': 'debug',
  '-D': 'debug',
  '--tls': 'tls',
  '--tlsverify': 'tlsverify',
};

/**
 * Splits leading docker global flags off `args` (`--flag value`, `--flag=value`, `-Hvalue` forms).
 * Returns the globals and the index of the first word that is not a global flag.
 */
export function parseGlobals(args: readonly string[]): { globals: DockerGlobals; rest: number } {
  const globals: DockerGlobals = {};
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') break;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const boolKey = BOOL_FLAGS[name];
    if (boolKey) {
      globals[boolKey] = eq > 0 ? arg.slice(eq + 1) !== 'false' : true;
      i += 1;
      continue;
    }
    let key = VALUE_FLAGS[name];
    let value: string | undefined;
    if (key) {
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        value = args[i + 1];
        i += 1;
      }
    } else if (/^-[cHl]./.test(arg)) {
      key = VALUE_FLAGS[arg.slice(0, 2)];
      value = arg.slice(2);
    } else break;
    i += 1;
    if (value === undefined || key === undefined) break;
    if (key === 'host') globals.host = [...(globals.host ?? []), value];
    else globals[key] = value;
  }
  return { globals, rest: i };
}

/** Classifies an invocation from its argv (without node/executable). */
export function parseInvocation(args: readonly string[]): Invocation {
  if (args[0] === 'docker-cli-plugin-metadata') return { kind: 'metadata' };
  if (args[0] === '__complete' || args[0] === '__completeNoDesc') {
    const words = args[1] === PLUGIN_NAME ? args.slice(2) : args.slice(1);
    return { kind: 'complete', words };
  }
  if (args[0] === 'help' && args[1] === PLUGIN_NAME) {
    return { kind: 'run', mode: 'plugin', argv: [...args.slice(2), '--help'], globals: {} };
  }
  const { globals, rest } = parseGlobals(args);
  if (args[rest] === PLUGIN_NAME) {
    return { kind: 'run', mode: 'plugin', argv: args.slice(rest + 1), globals };
  }
  // Run directly (standalone `docker-core-data [globals] …` or `docker-coredata install`).
  return { kind: 'run', mode: 'standalone', argv: args.slice(rest), globals };
}
