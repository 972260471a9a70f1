import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, RULES, verifyProject, VerifyReport, type RuleId } from '../../../src/policy';
import { FIXTURES, loadFixture } from './support';

/** One fixture project per rule: which services it must name, and whether verify still passes. */
const CASES: Record<RuleId, { services: string[]; ok: boolean }> = {
  'seccomp-missing': { services: ['app'], ok: false },
  'seccomp-unconfined': { services: ['app'], ok: false },
  'seccomp-profile-missing': { services: ['app'], ok: false },
  'seccomp-profile-invalid': {
    services: [
      'both-arch-fields',
      'both-name-fields',
      'empty-names',
      'not-json',
      'unknown-action',
      'unknown-arch',
      'unknown-op',
    ],
    ok: false,
  },
  'cap-drop-missing': { services: ['app'], ok: false },
  privileged: { services: ['app'], ok: false },
  'cap-add-unjustified': { services: ['app'], ok: false },
  'no-new-privileges-missing': { services: ['app'], ok: true },
  'profile-exceeds-default': { services: ['app'], ok: true },
  'exemption-without-reason': { services: ['app'], ok: false },
  'justification-without-reason': { services: ['app'], ok: false },
  'exemption-unknown-service': { services: ['nosuch'], ok: true },
  'service-exempt': { services: ['legacy'], ok: true },
};

describe('verify rules, one fixture project each', () => {
  it('has a fixture for every rule id', () => {
    for (const id of RULE_IDS)
      expect(fs.existsSync(path.join(FIXTURES, id, 'docker-compose.yml')), id).toBe(true);
  });

  for (const [rule, expected] of Object.entries(CASES) as Array<[RuleId, (typeof CASES)[RuleId]]>) {
    it(`${rule} (${RULES[rule].severity}) names ${expected.services.join(', ')}`, async () => {
      const report = VerifyReport.parse(verifyProject(loadFixture(rule), {}));
      const hits = report.findings.filter((f) => f.rule === rule);
      expect(hits.map((f) => f.service).sort()).toEqual(expected.services);
      expect(hits.every((f) => f.severity === RULES[rule].severity)).toBe(true);
      expect(report.ok).toBe(expected.ok);
    });
  }

  it('says why each invalid profile is invalid', async () => {
    const report = verifyProject(loadFixture('seccomp-profile-invalid'), {});
    const why = Object.fromEntries(report.findings.map((f) => [f.service, f.message]));
    expect(why['unknown-action']).toMatch(/syscalls\[0\]\.action/);
    expect(why['unknown-op']).toMatch(/args\[0\]\.op/);
    expect(why['unknown-arch']).toMatch(/architectures\[0\]/);
    expect(why['both-arch-fields']).toMatch(/"architectures" or "archMap"/);
    expect(why['both-name-fields']).toMatch(/"name" or "names"/);
    expect(why['empty-names']).toMatch(/names/);
    expect(why['not-json']).toMatch(/not JSON/);
  });

  it('names the excess syscalls of a profile looser than the default', async () => {
    const report = verifyProject(loadFixture('profile-exceeds-default'), {});
    const message = report.findings.find((f) => f.rule === 'profile-exceeds-default')?.message ?? '';
    expect(message).toMatch(/mount/);
    expect(message).toMatch(/clone/);
  });

  it('does not flag a justified cap_add (guard)', async () => {
    const report = verifyProject(loadFixture('cap-add-unjustified'), {});
    expect(report.findings.filter((f) => f.service === 'guard')).toEqual([]);
  });
});
