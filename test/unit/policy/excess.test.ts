import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dockerDefaultProfile } from '../../../src/policy';
import { excessChecker } from '../../../src/policy/excess';
import * as profileModule from '../../../src/profile';
import { SeccompProfile } from '../../../src/profile';
import { EXAMPLE, FIXTURES } from './support';

const reference = dockerDefaultProfile();
const read = (file: string) => SeccompProfile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
const examples = fs
  .readdirSync(path.join(EXAMPLE, 'seccomp'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, read(path.join(EXAMPLE, 'seccomp', f))] as const);

describe('excess over the default', () => {
  it.each(examples)('the example profile %s allows nothing the default refuses', (_name, profile) => {
    expect(profileModule.findExcess(profile, reference, { caps: [] })).toEqual([]);
    expect(excessChecker(reference)('k', profile, [])).toEqual([]);
  });

  it('agrees with findExcess when the shortcut does not apply', () => {
    const loose = read(path.join(FIXTURES, 'profile-exceeds-default', 'seccomp', 'app.json'));
    const full = profileModule.findExcess(loose, reference, { caps: [] });
    expect(full.map((e) => e.syscall)).toEqual(expect.arrayContaining(['clone', 'mount']));
    expect(excessChecker(reference)('k', loose, [])).toEqual(full);
  });

  it('does not take the shortcut when a rule loses its conditions or the default lets calls through', () => {
    const flattened = SeccompProfile.parse({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW' }],
    });
    expect(excessChecker(reference)('a', flattened, []).map((e) => e.syscall)).toEqual(['personality']);
    const allowAll = SeccompProfile.parse({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
    expect(excessChecker(reference)('b', allowAll, []).map((e) => e.syscall)).toEqual(['*']);
  });

  it('compares a shared profile once per capability set', () => {
    const spy = vi.spyOn(profileModule, 'findExcess');
    const loose = read(path.join(FIXTURES, 'profile-exceeds-default', 'seccomp', 'app.json'));
    const excessOf = excessChecker(reference);
    for (let i = 0; i < 5; i++) excessOf('/p/app.json', loose, ['CAP_NET_RAW', 'CAP_CHOWN']);
    excessOf('/p/app.json', loose, ['CAP_CHOWN', 'CAP_NET_RAW']);
    excessOf('/p/app.json', loose, []);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
});
