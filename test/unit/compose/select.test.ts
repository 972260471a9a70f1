import { describe, expect, it } from 'vitest';
import { isServiceActive, loadProject, selectServices, seccompOverrideVar } from '../../../src/compose';
import { UsageError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

const project = () =>
  loadProject({
    cwd: tempProject({
      'compose.yaml':
        'name: demo\nservices:\n  web: {image: x}\n  db: {image: y}\n  tools: {image: z, profiles: [debug, ops]}\n',
    }),
    env: {},
  });

describe('selectServices', () => {
  it('returns the named services in the order given', () => {
    expect(selectServices(project(), ['db', 'web']).map((s) => s.name)).toEqual(['db', 'web']);
  });

  it('returns every service in file order when none is named', () => {
    expect(selectServices(project(), []).map((s) => s.name)).toEqual(['web', 'db', 'tools']);
  });

  it('rejects an unknown service with a UsageError listing the services', () => {
    const e = thrown(() => selectServices(project(), ['web', 'cache'])) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('no such service: cache (the project demo has: web, db, tools)');
    expect(e.hint).toBe('pick one of: web, db, tools');
  });
});

describe('seccompOverrideVar', () => {
  it('upper-cases the name and turns - and . into _', () => {
    expect(seccompOverrideVar('postgres')).toBe('CORE_DATA_SECCOMP_POSTGRES');
    expect(seccompOverrideVar('logical_backup')).toBe('CORE_DATA_SECCOMP_LOGICAL_BACKUP');
    expect(seccompOverrideVar('my-app.v2')).toBe('CORE_DATA_SECCOMP_MY_APP_V2');
  });
});

describe('isServiceActive', () => {
  it('is true without profiles, or when one of the service’s profiles is active or * is', () => {
    const tools = { profiles: ['debug', 'ops'] };
    expect(isServiceActive({ profiles: [] }, { activeProfiles: [] })).toBe(true);
    expect(isServiceActive(tools, { activeProfiles: [] })).toBe(false);
    expect(isServiceActive(tools, { activeProfiles: ['other'] })).toBe(false);
    expect(isServiceActive(tools, { activeProfiles: ['ops'] })).toBe(true);
    expect(isServiceActive(tools, { activeProfiles: ['*'] })).toBe(true);
  });
});
