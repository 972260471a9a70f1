import path from 'node:path';

/**
 * Service volume syntax (compose-go `format/volume.go`, POSIX paths only):
 * `target` (anonymous volume), `source:target`, `source:target:mode[,mode…]`. A source that starts
 * with `.`, `/` or `~` is a host path (bind), anything else names a volume.
 */

export interface ShortVolume {
  type: 'volume' | 'bind';
  source?: string;
  target: string;
  read_only?: boolean;
  /** options after the second colon other than ro/rw (`z`, `nocopy`, `rshared`…) */
  options: string[];
}

/** Parses the short syntax; returns undefined when it is not a valid spec. */
export function parseShortVolume(spec: string): ShortVolume | undefined {
  if (spec === '') return undefined;
  const parts = spec.split(':');
  if (parts.some((p) => p === '') || parts.length > 3) return undefined;
  if (parts.length === 1) return { type: 'volume', target: spec, options: [] };
  const [source, target, mode] = parts as [string, string, string | undefined];
  const options = mode ? mode.split(',') : [];
  const volume: ShortVolume = { type: isHostPath(source) ? 'bind' : 'volume', source, target, options: [] };
  for (const option of options) {
    if (option === 'ro') volume.read_only = true;
    else if (option === 'rw') delete volume.read_only;
    else volume.options.push(option);
  }
  return volume;
}

export function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

/** Host path → absolute: `~` is the home directory, relative paths resolve from the project directory. */
export function resolveHostPath(source: string, projectDir: string, home: string | undefined): string {
  if (home && (source === '~' || source.startsWith('~/'))) return path.join(home, source.slice(1));
  return path.resolve(projectDir, source);
}
