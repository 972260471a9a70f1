import { Flags } from '@oclif/core';
import { ExitCode } from '../errors';
import { BaseCommand, composeFlags, jsonFlag, projectOptions } from './base';

export default class Verify extends BaseCommand {
  static override summary = 'Check every service of the project against the seccomp and capability policy.';
  static override description = `Every service, whatever its compose profiles, must name an existing, valid seccomp profile that allows nothing Docker's default refuses, drop all capabilities, justify each added one, not run privileged, and set no-new-privileges. Exemptions and justifications live in the compose file's x-core-data extension, each with a reason.

Exit codes: 0 compliant, 1 findings of severity error, 2 bad input.`;
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify --json',
    '<%= config.bin %> verify --sarif coredata.sarif',
  ];
  static override flags = {
    ...composeFlags,
    json: jsonFlag,
    sarif: Flags.string({
      description: 'Also write the findings as a SARIF 2.1.0 log to this file.',
      helpValue: 'FILE',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Verify);
    // Loaded here, not at the top: every command's start-up pays for what the command map imports.
    const [
      { resolveProject },
      { verifyProject, VerifyReport },
      { renderJson, renderVerifyTable, toSarif, writeSarif },
    ] = await Promise.all([import('../compose'), import('../policy'), import('../report')]);
    const opts = projectOptions(flags);
    const { project, note } = await resolveProject(opts, opts.resolver);
    if (note) this.note(note);
    for (const warning of project.warnings ?? []) this.note(`WARN: ${warning}`);
    const report = verifyProject(project, opts.env ?? process.env);
    if (flags.sarif) {
      writeSarif(
        flags.sarif,
        toSarif(report, project, { name: this.config.name, version: this.config.version }),
      );
      if (!flags.json) this.note(`SARIF written to ${flags.sarif}`);
    }
    process.stdout.write(
      flags.json ? renderJson(VerifyReport, report) : renderVerifyTable(report, project.workingDir),
    );
    if (!report.ok) this.exit(ExitCode.failure);
  }
}
