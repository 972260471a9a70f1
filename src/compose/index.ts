import { UsageError } from '../errors';
import type { ComposeProject, ComposeService } from './model';

/**
 * The compose loader's public face: compose files → the typed model (DESIGN §4 "Compose resolution").
 * `loadProject` is the built-in, synchronous loader; `resolveProject` picks it or `docker compose
 * config`. The rest is pure.
 */

export * from './model';
export { loadProject } from './loader';
export {
  resolveProject,
  fromComposeConfig,
  ComposeConfigJson,
  composeConfigArgs,
  execRunner,
  type CommandRunner,
  type ConversionContext,
  type ResolvedProject,
  type ResolveDeps,
} from './docker';
export { resolveContext, normalizeProjectName, DEFAULT_FILE_NAMES, type ProjectContext } from './context';
export { interpolate, InterpolationError, type Lookup } from './interpolate';
export { parseDotEnv, DotEnvError } from './dotenv';

/**
 * The named services, in the order given (all services, in file order, when none are named).
 * An unknown name is a UsageError listing the project's services.
 */
export function selectServices(project: ComposeProject, names: readonly string[]): ComposeService[] {
  if (names.length === 0) return Object.values(project.services);
  const unknown = names.filter((n) => !Object.hasOwn(project.services, n));
  if (unknown.length) {
    const known = Object.keys(project.services);
    const list = known.length ? known.join(', ') : '(none)';
    throw new UsageError(
      `no such service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (the project ${project.name} has: ${list})`,
      { hint: known.length ? `pick one of: ${list}` : 'the compose files define no services' },
    );
  }
  return [...new Set(names)].map((n) => project.services[n]!);
}

/** `CORE_DATA_SECCOMP_<SERVICE>`: the variable that overrides a service's seccomp option. */
export function seccompOverrideVar(serviceName: string): string {
  return `CORE_DATA_SECCOMP_${serviceName.toUpperCase().replace(/[-.]/g, '_')}`;
}

/** A service runs with the active profiles: it names none, or one of them (`*` activates all). */
export function isServiceActive(
  service: Pick<ComposeService, 'profiles'>,
  project: Pick<ComposeProject, 'activeProfiles'>,
): boolean {
  if (service.profiles.length === 0) return true;
  return (
    project.activeProfiles.includes('*') || service.profiles.some((p) => project.activeProfiles.includes(p))
  );
}
