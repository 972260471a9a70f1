import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

/** Why no engine answers, or undefined when one does (`docker info` through the real CLI). */
export function engineUnavailableReason(): string | undefined {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return (err.stderr?.toString().trim() || err.message).split('\n')[0];
  }
}

const reason = engineUnavailableReason();

/**
 * `describe` for tests that need a real Docker engine: skipped with a printed reason when none
 * answers, except under CI (CI=true), where a missing engine fails the run.
 */
if (reason !== undefined) {
  if (process.env.CI === 'true') throw new Error(`CI=true but no Docker engine answers: ${reason}`);
  process.stderr.write(`skipping engine tests: no Docker engine answers (${reason})\n`);
}
export const describeEngine = describe.skipIf(reason !== undefined);
