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
  'pgbench -T 10 -U postgres coredata',
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
  let composeFile: string;
  let original: string;
  let traceDir: string | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-harden-'));
    fs.cpSync('examples/core-data', dir, { recursive: true });
    fs.rmSync(path.join(dir, 'seccomp', 'postgres.json'));
    // postgres without a security_opt of its own: it inherits the anchor's (no seccomp entry), so
    // --apply has to give it one without touching the anchor the other services share.
    composeFile = path.join(dir, 'docker-compose.yml');
    const text = fs.readFileSync(composeFile, 'utf8');
    const own = `    networks: [backend]
    security_opt:
      - 'no-new-privileges:true'
      - '\${CORE_DATA_SECCOMP_POSTGRES:-seccomp:./seccomp/postgres.json}'
`;
    expect(text).toContain(own);
    original = text.replace(own, '    networks: [backend]\n');
    fs.writeFileSync(composeFile, original);
    engine = await connectEngine();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trace → generate → replay: 0 denials, healthy, workload passes, no more than Docker’s default; --apply wires it in', async () => {
    const project = loadProject({ projectDirectory: dir, env, cwd: dir });
    expect(verifyProject(project, env).findings.map((f) => `${f.service}:${f.rule}`)).toContain(
      'postgres:seccomp-missing',
    );
    const r = await hardenService(engine, project, 'postgres', { ...base(), apply: true });
    traceDir = r.traceDir;
    expect(r.final.failure).toBeUndefined();
    expect(r.final.healthy).toBe(true);
    expect(r.final.execs.map((e) => e.exitCode)).toEqual([0, 0, 0, 0]);
    expect(r.written).toBe(true);
    expect(r.complainMode).toBe(true);
    expect(Object.keys(r.rounds.at(-1)!.denials)).toEqual([]);
    const profile = parseProfile(fs.readFileSync(path.join(dir, 'seccomp', 'postgres.json'), 'utf8'));
    expect(findExcess(profile, dockerDefaultProfile(), { caps: [] })).toEqual([]);
    expect(r.allowed).toBeLessThanOrEqual(100);
    expect(r.allowed / r.dockerDefaultAllowed).toBeLessThanOrEqual(0.25);
    expect(r.output).toBe(path.join(dir, 'seccomp', 'postgres.json'));
    expect(fs.existsSync(path.join(dir, 'seccomp', 'postgres.report.json'))).toBe(true);

    // --apply: postgres got its own list, everything else in the file is as it was.
    expect(r.composeFile).toBe(composeFile);
    const edited = fs.readFileSync(composeFile, 'utf8');
    // line multisets: what the edit added, and that it removed nothing
    const minus = (a: string, b: string) => {
      const rest = b.split('\n');
      return a.split('\n').filter((l) => {
        const i = rest.indexOf(l);
        if (i >= 0) rest.splice(i, 1);
        return i < 0;
      });
    };
    expect(
      minus(edited, original)
        .map((l) => l.trim())
        .sort(),
    ).toEqual(["- 'no-new-privileges:true'", "- 'seccomp:./seccomp/postgres.json'", 'security_opt:']);
    expect(minus(original, edited)).toEqual([]);
    // verify passes on the edited project: postgres keeps its profile and cap_drop: [ALL]
    const report = verifyProject(loadProject({ projectDirectory: dir, env, cwd: dir }), env);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, 600_000);

  it('a profile missing a syscall the workload needs is caught on replay and named', async () => {
    const project = loadProject({ projectDirectory: dir, env, cwd: dir });
    const output = path.join(dir, 'withheld.json');
    // pg_restore/psql read directories; getdents64 withheld, the complain replay must add it back.
    const r = await hardenService(engine, project, 'postgres', {
      ...base(),
      output,
      traceDir, // the first test's traces: replay only
      withhold: ['getdents64'],
    });
    expect(r.traceWallMs).toBe(0);
    expect(r.rounds[0]!.denials).toHaveProperty('getdents64');
    expect(r.added).toHaveProperty('getdents64');
    expect(r.final.failure).toBeUndefined();
    expect(r.written).toBe(true);
  }, 600_000);
});
