import { describe, expect, it } from 'vitest';
import { projectStatus, verifyProject } from '../../../src/policy';
import { formatColumns, renderStatusTable, renderVerifyTable } from '../../../src/report';
import { memFs, PROJECT_DIR, project, service, TIGHT_PROFILE } from '../policy/helpers';

const files = memFs({ [`${PROJECT_DIR}/seccomp/app.json`]: TIGHT_PROFILE });
const stack = project(
  [
    service('app'),
    service('web', { cap_drop: ['NET_RAW'], security_opt: [] }),
    service('legacy', { privileged: true }),
  ],
  { 'x-core-data': { exempt: { legacy: 'vendor image' } } },
);

describe('tables', () => {
  it('aligns columns and leaves the last one unpadded', () => {
    expect(
      formatColumns([
        ['a', 'bb', 'c'],
        ['ddd', 'e', 'f'],
      ]),
    ).toBe('a    bb  c\nddd  e   f');
  });

  it('status: one row per service with source, spec, state, count, cap_drop', () => {
    const out = renderStatusTable(projectStatus(stack, {}, undefined, files), PROJECT_DIR);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+SOURCE\s+SPEC\s+STATE\s+ALLOWED\s+CAP_DROP$/);
    expect(lines.find((l) => l.startsWith('app'))).toMatch(
      /^app\s+compose\s+seccomp\/app\.json\s+present\s+3\s+ALL$/,
    );
    expect(lines.find((l) => l.startsWith('web'))).toMatch(/^web\s+none\s+-\s+none\s+-\s+NET_RAW$/);
  });

  it('verify: findings grouped under their service, exemptions shown, a verdict last', () => {
    const out = renderVerifyTable(verifyProject(stack, {}, files), PROJECT_DIR);
    expect(out).toMatch(/^app .*\n {2}ok\n/m);
    expect(out).toMatch(/^web .*\n {2}error\s+seccomp-missing\s+/m);
    expect(out).toMatch(
      /^legacy .*\n {2}EXEMPT: vendor image\n {2}suppressed error\s+seccomp-profile-missing .*\n {2}suppressed error\s+privileged /m,
    );
    expect(out.trimEnd().split('\n').at(-1)).toBe('FAIL: 2 errors, 1 warning in 3 services (1 exempt)');
  });
});
