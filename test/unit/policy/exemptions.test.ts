import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors';
import { readExemptions, verifyProject, VerifyReport } from '../../../src/policy';
import { memFs, PROJECT_DIR, project, service, TIGHT_PROFILE } from './helpers';

const files = memFs({ [`${PROJECT_DIR}/seccomp/app.json`]: TIGHT_PROFILE });
const app = service('app');
const legacy = service('legacy', { privileged: true, security_opt: [], cap_drop: [] });

describe('exemptions (x-core-data.exempt)', () => {
  it('reports an exempt service as exempt, with its findings suppressed, and passes', () => {
    const stack = project([app, legacy], {
      'x-core-data': { exempt: { legacy: 'vendor image, replaced in Q3' } },
    });
    const report = VerifyReport.parse(verifyProject(stack, {}, files));
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([
      {
        service: 'legacy',
        rule: 'service-exempt',
        severity: 'note',
        message: 'exempt: vendor image, replaced in Q3',
      },
    ]);
    const reported = report.services.find((s) => s.service === 'legacy');
    expect(reported?.exempt).toBe('vendor image, replaced in Q3');
    expect(reported?.suppressed.map((f) => f.rule)).toEqual(
      expect.arrayContaining([
        'seccomp-missing',
        'privileged',
        'cap-drop-missing',
        'no-new-privileges-missing',
      ]),
    );
    expect(report.services.find((s) => s.service === 'app')).toMatchObject({ exempt: null, suppressed: [] });
  });

  it.each([
    ['a null reason', { legacy: null }],
    ['an empty reason', { legacy: '' }],
    ['a blank reason', { legacy: '   ' }],
    ['a bare list of names', ['legacy']],
  ])('requires a reason: %s is a finding and the service is checked', (_what, exempt) => {
    const report = verifyProject(project([app, legacy], { 'x-core-data': { exempt } }), {}, files);
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ service: 'legacy', rule: 'exemption-without-reason', severity: 'error' }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ service: 'legacy', rule: 'privileged' }),
    );
    expect(report.services.find((s) => s.service === 'legacy')?.exempt).toBeNull();
  });

  it('warns about exemptions of services the project does not define', () => {
    const { findings } = readExemptions(project([app], { 'x-core-data': { exempt: { apq: 'typo' } } }));
    expect(findings).toEqual([
      expect.objectContaining({ service: 'apq', rule: 'exemption-unknown-service', severity: 'warning' }),
    ]);
  });

  it('rejects a malformed extension as bad input', () => {
    expect(() => readExemptions(project([app], { 'x-core-data': { exempt: 'legacy' } }))).toThrow(UsageError);
    expect(() => readExemptions(project([app], { 'x-core-data': { exempt: { legacy: 3 } } }))).toThrow(
      /x-core-data\.exempt/,
    );
  });

  it('accepts a missing or empty extension', () => {
    expect(readExemptions(project([app])).findings).toEqual([]);
    expect(readExemptions(project([app], { 'x-core-data': null })).exempt.size).toBe(0);
  });
});

describe('capability justifications (x-core-data.cap_add_justifications)', () => {
  const guard = service('app', { cap_add: ['net_admin', 'CAP_NET_BIND_SERVICE'] });

  it('matches capabilities whatever their spelling', () => {
    const ext = {
      'x-core-data': {
        cap_add_justifications: { app: { CAP_NET_ADMIN: 'firewall', NET_BIND_SERVICE: 'port 80' } },
      },
    };
    const report = verifyProject(project([guard], ext), {}, files);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('reports each unjustified capability, and a justification without a reason', () => {
    const ext = { 'x-core-data': { cap_add_justifications: { app: { NET_ADMIN: '' } } } };
    const report = verifyProject(project([guard], ext), {}, files);
    expect(report.findings.map((f) => [f.service, f.rule])).toEqual([
      ['app', 'justification-without-reason'],
      ['app', 'cap-add-unjustified'],
    ]);
    expect(report.findings[1]?.message).toMatch(/CAP_NET_BIND_SERVICE/);
  });
});
