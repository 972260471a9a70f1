import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Finding, StatusReport, VerifyReport } from '../../../src/policy';
import { renderJson } from '../../../src/report';

/** The --json contracts (DESIGN §3). A change here is a change users and CI scripts see. */
describe('JSON output contracts', () => {
  it('verify --json is exactly {ok, findings, services}', () => {
    expect(Object.keys(VerifyReport.shape)).toEqual(['ok', 'findings', 'services']);
    expect(Object.keys(Finding.shape)).toEqual(['service', 'rule', 'severity', 'message']);
  });

  it('rejects extra or missing keys rather than printing them', () => {
    expect(() =>
      renderJson(VerifyReport, { ok: true, findings: [], services: [], extra: 1 } as never),
    ).toThrow();
    expect(() =>
      renderJson(VerifyReport, {
        ok: false,
        findings: [{ service: 'a', rule: 'privileged', severity: 'error', message: 'x', fix: 'y' }],
        services: [],
      } as never),
    ).toThrow();
    expect(renderJson(VerifyReport, { ok: true, findings: [], services: [] })).toBe(
      '{\n  "ok": true,\n  "findings": [],\n  "services": []\n}\n',
    );
  });

  it('keeps the shape of verify --json', () => {
    expect(z.toJSONSchema(VerifyReport)).toMatchSnapshot();
  });

  it('keeps the shape of status --json', () => {
    expect(z.toJSONSchema(StatusReport)).toMatchSnapshot();
  });
});
