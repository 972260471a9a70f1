import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, ProfileError } from '../../../src/errors';
import {
  diffProfiles,
  generateProfile,
  parseProfile,
  readProfile,
  SeccompProfile,
  writeProfileAtomic,
} from '../../../src/profile';

const DEFAULT = readProfile(join(__dirname, '../../../seccomp/docker-default.json'));
const gen = (observed: string[], caps: string[] = []) =>
  generateProfile({ observed, caps, noNewPrivileges: true, defaultProfile: DEFAULT, runtimeBaseline: false })
    .profile;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'coredata-profile-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

describe('writeProfileAtomic', () => {
  it('writes formatted JSON that reads back as the same profile, leaving no temp file', () => {
    const dir = tempDir();
    const path = join(dir, 'svc.json');
    const p = gen(['read', 'write']);
    writeProfileAtomic(path, p);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(p, null, 2) + '\n');
    expect(readProfile(path)).toEqual(p);
    expect(readdirSync(dir)).toEqual(['svc.json']);
  });

  it('replaces a previous file whole', () => {
    const dir = tempDir();
    const path = join(dir, 'svc.json');
    writeFileSync(path, 'old');
    writeProfileAtomic(path, gen(['read']));
    expect(readProfile(path).syscalls?.[0]?.names).toContain('read');
  });

  it('leaves the previous file untouched when it cannot write', () => {
    if (process.getuid?.() === 0) {
      // root ignores directory permissions: make the final rename fail instead (a directory is there)
      const dir = tempDir();
      const taken = join(dir, 'svc.json');
      mkdirSync(taken);
      writeFileSync(join(taken, 'previous'), 'previous');
      expect(() => writeProfileAtomic(taken, gen(['read']))).toThrow(UsageError);
      expect(readdirSync(dir)).toEqual(['svc.json']);
      expect(readFileSync(join(taken, 'previous'), 'utf8')).toBe('previous');
      return;
    }
    const dir = tempDir();
    const path = join(dir, 'svc.json');
    writeFileSync(path, 'previous');
    chmodSync(dir, 0o555);
    expect(() => writeProfileAtomic(path, gen(['read']))).toThrow(UsageError);
    expect(readFileSync(path, 'utf8')).toBe('previous');
  });

  it('refuses to write an invalid profile', () => {
    const dir = tempDir();
    const bad = { defaultAction: 'SCMP_ACT_NOPE', syscalls: [] } as unknown as SeccompProfile;
    expect(() => writeProfileAtomic(join(dir, 'x.json'), bad)).toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a missing directory as bad input', () => {
    expect(() => writeProfileAtomic('/nonexistent/dir/x.json', gen(['read']))).toThrow(
      /cannot write the profile/,
    );
  });
});

describe('diffProfiles', () => {
  it('lists added, removed and changed names', () => {
    const a = gen(['read', 'write', 'bpf'], ['BPF']);
    const b = gen(['read', 'openat', 'bpf'], ['SYS_ADMIN']);
    expect(diffProfiles(a, b)).toEqual({ added: ['openat'], removed: ['write'], changed: ['bpf'] });
    expect(diffProfiles(b, b)).toEqual({ added: [], removed: [], changed: [] });
    expect(diffProfiles(undefined, a).added).toEqual(['bpf', 'read', 'write']);
  });
});

describe('parseProfile', () => {
  it('names every problem with its path', () => {
    expect(() => parseProfile('{')).toThrow(ProfileError);
    try {
      parseProfile(
        { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'NOPE' }] },
        'p.json',
      );
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(
        /p\.json is not a valid seccomp profile:\n {2}syscalls\[0\]\.action/,
      );
    }
  });
});
