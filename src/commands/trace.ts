import * as path from 'node:path';
import * as readline from 'node:readline';
import { Args, Flags } from '@oclif/core';
import { resolveProject, selectServices } from '../compose';
import { ExitCode, UsageError } from '../errors';
import {
  CleanupResult,
  cleanupTraces,
  parseDuration,
  traceService,
  TraceResult,
  type TraceOptions,
} from '../trace';
import { BaseCommand, composeFlags, jsonFlag, projectOptions } from './base';

export default class Trace extends BaseCommand {
  static override summary = 'Run a service under strace and collect its system calls.';
  static override description = `Runs SERVICE in a container of its own (its image, user, capabilities, mounts and networks, Docker's default seccomp profile, never privileged) under strace -ff, wraps its healthcheck and every --exec in strace too, stops it gracefully and collects the traces into seccomp/traces/SERVICE/<UTC timestamp>/ with a manifest.json.
Without --duration, --exec or --workload it traces until you press Enter or Ctrl-C.

--recorder bpf records without strace: the service runs untraced while the kernel counts its system
calls (bpftrace at the raw_syscalls tracepoints, keyed by the container's mount namespace), so it
runs at near full speed (pgbench keeps ~85 % of its throughput, against ~30 % under strace). It
records names, counts, the command name (comm) and EPERM/ENOSYS failures, not arguments or program
paths; it needs root, bpftrace and a local engine, and a workload (--exec, --workload or --duration).
generate and harden read its sessions (recording.json) like strace's.
Exit codes: 0 traces collected, 1 the service or workload failed (traces kept), 2 bad input, 3 engine unreachable, 130 interrupted (traces kept).`;
  static override examples = [
    '<%= config.bin %> trace postgres',
    '<%= config.bin %> trace postgres --wait-healthy --exec "pgbench -i -U postgres" --exec "pgbench -T 30 -U postgres"',
    '<%= config.bin %> trace api --duration 2m --workload "./load-test.sh"',
    '<%= config.bin %> trace postgres --recorder bpf --wait-healthy --exec "pgbench -T 30 -U postgres"',
    '<%= config.bin %> trace --cleanup',
  ];
  static override args = {
    service: Args.string({ description: 'the compose service to trace' }),
  };
  static override flags = {
    ...composeFlags,
    duration: Flags.string({
      char: 'd',
      description: 'Trace for this long (90s, 2m, 1h30m; a number is seconds).',
    }),
    exec: Flags.string({
      multiple: true,
      description: 'Run CMD inside the container under strace (repeatable, in order).',
    }),
    workload: Flags.string({
      description:
        'Run CMD on this machine (sh -c) while tracing; COREDATA_CONTAINER holds the container id.',
    }),
    'wait-healthy': Flags.boolean({
      description: 'Wait until the healthcheck reports healthy before the workload.',
    }),
    'wait-timeout': Flags.string({ default: '2m', description: 'How long --wait-healthy waits.' }),
    'output-dir': Flags.string({
      char: 'o',
      description: 'Put the traces in this (new or empty) directory instead.',
    }),
    replace: Flags.boolean({
      description: 'Stop the running service while a twin of it is traced; start it again afterwards.',
    }),
    cleanup: Flags.boolean({
      description: 'Remove containers, volumes and networks left by interrupted traces.',
    }),
    'strace-option': Flags.string({
      multiple: true,
      hidden: true,
      description: 'Extra strace option (e.g. --seccomp-bpf).',
    }),
    recorder: Flags.string({
      options: ['strace', 'bpf'],
      default: 'strace',
      description: 'strace (arguments, program paths; slower) or bpf (kernel counts; near full speed, root).',
    }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Trace);
    if (flags.cleanup) {
      const done = CleanupResult.parse(await cleanupTraces(await this.engine()));
      if (flags.json) this.printJson(done);
      else this.log(renderCleanup(done));
      return;
    }
    if (!args.service)
      throw new UsageError('missing SERVICE', { hint: `${this.config.bin} trace SERVICE (or --cleanup)` });
    const options: TraceOptions = {
      durationMs: flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration'),
      healthyTimeoutMs: parseDuration(flags['wait-timeout'], '--wait-timeout'),
      exec: flags.exec,
      workload: flags.workload,
      waitHealthy: flags['wait-healthy'],
      outputDir: flags['output-dir'] && path.resolve(flags['output-dir']),
      replace: flags.replace,
      straceOptions: flags['strace-option'],
      signal: this.signal,
      waitForUser: waitForEnter,
      progress: flags.json ? 'silent' : 'auto',
    };
    const opts = projectOptions(flags);
    const { project, note } = await resolveProject(opts, opts.resolver);
    if (note) this.note(note);
    selectServices(project, [args.service]);
    if (flags.recorder === 'bpf') {
      if (flags.replace || flags['strace-option']?.length) {
        throw new UsageError('--replace and --strace-option go with --recorder strace only');
      }
      const { recordService } = await import('../trace/record');
      const r = await recordService(await this.engine(), project, args.service, options);
      if (flags.json) return this.printJson(r);
      const rel = path.relative(process.cwd(), r.outputDir) || '.';
      this.log(
        `${r.service}: recorded ${r.syscalls} system calls (${r.calls} calls) in ${rel}${r.run.failure ? `; but ${r.run.failure}` : ''}`,
      );
      if (r.unreadable > 0) this.log(`  ${r.unreadable} lines of bpftrace's output could not be read`);
      this.log(`Next: ${this.config.bin} generate ${r.service} --trace-dir ${rel}`);
      if (this.signal.aborted) this.exit(ExitCode.interrupted); // what was recorded is kept
      if (r.run.failure) this.exit(ExitCode.failure);
      return;
    }
    const result = await traceService(await this.engine(), project, args.service, options);
    if (flags.json) this.printJson(TraceResult.parse(result));
    else this.log(renderSummary(result, this.config.bin));
    if (result.exitCode !== 0) this.exit(result.exitCode);
  }
}

/** Resolves on the first line typed on stdin; at end of input only Ctrl-C (the signal) ends the wait. */
function waitForEnter(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    const done = () => {
      signal.removeEventListener('abort', done);
      rl.close();
      process.stdin.pause();
      resolve();
    };
    rl.once('line', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function renderSummary(r: TraceResult, bin: string): string {
  const m = r.manifest;
  const rel = path.relative(process.cwd(), r.outputDir) || '.';
  const lines = [
    `${r.service}: ${r.message.replace(r.outputDir, rel)}`,
    `  ran ${m.durationSeconds.toFixed(1)}s, exit status ${r.exitStatus ?? '-'} (${m.exit.by}); strace ${m.strace.version} (${m.strace.source}, ${m.strace.mode})`,
  ];
  if (r.skipped.length)
    lines.push(`  skipped ${r.skipped.length} entries of the trace directory (see manifest.json)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (r.logTail?.length) lines.push('  last lines of its log:', ...r.logTail.map((l) => `    ${l}`));
  if (r.files > 0) lines.push(`Next: ${bin} generate ${r.service} --trace-dir ${rel}`);
  return lines.join('\n');
}

function renderCleanup(r: CleanupResult): string {
  const parts = [
    `removed ${r.containers.length} container(s), ${r.volumes.length} volume(s), ${r.networks.length} network(s)`,
  ];
  if (r.restarted.length) parts.push(`started again: ${r.restarted.join(', ')}`);
  for (const e of r.errors) parts.push(`error: ${e}`);
  return parts.join('\n');
}
