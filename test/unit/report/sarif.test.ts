import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, verifyProject, type VerifyReport } from '../../../src/policy';
import { toSarif, writeSarif } from '../../../src/report';
import { memFs, PROJECT_DIR, project, service, TIGHT_PROFILE } from '../policy/helpers';

const SCHEMA = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '..', '..', 'fixtures', 'policy', 'sarif-schema-subset.json'),
    'utf8',
  ),
);

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // ajv-formats is not installed; these two are what the log uses.
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///base/') && !/\s|\\/.test(s));
  return ajv.compile(SCHEMA);
}

function sampleReport(): VerifyReport {
  const stack = project(
    [
      service('app', {
        security_opt: ['seccomp:seccomp/app.json'],
        source: { file: `${PROJECT_DIR}/compose/docker-compose.yml`, line: 12 },
      }),
      service('web', {
        cap_drop: [],
        security_opt: ['seccomp:unconfined'],
        source: { file: `${PROJECT_DIR}/docker-compose.yml`, line: 30 },
      }),
      service('legacy', {
        privileged: true,
        source: { file: `${PROJECT_DIR}/docker-compose.yml`, line: 40 },
      }),
    ],
    { 'x-core-data': { exempt: { legacy: 'vendor image', ghost: 'typo' } } },
  );
  return verifyProject(
    stack,
    {},
    memFs({
      [`${PROJECT_DIR}/seccomp/app.json`]: TIGHT_PROFILE,
      [`${PROJECT_DIR}/seccomp/legacy.json`]: TIGHT_PROFILE,
    }),
  );
}

const PROJ = { workingDir: PROJECT_DIR, files: [`${PROJECT_DIR}/docker-compose.yml`] };

describe('SARIF output', () => {
  const log = toSarif(sampleReport(), PROJ, { name: 'docker-coredata', version: '0.1.0' });

  it('validates against the SARIF 2.1.0 schema', () => {
    const validate = validator();
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema check has teeth', () => {
    const validate = validator();
    const broken = structuredClone(log) as unknown as { runs: Array<{ results: Array<{ level: string }> }> };
    broken.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(broken)).toBe(false);
  });

  it('describes one rule per rule id, with help text and the default level', () => {
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual([...RULE_IDS]);
    expect(rules.every((r) => r.help.text.length > 20)).toBe(true);
    expect(rules.find((r) => r.id === 'no-new-privileges-missing')?.defaultConfiguration.level).toBe(
      'warning',
    );
  });

  it("locates results at the service's definition, relative to the project directory", () => {
    const results = log.runs[0]!.results;
    const web = results.find((r) => r.properties.service === 'web' && r.ruleId === 'seccomp-unconfined');
    expect(web).toMatchObject({
      level: 'error',
      ruleIndex: RULE_IDS.indexOf('seccomp-unconfined'),
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'docker-compose.yml', uriBaseId: 'PROJECTROOT' },
            region: { startLine: 30 },
          },
        },
      ],
    });
    const app = results.find((r) => r.properties.service === 'app');
    expect(app?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('compose/docker-compose.yml');
    expect(log.runs[0]!.originalUriBaseIds.PROJECTROOT?.uri).toBe(`file://${PROJECT_DIR}/`);
  });

  it('reports the exempt service as a note and its findings as suppressed results', () => {
    const results = log.runs[0]!.results.filter((r) => r.properties.service === 'legacy');
    expect(results.find((r) => r.ruleId === 'service-exempt')).toMatchObject({ level: 'note' });
    const suppressed = results.filter((r) => r.suppressions);
    expect(suppressed.map((r) => r.ruleId)).toContain('privileged');
    expect(suppressed[0]?.suppressions).toEqual([{ kind: 'inSource', justification: 'vendor image' }]);
  });

  it('places findings about services the project lacks at the first compose file', () => {
    const ghost = log.runs[0]!.results.find((r) => r.properties.service === 'ghost');
    expect(ghost?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'docker-compose.yml', uriBaseId: 'PROJECTROOT' },
    });
  });

  it('is written atomically: complete file, no temporary left behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sarif-'));
    const file = path.join(dir, 'out.sarif');
    fs.writeFileSync(file, 'old');
    writeSarif(file, log);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(log);
    expect(fs.readdirSync(dir)).toEqual(['out.sarif']);
    expect(() => writeSarif(path.join(dir, 'nosuch', 'x.sarif'), log)).toThrow(/cannot write/);
    fs.rmSync(dir, { recursive: true });
  });
});
