import { z } from 'zod';

/**
 * The typed compose model: what the loader (built-in or `docker compose config`) produces after
 * interpolation, merging and normalisation. Only the fields this tool reads are typed; anything
 * else a service carries is kept in `extra` untouched.
 */

export const SourceLocation = z.object({
  file: z.string(),
  /** 1-based line of the service's key in that file */
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
});
export type SourceLocation = z.infer<typeof SourceLocation>;

export const Healthcheck = z.object({
  /** normalised: ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"] */
  test: z.array(z.string()).optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().int().optional(),
  start_period: z.string().optional(),
  start_interval: z.string().optional(),
  disable: z.boolean().optional(),
});
export type Healthcheck = z.infer<typeof Healthcheck>;

/** Long form of a service volume, the short `src:dst:mode` form is normalised into it. */
export const ServiceVolume = z.object({
  type: z.enum(['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image']),
  /** named volume name (unprefixed) or host path (absolute, resolved from the project directory) */
  source: z.string().optional(),
  target: z.string(),
  read_only: z.boolean().optional(),
  /** bind options: `create_host_path` (short syntax), `propagation`, `selinux` (z/Z) */
  bind: z.record(z.string(), z.unknown()).optional(),
  /** volume options: `nocopy`, `subpath` */
  volume: z.record(z.string(), z.unknown()).optional(),
  /** tmpfs options: `size`, `mode` */
  tmpfs: z.record(z.string(), z.unknown()).optional(),
});
export type ServiceVolume = z.infer<typeof ServiceVolume>;

export const ComposeService = z.object({
  name: z.string(),
  image: z.string().optional(),
  build: z.unknown().optional(),
  /** always the exec form after normalisation (a string is split like a shell would) */
  command: z.array(z.string()).nullable().optional(),
  entrypoint: z.array(z.string()).nullable().optional(),
  /** null value = variable named without a value (taken from the environment at run time) */
  environment: z.record(z.string(), z.string().nullable()).default({}),
  /** env_file entries, already read and merged into `environment` by the loader; kept for reporting */
  env_file: z.array(z.string()).default([]),
  user: z.string().optional(),
  working_dir: z.string().optional(),
  volumes: z.array(ServiceVolume).default([]),
  tmpfs: z.array(z.string()).default([]),
  shm_size: z.union([z.string(), z.number()]).optional(),
  /** network name (unprefixed) → aliases */
  networks: z.record(z.string(), z.object({ aliases: z.array(z.string()).default([]) })).default({}),
  network_mode: z.string().optional(),
  cap_add: z.array(z.string()).default([]),
  cap_drop: z.array(z.string()).default([]),
  security_opt: z.array(z.string()).default([]),
  privileged: z.boolean().default(false),
  read_only: z.boolean().default(false),
  healthcheck: Healthcheck.optional(),
  labels: z.record(z.string(), z.string()).default({}),
  profiles: z.array(z.string()).default([]),
  stop_signal: z.string().optional(),
  stop_grace_period: z.string().optional(),
  depends_on: z.array(z.string()).default([]),
  ulimits: z.record(z.string(), z.unknown()).optional(),
  sysctls: z.record(z.string(), z.string()).optional(),
  init: z.boolean().optional(),
  /** where the service is defined (first file that defines it) */
  source: SourceLocation,
  /** every other attribute of the service (ports, ipc, devices, x-*, …), after interpolation and merging */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type ComposeService = z.infer<typeof ComposeService>;

export const ComposeProject = z.object({
  name: z.string(),
  /** absolute project directory: relative paths in the project resolve from here */
  workingDir: z.string(),
  /** absolute paths of the compose files, in merge order */
  files: z.array(z.string()),
  services: z.record(z.string(), ComposeService),
  /** named volumes / networks declared at top level (unprefixed name → external?) */
  volumes: z.record(
    z.string(),
    z.object({ external: z.boolean().default(false), name: z.string().optional() }),
  ),
  networks: z.record(
    z.string(),
    z.object({ external: z.boolean().default(false), name: z.string().optional() }),
  ),
  /** top-level `x-*` extension fields, as written (after interpolation) */
  extensions: z.record(z.string(), z.unknown()),
  /** profiles that are active (from --profile / COMPOSE_PROFILES) */
  activeProfiles: z.array(z.string()),
  /** the environment used for interpolation (process env over .env / --env-file) */
  environment: z.record(z.string(), z.string()),
  /** what compose would warn about (unset variables, obsolete `version`, truncated commands) */
  warnings: z.array(z.string()).optional(),
});
export type ComposeProject = z.infer<typeof ComposeProject>;

export interface ProjectOptions {
  /** -f/--file, repeatable; else COMPOSE_FILE; else discovery in the project directory */
  files?: string[];
  projectDirectory?: string;
  /** -p; else COMPOSE_PROJECT_NAME; else `name:` in the files; else the directory's basename */
  projectName?: string;
  /** --env-file, repeatable; else `.env` in the project directory when present */
  envFiles?: string[];
  /** --profile, repeatable; else COMPOSE_PROFILES */
  profiles?: string[];
  /** process environment (defaults to process.env); tests pass their own */
  env?: Record<string, string | undefined>;
  /** where relative paths in flags resolve from (defaults to process.cwd()) */
  cwd?: string;
}

export type Resolver = 'auto' | 'builtin' | 'docker';
