import { Args, Flags } from '@oclif/core';
import { BaseCommand, compat32Flag, composeFlags, jsonFlag, projectOptions } from './base';

export default class Harden extends BaseCommand {
  static override summary = 'Trace, generate, and prove a profile by replaying the workload under it.';
  static override description = `Closes the loop: traces SERVICE while the workload runs, generates its profile, then replays the
same workload with the service running under that profile and the kernel logging (SCMP_ACT_LOG)
every call the profile lacks, adds what was logged and replays again (at most --rounds times).
A final run with no tracer and the profile enforcing must reach healthy and pass the workload;
only then is the profile written (atomically) where the service's security_opt points, or to --output,
with its report beside it (NAME.report.json: who needed each call).

--apply then wires it into the compose file: when the service's security_opt does not already point
at the profile, the file that defines it gets "seccomp:./seccomp/SERVICE.json" (and
"no-new-privileges:true" when missing), edited in place with comments, anchors and layout kept.
An entry built by interpolation (\${VAR:-seccomp:…}) is never rewritten.

Complain-mode replays read the kernel log of the engine's host (/dev/kmsg): a local engine, as root.
Elsewhere only the enforcing run is made.

Exit codes: 0 profile proven and written, 1 the service or workload failed under the profile,
2 bad input, 3 engine unreachable, 130 interrupted.`;
  static override examples = [
    `<%= config.bin %> harden postgres --wait-healthy --exec 'pgbench -i -U postgres coredata' --exec 'pgbench -T 10 -U postgres coredata'`,
    '<%= config.bin %> harden valkey --workload ./tests/valkey-smoke.sh --apply',
    '<%= config.bin %> harden postgres --trace-dir seccomp/traces/postgres/20261204T101500Z --exec "pg_isready" --json',
  ];
  static override args = { service: Args.string({ required: true, description: 'the compose service' }) };
  static override flags = {
    ...composeFlags,
    exec: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'Command run inside the service container (repeatable).',
    }),
    workload: Flags.string({
      description: 'Host command (sh -c) run against the service; COREDATA_CONTAINER holds its id.',
    }),
    duration: Flags.string({
      description: 'Run this long when there is no --exec or --workload (90s, 2m…).',
    }),
    'wait-healthy': Flags.boolean({
      description: 'Wait for the healthcheck before the workload (and require healthy).',
    }),
    rounds: Flags.integer({ default: 3, min: 1, max: 10, description: 'Complain-mode replays at most.' }),
    output: Flags.string({
      char: 'o',
      description:
        'Where to write the profile (default: the path security_opt names; with --apply ./seccomp/SERVICE.json when it names none).',
    }),
    apply: Flags.boolean({
      description:
        'Point the service’s security_opt at the proven profile (edits the compose file in place).',
    }),
    'trace-dir': Flags.string({
      description: 'Reuse this trace session instead of tracing again (replay and enforce only).',
    }),
    recorder: Flags.string({
      options: ['strace', 'bpf'],
      default: 'strace',
      description: 'How to record: strace, or bpf (the kernel counts; near full speed; root, local engine).',
    }),
    compat32: compat32Flag,
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Harden);
    const [{ resolveProject }, { hardenService }, { dockerDefaultProfile }, { parseDuration }] =
      await Promise.all([import('../compose'), import('../harden'), import('../policy'), import('../trace')]);
    const opts = projectOptions(flags);
    const { project, note } = await resolveProject(opts, opts.resolver);
    if (note) this.note(note);
    const engine = await this.engine();
    const result = await hardenService(engine, project, args.service, {
      exec: flags.exec ?? [],
      workload: flags.workload,
      durationMs: flags.duration ? parseDuration(flags.duration) : undefined,
      waitHealthy: flags['wait-healthy'],
      maxRounds: flags.rounds,
      output: flags.output,
      apply: flags.apply,
      traceDir: flags['trace-dir'],
      compat32: flags.compat32,
      recorder: flags.recorder as 'strace' | 'bpf',
      cwd: process.cwd(),
      env: process.env,
      defaultProfile: dockerDefaultProfile(),
      signal: this.signal,
      log: process.stderr,
      progress: flags.json ? 'silent' : 'auto',
    });
    if (flags.json) this.printJson(result);
    else {
      const f = result.final;
      const denials = result.rounds.reduce((n, r) => n + Object.keys(r.denials).length, 0);
      const rows: [string, string][] = [
        [
          'syscalls allowed',
          `${result.allowed} (Docker's default: ${result.dockerDefaultAllowed}, ratio ${(result.allowed / result.dockerDefaultAllowed).toFixed(2)})`,
        ],
        [
          'replays',
          result.complainMode
            ? `${result.rounds.length} complain-mode, ${denials} call(s) added`
            : 'kernel log not readable: enforcing run only',
        ],
        [
          'denials on last replay',
          result.complainMode ? String(Object.keys(result.rounds.at(-1)?.denials ?? {}).length) : 'n/a',
        ],
        [
          'healthy under profile',
          f.healthy === null ? 'no healthcheck waited for' : f.healthy ? 'yes' : 'NO',
        ],
        ['workload under profile', f.failure ? `FAILED: ${f.failure}` : 'passed'],
        [
          'files written',
          result.written
            ? [result.output, result.report, result.composeFile].filter(Boolean).join(', ')
            : 'none (the profile was not proven)',
        ],
        ['traces', result.traceDir],
        [
          'wall time',
          `trace ${(result.traceWallMs / 1000).toFixed(1)} s, replay ${(result.replayWallMs / 1000).toFixed(1)} s`,
        ],
      ];
      if (flags.apply && result.written) {
        rows.push([
          'compose file',
          result.composeFile
            ? `${result.composeFile} edited`
            : `unchanged (its security_opt already points at ${result.output})`,
        ]);
      }
      for (const [k, v] of rows) this.log(`${k.padEnd(24)} ${v}`);
      for (const a of result.applied) this.log(`  ${a}`);
      for (const [name, who] of Object.entries(result.added))
        this.log(`  added ${name}: needed by ${who.join(', ')}`);
    }
    if (!result.written) this.exit(1);
  }
}
