import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isServiceActive, loadProject, seccompOverrideVar } from '../../../src/compose';

const EXAMPLE_DIR = path.resolve(__dirname, '../../../examples/core-data');
const load = (env: Record<string, string> = {}, profiles?: string[]) =>
  loadProject({ cwd: EXAMPLE_DIR, env, profiles, files: ['docker-compose.yml'] });

describe('examples/core-data/docker-compose.yml', () => {
  it('defines the seven services of the data stack', () => {
    const p = load();
    expect(p.name).toBe('core-data');
    expect(Object.keys(p.services).sort()).toEqual(
      ['logical_backup', 'memcached', 'pgbouncer', 'pghero', 'postgres', 'valkey', 'volume_prep'].sort(),
    );
    expect(p.warnings).toBeUndefined();
  });

  it('exempts volume_prep, with a reason, in x-core-data', () => {
    const p = load();
    const ext = p.extensions['x-core-data'] as { exempt: Record<string, string> };
    expect(Object.keys(ext.exempt)).toEqual(['volume_prep']);
    expect(ext.exempt.volume_prep).toMatch(/root.*chown/);
    expect(p.extensions['x-security-defaults']).toEqual({
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
    });
  });

  it('drops every capability everywhere; only volume_prep adds one (CHOWN)', () => {
    const p = load();
    for (const s of Object.values(p.services)) {
      expect(s.cap_drop, s.name).toEqual(['ALL']);
      expect(s.privileged, s.name).toBe(false);
      expect(s.cap_add, s.name).toEqual(s.name === 'volume_prep' ? ['CHOWN'] : []);
    }
  });

  it('gives every service but volume_prep no-new-privileges and its own seccomp profile', () => {
    const p = load();
    for (const s of Object.values(p.services)) {
      if (s.name === 'volume_prep') {
        expect(s.security_opt).toEqual(['no-new-privileges:true']);
        expect(s.user).toBe('0:0');
        continue;
      }
      expect(s.security_opt, s.name).toEqual(['no-new-privileges:true', `seccomp:./seccomp/${s.name}.json`]);
    }
  });

  it('lets CORE_DATA_SECCOMP_<SERVICE> replace one service’s profile', () => {
    const p = load({ [seccompOverrideVar('logical_backup')]: 'seccomp:unconfined' });
    expect(p.services.logical_backup!.security_opt).toEqual(['no-new-privileges:true', 'seccomp:unconfined']);
    expect(p.services.postgres!.security_opt).toEqual([
      'no-new-privileges:true',
      'seccomp:./seccomp/postgres.json',
    ]);
  });

  it('runs postgres:15 as postgres with a pg_isready healthcheck and a named volume', () => {
    const pg = load().services.postgres!;
    expect(pg).toMatchObject({ image: 'postgres:15', user: 'postgres', stop_signal: 'SIGINT' });
    expect(pg.healthcheck?.test).toEqual(['CMD-SHELL', 'pg_isready -U postgres -d coredata']);
    expect(pg.volumes).toEqual([
      { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', volume: {} },
    ]);
    expect(pg.environment.POSTGRES_PASSWORD).toBe('coredata');
    expect(pg.depends_on).toEqual(['volume_prep']);
    expect(pg.source).toMatchObject({ file: path.join(EXAMPLE_DIR, 'docker-compose.yml'), column: 3 });
  });

  it('takes the Postgres image, password and uid from the environment', () => {
    const p = load({
      CORE_DATA_POSTGRES_IMAGE: 'coredata-test/postgres:15',
      POSTGRES_PASSWORD: 'pw',
      CORE_DATA_POSTGRES_UID: '105',
    });
    expect(p.services.postgres!.image).toBe('coredata-test/postgres:15');
    expect(p.services.logical_backup!.image).toBe('coredata-test/postgres:15');
    expect(p.services.logical_backup!.environment.PGPASSWORD).toBe('pw');
    expect(p.services.volume_prep!.command).toEqual(['chown', '105', '/volumes/pgdata', '/volumes/backups']);
  });

  it('puts logical_backup in the backup profile; every service is loaded whatever the profiles', () => {
    const p = load();
    expect(p.services.logical_backup!.profiles).toEqual(['backup']);
    expect(isServiceActive(p.services.logical_backup!, p)).toBe(false);
    expect(isServiceActive(p.services.postgres!, p)).toBe(true);
    const withBackup = load({}, ['backup']);
    expect(isServiceActive(withBackup.services.logical_backup!, withBackup)).toBe(true);
  });

  it('declares its volumes and network with project-prefixed names', () => {
    const p = load();
    expect(p.volumes).toEqual({
      pgdata: { external: false, name: 'core-data_pgdata' },
      backups: { external: false, name: 'core-data_backups' },
      'valkey-data': { external: false, name: 'core-data_valkey-data' },
    });
    expect(p.networks).toEqual({ backend: { external: false, name: 'core-data_backend' } });
    expect(p.services.volume_prep!.network_mode).toBe('none');
  });
});
