import { ComposeProject, ComposeService } from '../../../src/compose/model';
import type { ReadFile } from '../../../src/policy';

export const PROJECT_DIR = '/srv/stack';

/** A compose service as the loader produces it, compliant unless overridden. */
export function service(name: string, over: Record<string, unknown> = {}): ComposeService {
  return ComposeService.parse({
    name,
    image: 'busybox',
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true', `seccomp:seccomp/${name}.json`],
    source: { file: `${PROJECT_DIR}/docker-compose.yml`, line: 2 },
    ...over,
  });
}

export function project(
  services: ComposeService[],
  extensions: Record<string, unknown> = {},
): ComposeProject {
  return ComposeProject.parse({
    name: 'stack',
    workingDir: PROJECT_DIR,
    files: [`${PROJECT_DIR}/docker-compose.yml`],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    volumes: {},
    networks: {},
    extensions,
    activeProfiles: [],
    environment: {},
  });
}

export const TIGHT_PROFILE = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }],
});

/** An in-memory file system; counts reads so tests can prove a profile is parsed once. */
export function memFs(files: Record<string, string>): ReadFile & { reads: string[] } {
  const reads: string[] = [];
  const read = (file: string) => {
    reads.push(file);
    const text = files[file];
    if (text === undefined)
      throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
    return text;
  };
  return Object.assign(read, { reads });
}
