import { Command, Errors, Flags, Interfaces } from '@oclif/core';
import type { ProjectOptions, Resolver } from '../compose/model';
import type { Engine } from '../docker/engine';
import { ExitCode, isCoreDataError } from '../errors';
import { runtimeContext } from '../plugin/context';

/** `--json`: exactly one JSON document on stdout; progress and logs go to stderr. */
export const jsonFlag = Flags.boolean({
  description: 'Print one JSON document on stdout and nothing else there.',
});

/** `--compat32`: generate and harden allow the 32-bit forms of every call. */
export const compat32Flag = Flags.boolean({
  description: 'Also allow the 32-bit (i386/arm) forms of every call, for images that run 32-bit code.',
});

/** The compose project flags, named as docker compose names them (DESIGN §3). */
export const composeFlags = {
  file: Flags.string({
    char: 'f',
    multiple: true,
    // `status -f a.yml postgres`: one value per -f, so positional service names stay arguments.
    multipleNonGreedy: true,
    description:
      'Compose file (repeatable, merged in order; default: compose.yaml… in the project directory, or COMPOSE_FILE).',
  }),
  'project-directory': Flags.string({
    description: 'Project directory (default: the first compose file’s directory).',
  }),
  'project-name': Flags.string({
    char: 'p',
    description: 'Project name (default: COMPOSE_PROJECT_NAME, `name:`, or the directory name).',
  }),
  'env-file': Flags.string({
    multiple: true,
    description: 'Env file for interpolation (repeatable; default: .env in the project directory).',
  }),
  profile: Flags.string({
    multiple: true,
    description: 'Activate a compose profile (repeatable; default: COMPOSE_PROFILES).',
  }),
  resolver: Flags.string({
    options: ['auto', 'builtin', 'docker'],
    default: 'builtin',
    description:
      'How to read the project: the built-in loader, `docker compose config`, or auto (docker when available).',
  }),
};

export type ComposeFlagValues = {
  file?: string[];
  'project-directory'?: string;
  'project-name'?: string;
  'env-file'?: string[];
  profile?: string[];
  resolver?: string;
};

export function projectOptions(flags: ComposeFlagValues): ProjectOptions & { resolver: Resolver } {
  return {
    files: flags.file,
    projectDirectory: flags['project-directory'],
    projectName: flags['project-name'],
    envFiles: flags['env-file'],
    profiles: flags.profile,
    env: process.env,
    cwd: process.cwd(),
    resolver: (flags.resolver ?? 'builtin') as Resolver,
  };
}

/**
 * Every command's base: typed failures become one sentence (plus a hint) on stderr and the exit
 * code the contract gives them; unexpected ones keep their stack behind DEBUG or `docker -D`.
 */
export abstract class BaseCommand extends Command {
  protected get signal(): AbortSignal {
    return runtimeContext().signal;
  }

  /** Connects (and pings) the engine; loaded lazily so commands that need none start fast. */
  protected async engine(): Promise<Engine> {
    const { connectEngine } = await import('../docker/engine');
    return connectEngine(runtimeContext().globals);
  }

  /** Writes one JSON document to stdout. */
  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and notes: always stderr, so stdout stays data. */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    if (isCoreDataError(err)) {
      process.stderr.write(`Error: ${err.message}\n`);
      if (err.hint) process.stderr.write(`Hint: ${err.hint}\n`);
      if (process.env.DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
      this.exit(err.exitCode);
    }
    // oclif's own parse errors (unknown flag, missing arg) are usage errors.
    if (err instanceof Errors.CLIError && (err.oclif?.exit ?? 2) === 2) {
      process.stderr.write(`Error: ${err.message}\n`);
      process.stderr.write(
        `Hint: see \`${this.config.bin} ${this.id ?? ''} --help\`\n`.replace(/ +--help/, ' --help'),
      );
      this.exit(ExitCode.usage);
    }
    const debug = Boolean(process.env.DEBUG) || runtimeContext().globals.debug;
    process.stderr.write(`Error: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    else
      process.stderr.write('Hint: run again with DEBUG=1 (or `docker -D coredata …`) for the stack trace\n');
    this.exit(ExitCode.failure);
  }
}
