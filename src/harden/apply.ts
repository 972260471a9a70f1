import * as fs from 'node:fs';
import * as path from 'node:path';
import { applySeccomp, applySeccompToFile, findServiceFile } from '../compose/apply';
import type { ComposeProject, ComposeService } from '../compose/model';
import { hasNoNewPrivileges, seccompOptionValue } from '../policy';

/** What `harden --apply` did to the compose file. */
export interface ApplyOutcome {
  /** one sentence per change or warning; empty when the file already pointed at the profile */
  actions: string[];
  /** the compose file edited (absent when nothing needed editing) */
  file?: string;
}

interface ApplyPlan {
  /** `./seccomp/postgres.json`: the profile relative to the project directory, as compose wants it */
  profileRef: string;
  /** the compose file to edit; absent when the service already points at the profile, with NNP */
  file?: string;
}

/** `./x/y.json` for a path under the project directory, else the path relative to it. */
function composeRef(projectDir: string, file: string): string {
  const rel = path.relative(projectDir, file).split(path.sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}

/**
 * What `--apply` will change, decided (and refused, when the edit cannot be made safely: a shared
 * anchor, an aliased service…) before anything runs, so a bad compose file costs no trace:
 * - the service's security_opt already resolves to the profile, with no-new-privileges: nothing;
 * - else the file that defines its security_opt (or the service: the last of the -f files) gets
 *   `seccomp:REF` (an interpolated `${VAR:-seccomp:…}` keeps its variable, only the default
 *   changes) and `no-new-privileges:true` when missing. See compose/apply.
 */
export function planApply(project: ComposeProject, service: ComposeService, output: string): ApplyPlan {
  const profileRef = composeRef(project.workingDir, output);
  const current = service.security_opt
    .map((o) => seccompOptionValue(o))
    .filter((v) => v !== undefined)
    .at(-1);
  const pointsThere =
    current !== undefined && current !== 'unconfined' && path.resolve(project.workingDir, current) === output;
  if (pointsThere && hasNoNewPrivileges(service.security_opt)) return { profileRef };
  const sources = project.files.map((file) => ({ file, source: fs.readFileSync(file, 'utf8') }));
  const { file, source } = findServiceFile(sources, service.name);
  applySeccomp({ source, file, service: service.name, profile: profileRef }); // throws what it refuses
  return { profileRef, file };
}

/** Edits the compose file as `planApply` decided: atomically, comments and anchors kept. */
export function applyProfile(project: ComposeProject, service: ComposeService, output: string): ApplyOutcome {
  const plan = planApply(project, service, output);
  if (!plan.file) return { actions: [] };
  const result = applySeccompToFile(plan.file, { service: service.name, profile: plan.profileRef });
  if (!result.changed) return { actions: [...result.warnings] };
  return { actions: [...result.actions, ...result.warnings], file: plan.file };
}
