import * as os from 'node:os';
import * as path from 'node:path';
import type { DockerGlobals } from '../plugin/argv';

/** The docker CLI's config dir: --config, then DOCKER_CONFIG, then ~/.docker. */
export function configDir(globals: DockerGlobals, env: NodeJS.ProcessEnv): string {
  return globals.config ?? env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
}
