import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { DockerGlobals } from '../plugin/argv';
import { PLUGIN_FILE } from '../plugin/metadata';
import { connectEngine } from './engine';
import { configDir } from './config-dir';

/** `doctor --json` output; exported so a test pins the contract. */
export const DoctorReport = z.object({
  endpoint: z.object({
    host: z.string(),
    source: z.string(),
    context: z.string().optional(),
    tls: z.boolean(),
  }),
  engine: z.object({
    version: z.string(),
    apiVersion: z.string(),
    os: z.string(),
    arch: z.string(),
    kernel: z.string(),
    seccomp: z.boolean(),
    seccompProfile: z.string().optional(),
    cgroupVersion: z.string().optional(),
    securityOptions: z.array(z.string()),
  }),
  plugin: z.object({
    mode: z.enum(['plugin', 'standalone']),
    executable: z.string(),
    installed: z.array(z.string()),
  }),
  strace: z.object({
    portable: z.boolean(),
    binary: z.string().optional(),
    version: z.string().optional(),
    libraries: z.array(z.string()),
    loader: z.string().optional(),
    reason: z.string().optional(),
  }),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

/** Where the docker CLI looks for plugins besides the user's config dir (docker/cli defaults on Linux). */
export const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

function which(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether a portable strace (host strace + what ldd lists + the ELF loader) can be assembled here. */
export function probePortableStrace(env: NodeJS.ProcessEnv = process.env): DoctorReport['strace'] {
  const binary = which('strace', env);
  if (!binary)
    return { portable: false, libraries: [], reason: 'no strace on PATH (apt-get install strace)' };
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5_000 });
  let version: string | undefined;
  try {
    version = /strace -- version (\S+)/.exec(run(binary, ['-V']))?.[1];
  } catch {
    return { portable: false, binary, libraries: [], reason: `${binary} -V failed` };
  }
  let lddOut: string;
  try {
    lddOut = run('ldd', [binary]);
  } catch {
    return { portable: false, binary, version, libraries: [], reason: 'ldd is missing or failed' };
  }
  const libraries: string[] = [];
  let loader: string | undefined;
  for (const line of lddOut.split('\n')) {
    const lib = /=>\s+(\/\S+)/.exec(line)?.[1];
    if (lib) libraries.push(lib);
    else if (/^\s*\/\S*ld-linux\S*/.test(line)) loader = line.trim().split(/\s+/)[0];
  }
  if (!loader) return { portable: false, binary, version, libraries, reason: 'no ELF loader in ldd output' };
  return { portable: true, binary, version, libraries, loader };
}

export function installedPluginPaths(globals: DockerGlobals, env: NodeJS.ProcessEnv): string[] {
  const dirs = [path.join(configDir(globals, env), 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS];
  return dirs.map((d) => path.join(d, PLUGIN_FILE)).filter((p) => fs.existsSync(p));
}

/** Everything `doctor` reports; engine unreachable → EngineUnreachableError (exit 3). */
export async function diagnose(
  globals: DockerGlobals,
  mode: 'plugin' | 'standalone',
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorReport> {
  const engine = await connectEngine(globals, env);
  const [version, info] = await Promise.all([engine.docker.version(), engine.docker.info()]);
  const securityOptions: string[] = (info as { SecurityOptions?: string[] }).SecurityOptions ?? [];
  const seccompOpt = securityOptions.find((o) => o.includes('name=seccomp'));
  const { endpoint } = engine;
  return DoctorReport.parse({
    endpoint: {
      host: endpoint.host,
      source: endpoint.source,
      context: endpoint.context,
      tls: endpoint.tls !== undefined,
    },
    engine: {
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
      kernel: version.KernelVersion,
      seccomp: seccompOpt !== undefined,
      seccompProfile: seccompOpt ? /profile=([^,]+)/.exec(seccompOpt)?.[1] : undefined,
      cgroupVersion: (info as { CgroupVersion?: string }).CgroupVersion,
      securityOptions,
    },
    plugin: { mode, executable: selfPath(), installed: installedPluginPaths(globals, env) },
    strace: probePortableStrace(env),
  });
}

/** The file that is running: the executable itself, or bin/run.js in the npm layout. */
export function selfPath(): string {
  return isSea() ? process.execPath : path.resolve(process.argv[1] ?? process.execPath);
}

export function isSea(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}
