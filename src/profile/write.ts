import { writeFileAtomic } from '../fs-atomic';
import { SeccompProfile } from './schema';

/** The JSON text a profile is written as: 2-space indent, trailing newline. */
export function serializeProfile(profile: SeccompProfile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}

/**
 * Writes `profile` to `path` atomically (see writeFileAtomic): on any failure a previous file at
 * `path` is untouched. The profile is validated first.
 */
export function writeProfileAtomic(path: string, profile: SeccompProfile): void {
  writeFileAtomic(path, serializeProfile(SeccompProfile.parse(profile)), {
    what: 'the profile',
    hint: 'check that the directory exists and is writable, or pass another --output path',
  });
}
