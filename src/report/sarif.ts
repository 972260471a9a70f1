import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULE_IDS, RULES } from '../policy/rules';
import type { Finding, ServiceReport, VerifyReport } from '../policy/model';
import { writeFileAtomic } from './write';

/**
 * `verify --sarif FILE`: a SARIF 2.1.0 log (OASIS, sarif-schema-2.1.0.json). One rule per rule id,
 * one result per finding at the service's definition, paths relative to the project directory;
 * findings an exemption hides are results with an `inSource` suppression carrying the reason.
 */

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** `uriBaseId` of every artifact location; `originalUriBaseIds` maps it to the project directory. */
export const PROJECT_ROOT = 'PROJECTROOT';

export interface SarifTool {
  name: string;
  version: string;
}

interface SarifLocation {
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId: string };
    region?: { startLine: number };
  };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: SarifLocation[];
  suppressions?: Array<{ kind: 'inSource'; justification: string }>;
  properties: { service: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version: string;
        semanticVersion: string;
        rules: Array<{
          id: string;
          name: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          help: { text: string; markdown: string };
          defaultConfiguration: { level: string };
        }>;
      };
    };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: 'unicodeCodePoints';
    results: SarifResult[];
  }>;
}

/** A project-relative path as a URI reference (`/`-separated, each segment escaped). */
export function relativeUri(projectDir: string, file: string): string {
  const rel = path.relative(projectDir, file) || path.basename(file);
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}

function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

export function toSarif(
  report: VerifyReport,
  project: { workingDir: string; files: readonly string[] },
  tool: SarifTool,
): SarifLog {
  const services = new Map<string, ServiceReport>(report.services.map((s) => [s.service, s]));
  const fallbackFile = project.files[0];

  const locate = (service: string): SarifLocation[] => {
    const src = services.get(service)?.location ?? (fallbackFile ? { file: fallbackFile } : undefined);
    if (!src) return [];
    return [
      {
        physicalLocation: {
          artifactLocation: { uri: relativeUri(project.workingDir, src.file), uriBaseId: PROJECT_ROOT },
          ...(src.line ? { region: { startLine: src.line } } : {}),
        },
      },
    ];
  };
  const result = (f: Finding, suppressedBecause?: string): SarifResult => ({
    ruleId: f.rule,
    ruleIndex: RULE_IDS.indexOf(f.rule),
    level: f.severity,
    message: { text: f.message },
    locations: locate(f.service),
    ...(suppressedBecause !== undefined
      ? { suppressions: [{ kind: 'inSource', justification: suppressedBecause }] }
      : {}),
    properties: { service: f.service },
  });

  const results = [
    ...report.findings.map((f) => result(f)),
    ...report.services.flatMap((s) => s.suppressed.map((f) => result(f, s.exempt ?? ''))),
  ];
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            rules: RULE_IDS.map((id) => ({
              id,
              name: ruleName(id),
              shortDescription: { text: RULES[id].summary },
              fullDescription: { text: RULES[id].help },
              help: { text: RULES[id].help, markdown: RULES[id].help },
              defaultConfiguration: { level: RULES[id].severity },
            })),
          },
        },
        originalUriBaseIds: { [PROJECT_ROOT]: { uri: pathToFileURL(project.workingDir + path.sep).href } },
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
}

/** Writes the log atomically (temporary file, then rename). */
export function writeSarif(file: string, log: SarifLog): void {
  writeFileAtomic(file, `${JSON.stringify(log, null, 2)}\n`);
}
