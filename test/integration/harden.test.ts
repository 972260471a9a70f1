import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../src/compose';
import { connectEngine, type Engine } from '../../src/docker/engine';
import { hardenService } from '../../src/harden';
import { dockerDefaultProfile, verifyProject } from '../../src/policy';
import { findExcess } from '../../src/profile';
import { parseProfile } from '../../src/profile/parse';
import { describeEngine } from '../helpers/engine';

const IMAGE = 'coredata-test/postgres:15';
const WORKLOAD = [
  'pgbench -i -U postgres coredata',
  'pgbench -T 5 -U postgres coredata',
  'psql -v ON_ERROR_STOP=1 -U postgres -d coredata -c "create table t(x int primary key); insert into t values (1)"',
  'createdb -U postgres restored && pg_dump -U postgres -Fc coredata > /var/lib/postgresql/data/d.dump && pg_restore -U postgres -d restored /var/lib/postgresql/data/d.dump',
];

describeEngine('harden on the example project’s postgres (real engine)', () => {
  let dir: string;
  let engine: Engine;
  const env = { ...process.env, CORE_DATA_POSTGRES_IMAGE: IMAGE };
  const base = () => ({
    exec: WORKLOAD,
    waitHealthy: true,
    maxRounds: 3,
    cwd: dir,
    env,
    defaultProfile: dockerDefaultProfile(),
    signal: new AbortController().signal,
    log: process.stderr,
    progress: 'silent' as const,
  });
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-harden-'));
    fs.cpSync('examples/core-data', dir, { recursive: true });
    fs.rmSync(path.join(dir, 'seccomp', 'postgres.json'));
    engine = await connectEngine();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trace → generate → replay: 0 denials, healthy, workload passes, no more than Docker’s default', async () => {
    const project = loadProject({ projectDirectory: dir, env, cwd: dir });
    const r = await hardenService(engine, project, 'postgres', base());
    expect(r.final.failure).toBeUndefined();
    expect(r.final.healthy).toBe(true);
    expect(r.final.execs.map((e) => e.exitCode)).toEqual([0, 0, 0, 0]);
    expect(r.written).toBe(true);
    expect(r.complainMode).toBe(true);
    expect(Object.keys(r.rounds.at(-1)!.denials)).toEqual([]);
    const profile = parseProfile(fs.readFileSync(path.join(dir, 'seccomp', 'postgres.json'), 'utf8'));
    expect(findExcess(profile, dockerDefaultProfile(), { caps: [] })).toEqual([]);
    expect(r.allowed).toBeLessThan(r.dockerDefaultAllowed / 2);
    // The profile it wrote is where the compose file points: verify passes on the project.
    const report = verifyProject(loadProject({ projectDirectory: dir, env, cwd: dir }), env);
    expect(report.findings.filter((f) => f.service === 'postgres' && f.severity === 'error')).toEqual([]);
  }, 600_000);

  it('a profile missing a syscall the workload needs is caught on replay and named', async () => {
    const project = loadProject({ projectDirectory: dir, env, cwd: dir });
    const output = path.join(dir, 'withheld.json');
    // pg_restore/psql read directories; getdents64 withheld, the complain replay must add it back.
    const r = await hardenService(engine, project, 'postgres', {
      ...base(),
      output,
      withhold: ['getdents64'],
    });
    expect(r.rounds[0]!.denials).toHaveProperty('getdents64');
    expect(r.added).toHaveProperty('getdents64');
    expect(r.final.failure).toBeUndefined();
    expect(r.written).toBe(true);
  }, 600_000);
});
