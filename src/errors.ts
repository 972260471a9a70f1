/**
 * Typed failures. Every expected failure is one of these: it carries the exit code the command
 * contract (DESIGN §3) gives it and an optional hint naming what to do next. Commands never print
 * a stack trace for them.
 */
export const ExitCode = {
  ok: 0,
  /** findings of severity error, the traced service failed, no syscalls found */
  failure: 1,
  /** bad input: flags, compose files, profiles, unknown service */
  usage: 2,
  /** the Docker engine could not be reached */
  engine: 3,
  /** interrupted by the user (SIGINT/SIGTERM or the CLI's plugin socket closing) */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CoreDataError extends Error {
  abstract readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad input from the user: flags, compose files, env, profiles. Exit 2. */
export class UsageError extends CoreDataError {
  readonly exitCode = ExitCode.usage;
}

/** A compose project that cannot be loaded (syntax, interpolation, missing file). Exit 2. */
export class ComposeError extends UsageError {
  constructor(
    message: string,
    readonly location?: { file: string; line?: number; column?: number },
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(location ? `${formatLocation(location)}: ${message}` : message, options);
  }
}

/** A seccomp profile that is missing or invalid where one is required. Exit 2. */
export class ProfileError extends UsageError {}

/** The engine could not be reached or refused the connection. Exit 3. */
export class EngineUnreachableError extends CoreDataError {
  readonly exitCode = ExitCode.engine;
}

/** The work ran but failed (service exited badly, no syscalls, findings). Exit 1. */
export class FailureError extends CoreDataError {
  readonly exitCode = ExitCode.failure;
}

/** The user interrupted the command. Exit 130. */
export class InterruptedError extends CoreDataError {
  readonly exitCode = ExitCode.interrupted;
}

export function formatLocation(loc: { file: string; line?: number; column?: number }): string {
  if (loc.line === undefined) return loc.file;
  return loc.column === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.column}`;
}

export function isCoreDataError(e: unknown): e is CoreDataError {
  return e instanceof CoreDataError;
}
