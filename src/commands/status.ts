import { Args } from '@oclif/core';
import { BaseCommand, composeFlags, jsonFlag, projectOptions } from './base';

export default class Status extends BaseCommand {
  static override summary = "Show each service's seccomp profile, where it comes from, and its capabilities.";
  static override description = `For every service (whatever its compose profiles) or the named ones: the seccomp spec and its source (an exported CORE_DATA_SECCOMP_<SERVICE> overrides the compose file), the profile path, its state (present, missing, invalid, unconfined, none), how many system calls it allows, and cap_drop.`;
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status postgres pgbouncer',
    'CORE_DATA_SECCOMP_POSTGRES=seccomp:/tmp/postgres.json <%= config.bin %> status postgres --json',
  ];
  static override strict = false;
  static override args = {
    service: Args.string({ description: 'service to show (repeatable; default: all)' }),
  };
  static override flags = { ...composeFlags, json: jsonFlag };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Status);
    const [
      { resolveProject, selectServices },
      { projectStatus, StatusReport },
      { renderJson, renderStatusTable },
    ] = await Promise.all([import('../compose'), import('../policy'), import('../report')]);
    const opts = projectOptions(flags);
    const { project, note } = await resolveProject(opts, opts.resolver);
    if (note) this.note(note);
    for (const warning of project.warnings ?? []) this.note(`WARN: ${warning}`);
    const names = selectServices(project, argv as string[]).map((s) => s.name);
    const report = projectStatus(project, opts.env ?? process.env, names);
    process.stdout.write(
      flags.json ? renderJson(StatusReport, report) : renderStatusTable(report, project.workingDir),
    );
  }
}
