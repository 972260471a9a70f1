import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '@oclif/test';
import { describe, expect, it } from 'vitest';
import { RULES, VerifyReport, type RuleId } from '../../../src/policy';
import { cliConfig, EXAMPLE, FIXTURES } from '../policy/support';

// Runs the compiled commands (package.json points oclif at dist/commands/lazy.js): `npx tsc -p tsconfig.build.json` first.

async function verify(dir: string, ...extra: string[]) {
  const file = path.join(dir, 'docker-compose.yml');
  const out = await runCommand(['verify', '-f', file, ...extra], await cliConfig());
  return { ...out, exit: out.error?.oclif?.exit ?? (out.error ? 1 : 0) };
}

const RULE_FIXTURES = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name in RULES)
  .map((d) => d.name as RuleId);

describe('docker coredata verify', () => {
  it.each(RULE_FIXTURES)(
    'on the %s fixture: the rule fires, exit 1 for errors, 0 for warnings and notes',
    async (rule) => {
      const { exit, stdout, stderr } = await verify(path.join(FIXTURES, rule), '--json');
      const report = VerifyReport.parse(JSON.parse(stdout));
      expect(report.findings.map((f) => f.rule)).toContain(rule);
      expect(exit, stderr).toBe(report.findings.some((f) => f.severity === 'error') ? 1 : 0);
      expect(exit).toBe(RULES[rule].severity === 'error' ? 1 : 0);
    },
  );

  it('passes the example project (volume_prep exempt) with exit 0', async () => {
    const { exit, stdout, stderr } = await verify(EXAMPLE, '--json');
    expect(exit, stderr).toBe(0);
    const report = VerifyReport.parse(JSON.parse(stdout));
    expect(report.ok).toBe(true);
    expect(report.findings.filter((f) => f.severity !== 'note')).toEqual([]);
    expect(report.services.find((s) => s.service === 'volume_prep')?.exempt).toBeTruthy();
    for (const svc of ['postgres', 'logical_backup', 'pgbouncer', 'valkey', 'memcached', 'pghero']) {
      expect(report.services.find((s) => s.service === svc)?.state, svc).toBe('present');
    }
  });

  it('prints a table grouped by service without --json', async () => {
    const { exit, stdout } = await verify(path.join(FIXTURES, 'privileged'));
    expect(exit).toBe(1);
    expect(stdout).toMatch(/^app .*\n {2}error\s+privileged\s+/m);
    expect(stdout).toMatch(/^FAIL: 1 error, 0 warnings in 1 service$/m);
  });

  it('writes a SARIF log with --sarif', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-sarif-'));
    const sarif = path.join(dir, 'out.sarif');
    const { exit } = await verify(path.join(FIXTURES, 'seccomp-missing'), '--sarif', sarif, '--json');
    expect(exit).toBe(1);
    const log = JSON.parse(fs.readFileSync(sarif, 'utf8'));
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results[0]).toMatchObject({
      ruleId: 'seccomp-missing',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'docker-compose.yml' }, region: { startLine: 3 } } },
      ],
    });
    fs.rmSync(dir, { recursive: true });
  });

  it('exits 2 on a malformed x-core-data extension', async () => {
    const { exit, stderr } = await verify(path.join(FIXTURES, 'bad-extension'));
    expect(exit).toBe(2);
    expect(stderr).toMatch(/x-core-data/);
  });

  it('exits 2 on an override that is not a seccomp option', async () => {
    process.env.CORE_DATA_SECCOMP_APP = 'profile.json';
    try {
      const { exit, stderr } = await verify(path.join(FIXTURES, 'privileged'));
      expect(exit).toBe(2);
      expect(stderr).toMatch(/CORE_DATA_SECCOMP_APP/);
    } finally {
      delete process.env.CORE_DATA_SECCOMP_APP;
    }
  });
});
