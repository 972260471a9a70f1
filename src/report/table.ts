import * as path from 'node:path';
import type { Finding, ServiceReport, ServiceSecurity, StatusReport, VerifyReport } from '../policy/model';

/** Plain-text renderers for `status` and `verify` (no colour: the output is read in CI logs too). */

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shownPath(projectDir: string, file: string): string {
  const rel = path.relative(projectDir, file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** The spec column: the profile path (relative to the project), `unconfined`, or `-`. */
function specCell(s: ServiceSecurity, projectDir: string): string {
  if (s.profilePath) return shownPath(projectDir, s.profilePath);
  if (s.state === 'unconfined') return 'unconfined';
  return s.spec ?? '-';
}

function allowedCell(s: ServiceSecurity): string {
  if (!s.allowedSyscalls) return '-';
  const { count, basis } = s.allowedSyscalls;
  return basis === 'default-allow' ? `${count} (default allow)` : String(count);
}

function capDropCell(s: ServiceSecurity): string {
  return s.capDrop.length ? s.capDrop.join(',') : '-';
}

export function renderStatusTable(report: StatusReport, projectDir: string): string {
  const rows = [['SERVICE', 'SOURCE', 'SPEC', 'STATE', 'ALLOWED', 'CAP_DROP']];
  for (const s of report.services) {
    rows.push([s.service, s.source, specCell(s, projectDir), s.state, allowedCell(s), capDropCell(s)]);
  }
  return `${formatColumns(rows)}\n`;
}

function serviceHeadline(s: ServiceReport, projectDir: string): string {
  const parts = [
    `seccomp ${s.state}${s.source === 'none' ? '' : ` (${s.source}: ${specCell(s, projectDir)})`}`,
    ...(s.allowedSyscalls ? [`${allowedCell(s)} syscalls`] : []),
    `cap_drop ${capDropCell(s)}`,
    ...(s.capAdd.length ? [`cap_add ${s.capAdd.join(',')}`] : []),
  ];
  return `${s.service}  ${parts.join(', ')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Findings grouped by service, then a one-line verdict. */
export function renderVerifyTable(report: VerifyReport, projectDir: string): string {
  const byService = new Map<string, Finding[]>();
  for (const f of report.findings) byService.set(f.service, [...(byService.get(f.service) ?? []), f]);
  const out: string[] = [];
  const findingRows = (findings: readonly Finding[], prefix = '') =>
    formatColumns(findings.map((f) => [`  ${prefix}${f.severity}`, f.rule, f.message]));

  for (const s of report.services) {
    const own = (byService.get(s.service) ?? []).filter((f) => f.rule !== 'service-exempt');
    byService.delete(s.service);
    out.push(serviceHeadline(s, projectDir));
    if (s.exempt !== null) out.push(`  EXEMPT: ${s.exempt}`);
    if (own.length) out.push(findingRows(own));
    if (s.suppressed.length) out.push(findingRows(s.suppressed, 'suppressed '));
    if (!own.length && s.exempt === null) out.push('  ok');
    out.push('');
  }
  // x-core-data entries naming services the project does not define.
  for (const [service, findings] of byService)
    out.push(`${service}  (not a service of the project)`, findingRows(findings), '');

  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  const exempt = report.services.filter((s) => s.exempt !== null).length;
  out.push(
    `${report.ok ? 'PASS' : 'FAIL'}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(report.services.length, 'service')}${exempt ? ` (${exempt} exempt)` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
