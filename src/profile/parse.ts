import { readFileSync } from 'node:fs';
import { ProfileError } from '../errors';
import { describeProfileIssues, SeccompProfile } from './schema';

/** Validates profile JSON (text or parsed); a ProfileError names every problem with its path. */
export function parseProfile(input: string | unknown, source = 'profile'): SeccompProfile {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (cause) {
      throw new ProfileError(`${source} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  const parsed = SeccompProfile.safeParse(data);
  if (!parsed.success) {
    throw new ProfileError(
      `${source} is not a valid seccomp profile:\n  ${describeProfileIssues(parsed.error).join('\n  ')}`,
      {
        hint: "compare it with Docker's default profile (seccomp/docker-default.json)",
      },
    );
  }
  return parsed.data;
}

/** Reads and validates a profile file. */
export function readProfile(path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ProfileError(`cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      cause,
    });
  }
  return parseProfile(text, path);
}
