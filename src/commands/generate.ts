import { Args, Flags } from '@oclif/core';
import { BaseCommand, compat32Flag, composeFlags, jsonFlag, projectOptions } from './base';

export default class Generate extends BaseCommand {
  static override summary = 'Turn the traces of a service into a minimal seccomp profile.';
  static override description = `Parses every trace session under seccomp/traces/SERVICE/ (or the one --trace-dir names) and writes
a whitelist profile: the system calls the service made, the few its runtime needs (fewer with
no-new-privileges), and their cross-architecture equivalents (amd64 ↔ arm64; the 32-bit i386/arm
forms too when the traces show 32-bit code, or with --compat32). Every allowed call
keeps the conditions of Docker's default profile for the service's capabilities, so the result
never allows what Docker's default would refuse. Calls glibc probes for (clone3, openat2, statx…)
answer ENOSYS when not allowed.

The profile goes where the service's security_opt (or CORE_DATA_SECCOMP_<SERVICE>) points, or to
--output; it is written atomically (the previous one is kept when anything fails), with a report
beside it (NAME.report.json) saying which program needed each call or why it is in the baseline.

Exit codes: 0 written, 1 no system calls in the traces, 2 bad input.`;
  static override examples = [
    '<%= config.bin %> generate postgres',
    '<%= config.bin %> generate postgres --trace-dir seccomp/traces/postgres/20261204T101500Z --output /tmp/pg.json',
    '<%= config.bin %> generate postgres --json | jq .diff',
  ];
  static override args = { service: Args.string({ required: true, description: 'the compose service' }) };
  static override flags = {
    ...composeFlags,
    'trace-dir': Flags.string({
      description: 'One trace session directory (default: every session of the service).',
    }),
    output: Flags.string({
      char: 'o',
      description: 'Where to write the profile (default: the path security_opt names).',
    }),
    compat32: compat32Flag,
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Generate);
    const [{ resolveProject, selectServices }, { generateForService }, { dockerDefaultProfile }] =
      await Promise.all([import('../compose'), import('../profile/from-traces'), import('../policy')]);
    const opts = projectOptions(flags);
    const { project, note } = await resolveProject(opts, opts.resolver);
    if (note) this.note(note);
    const [service] = selectServices(project, [args.service]);
    const result = await generateForService(project, service!, {
      traceDir: flags['trace-dir'],
      output: flags.output,
      env: process.env,
      cwd: process.cwd(),
      defaultProfile: dockerDefaultProfile(),
      compat32: flags.compat32,
    });
    if (flags.json) return this.printJson(result);
    const { diff, generation } = result;
    this.log(
      `Wrote ${result.output}: ${result.allowed} system calls allowed (observed ${result.observed} in ${result.traceFiles} trace files of ${result.sessions.length} session(s)).`,
    );
    this.log(`  added ${diff.added.length}${diff.added.length ? `: ${diff.added.join(' ')}` : ''}`);
    this.log(`  removed ${diff.removed.length}${diff.removed.length ? `: ${diff.removed.join(' ')}` : ''}`);
    if (generation.refused.length > 0) {
      this.log(
        `  refused (Docker's default would not allow them with these capabilities): ${generation.refused.map((r) => r.name).join(' ')}`,
      );
    }
    if (result.unreadableLines > 0)
      this.log(`  ${result.unreadableLines} trace lines could not be read (see the report)`);
    const byProgram = new Map<string, number>();
    for (const programs of Object.values(result.needs))
      for (const p of programs) byProgram.set(p, (byProgram.get(p) ?? 0) + 1);
    const top = [...byProgram.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    this.log(`  programs: ${top.map(([p, n]) => `${p} (${n})`).join(', ')}`);
    this.log(`Report: ${result.report}`);
  }
}
