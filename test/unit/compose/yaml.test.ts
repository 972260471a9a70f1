import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/compose';
import { ComposeError, UsageError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

const load = (dir: string, extra: Parameters<typeof loadProject>[0] = {}) =>
  loadProject({ cwd: dir, env: {}, ...extra });

describe('YAML reading', () => {
  it('resolves anchors, aliases and << merge keys (explicit keys win, earlier merged maps win)', () => {
    const dir = tempProject({
      'compose.yaml': `
x-base: &base
  image: busybox
  cap_drop: [ALL]
  labels: { tier: base }
x-extra: &extra
  user: "1000"
  labels: { tier: extra }
  read_only: true
services:
  a:
    <<: [*base, *extra]
    labels: { own: "yes" }
  b:
    <<: *base
    user: nobody
    cap_drop: &drops [NET_RAW]
  c:
    image: busybox
    cap_drop: *drops
`,
    });
    const p = load(dir);
    expect(p.services.a).toMatchObject({
      image: 'busybox',
      cap_drop: ['ALL'],
      user: '1000',
      read_only: true,
    });
    expect(p.services.a!.labels).toEqual({ own: 'yes' });
    expect(p.services.b).toMatchObject({ image: 'busybox', user: 'nobody', cap_drop: ['NET_RAW'] });
    expect(p.services.c!.cap_drop).toEqual(['NET_RAW']);
  });

  it('keeps x- extension fields, interpolated, at top level', () => {
    const dir = tempProject({
      'compose.yaml': `
x-core-data:
  exempt:
    prep: "\${REASON:-chowns volumes}"
x-number: 5
services:
  prep: { image: busybox }
`,
    });
    const p = load(dir);
    expect(p.extensions).toEqual({ 'x-core-data': { exempt: { prep: 'chowns volumes' } }, 'x-number': 5 });
  });

  it('interpolates values (also inside anchors and x- fields) but never keys', () => {
    const dir = tempProject({
      'compose.yaml': `
x-env: &env
  TAG: \${TAG}
services:
  \${NAME}:
    image: "app:\${TAG}"
    environment:
      <<: *env
      \${KEY}: \${VALUE:-dflt}
`,
    });
    const p = load(dir, { env: { TAG: '1.2', NAME: 'x', KEY: 'y' } });
    expect(Object.keys(p.services)).toEqual(['${NAME}']);
    expect(p.services['${NAME}']!.image).toBe('app:1.2');
    expect(p.services['${NAME}']!.environment).toEqual({ TAG: '1.2', '${KEY}': 'dflt' });
  });

  it('records the 1-based line and column of each service key', () => {
    const dir = tempProject({
      'compose.yaml': [
        'name: lines',
        'services:',
        '  first:',
        '    image: a',
        '',
        '  # comment',
        '  second:',
        '    image: b',
        '',
      ].join('\n'),
    });
    const p = load(dir);
    const file = path.join(dir, 'compose.yaml');
    expect(p.services.first!.source).toEqual({ file, line: 3, column: 3 });
    expect(p.services.second!.source).toEqual({ file, line: 7, column: 3 });
  });

  it('turns a YAML syntax error into a ComposeError at file:line:col', () => {
    const dir = tempProject({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n   bad: [\n' });
    const e = thrown(() => load(dir));
    expect(e).toBeInstanceOf(ComposeError);
    const file = path.join(dir, 'compose.yaml');
    const m = /^(.*):(\d+):(\d+): (.+)$/.exec(e.message.split('\n')[0]!);
    expect(m?.[1]).toBe(file);
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(4);
    expect((e as ComposeError).location).toMatchObject({ file });
    expect((e as ComposeError).exitCode).toBe(2);
  });

  it('reports a duplicate key where it is', () => {
    const dir = tempProject({ 'compose.yaml': 'services:\n  a:\n    image: x\n    image: y\n' });
    const e = thrown(() => load(dir)) as ComposeError;
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.location).toMatchObject({ line: 4, column: 5 });
    expect(e.message).toMatch(/unique/i);
  });

  it('fails ${VAR:?msg} with the message, the file and the line', () => {
    const dir = tempProject({
      'compose.yaml':
        'services:\n  db:\n    image: postgres\n    environment:\n      PW: ${DB_PASSWORD:?set DB_PASSWORD in .env}\n',
    });
    const e = thrown(() => load(dir)) as ComposeError;
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.location).toEqual({ file: path.join(dir, 'compose.yaml'), line: 5, column: 11 });
    expect(e.message).toContain('required variable DB_PASSWORD is missing a value: set DB_PASSWORD in .env');
    expect(e.message).toContain('services.db.environment.PW');
    expect(e.hint).toContain('DB_PASSWORD');
  });

  it('fails an invalid template with a hint to escape $', () => {
    const dir = tempProject({
      'compose.yaml': 'services:\n  a:\n    image: busybox\n    command: echo ${ oops}\n',
    });
    const e = thrown(() => load(dir)) as ComposeError;
    expect(e.message).toContain('invalid interpolation format for services.a.command');
    expect(e.location).toMatchObject({ line: 4 });
    expect(e.hint).toContain('$$');
  });

  it('rejects a top level that is not a mapping, and an empty file', () => {
    expect(thrown(() => load(tempProject({ 'compose.yaml': '- a\n- b\n' }))).message).toContain(
      'top-level object must be a mapping',
    );
    expect(thrown(() => load(tempProject({ 'compose.yaml': '# nothing\n' }))).message).toContain(
      'empty compose file',
    );
  });

  it('reads several YAML documents of one file as files merged in order', () => {
    const dir = tempProject({
      'compose.yaml':
        'services:\n  a:\n    image: one\n    cap_drop: [ALL]\n---\nservices:\n  a:\n    image: two\n',
    });
    expect(load(dir).services.a).toMatchObject({ image: 'two', cap_drop: ['ALL'] });
  });

  it('warns about unset variables and the obsolete version attribute', () => {
    const dir = tempProject({
      'compose.yaml': 'version: "3.8"\nservices:\n  a:\n    image: "busybox:${TAG}"\n',
    });
    const p = load(dir);
    expect(p.services.a!.image).toBe('busybox:');
    expect(p.warnings).toEqual([
      'The "TAG" variable is not set. Defaulting to a blank string.',
      'the attribute `version` is obsolete, it will be ignored',
    ]);
  });

  it('refuses include, which only docker compose resolves', () => {
    const e = thrown(() => load(tempProject({ 'compose.yaml': 'include: [other.yaml]\nservices: {}\n' })));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('include');
  });
});
