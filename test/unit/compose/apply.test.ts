import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applySeccomp,
  applySeccompToFile,
  findServiceFile,
  parseSecurityOption,
  type ApplySeccompInput,
} from '../../../src/compose/apply';
import { parseComposeYaml } from '../../../src/compose/yaml';
import { ComposeError, ExitCode, UsageError } from '../../../src/errors';
import { tempProject, thrown } from './helpers';

const PROFILE = './seccomp/pg.json';

/** Applies PROFILE to service `pg` of `source` (a file named c.yml). */
const apply = (source: string, extra: Partial<ApplySeccompInput> = {}) =>
  applySeccomp({ source, file: 'c.yml', service: 'pg', profile: PROFILE, ...extra });

/** `apply`, then checks that a second run changes nothing. */
function applyTwice(source: string, extra: Partial<ApplySeccompInput> = {}) {
  const first = apply(source, extra);
  const second = apply(first.text, extra);
  expect(second).toEqual({ text: first.text, changed: false, actions: [], warnings: first.warnings });
  return first;
}

/** The service's security_opt as the loader reads the file. */
const loaded = (text: string, service = 'pg') => {
  const root = parseComposeYaml(text, 'c.yml')[0]!.root as Record<
    string,
    Record<string, Record<string, unknown>>
  >;
  return root.services![service]!.security_opt;
};

const lines = (...l: string[]) => l.join('\n') + '\n';

describe('parseSecurityOption', () => {
  it('reads both separators, bare no-new-privileges, interpolated defaults and other options', () => {
    expect(parseSecurityOption('seccomp:./a.json')).toEqual({
      kind: 'seccomp',
      separator: ':',
      value: './a.json',
      wrapper: undefined,
    });
    expect(parseSecurityOption(' seccomp=unconfined ')).toEqual({
      kind: 'seccomp',
      separator: '=',
      value: 'unconfined',
      wrapper: undefined,
    });
    expect(parseSecurityOption('no-new-privileges')).toEqual({
      kind: 'no-new-privileges',
      separator: undefined,
      value: undefined,
      wrapper: undefined,
    });
    expect(parseSecurityOption('no-new-privileges=false')).toEqual({
      kind: 'no-new-privileges',
      separator: '=',
      value: 'false',
      wrapper: undefined,
    });
    expect(parseSecurityOption('${CORE_DATA_SECCOMP_PG:-seccomp:./a.json}')).toEqual({
      kind: 'seccomp',
      separator: ':',
      value: './a.json',
      wrapper: { name: 'CORE_DATA_SECCOMP_PG', op: ':-' },
    });
    expect(parseSecurityOption('label:disable')).toEqual({ kind: 'other' });
    expect(parseSecurityOption('apparmor=unconfined')).toEqual({ kind: 'other' });
    expect(parseSecurityOption('seccompx:a')).toEqual({ kind: 'other' });
    expect(parseSecurityOption('${SECCOMP}')).toEqual({ kind: 'other' });
  });
});

describe('applySeccomp: an existing block list', () => {
  it('replaces the seccomp value in place, keeping the separator, quotes, comments and other entries', () => {
    const source = lines(
      '# the stack',
      '---',
      'services:',
      '  pg:',
      '    image: "postgres:15" # pinned',
      '    security_opt:',
      '      - label:disable   # SELinux',
      "      - 'seccomp=./old.json'  # the profile",
      '      - apparmor:docker-default',
      '      - no-new-privileges:true',
      '',
      '  # the cache',
      '  cache:',
      '    image: valkey',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(source.replace("'seccomp=./old.json'", "'seccomp=./seccomp/pg.json'"));
    expect(r.changed).toBe(true);
    expect(r.actions).toEqual([
      'set security_opt seccomp=./seccomp/pg.json on service "pg" (was seccomp=./old.json)',
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('replaces seccomp:unconfined and keeps a double-quoted entry double-quoted', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      '      - "seccomp:unconfined"',
      '      - no-new-privileges',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - "seccomp:./seccomp/pg.json"',
        '      - no-new-privileges',
      ),
    );
    expect(r.actions).toEqual([
      'set security_opt seccomp:./seccomp/pg.json on service "pg" (was seccomp:unconfined)',
    ]);
  });

  it('appends the missing entries after the last one, in the quoting and separator the list uses', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      "      - 'label=disable'",
      "      - 'apparmor=docker-default' # last",
      '    # about ports',
      '    ports: [5432]',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        "      - 'label=disable'",
        "      - 'apparmor=docker-default' # last",
        "      - 'seccomp:./seccomp/pg.json'",
        "      - 'no-new-privileges:true'",
        '    # about ports',
        '    ports: [5432]',
      ),
    );
    expect(r.actions).toEqual([
      'added security_opt seccomp:./seccomp/pg.json to service "pg"',
      'added security_opt no-new-privileges:true to service "pg"',
    ]);
  });

  it('uses "=" for new entries when the list already does', () => {
    const source = lines('services:', '  pg:', '    security_opt:', '      - no-new-privileges=true');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - no-new-privileges=true',
        '      - seccomp=./seccomp/pg.json',
      ),
    );
    expect(r.actions).toEqual(['added security_opt seccomp=./seccomp/pg.json to service "pg"']);
  });

  it('replaces the first of several seccomp entries and removes the others (with their lines)', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      '      - seccomp:./a.json',
      '      - label:disable',
      '      - seccomp=./b.json # stale',
      '      - no-new-privileges:true',
      '      - seccomp:./seccomp/pg.json',
      '    image: postgres',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - seccomp:./seccomp/pg.json',
        '      - label:disable',
        '      - no-new-privileges:true',
        '    image: postgres',
      ),
    );
    expect(r.actions).toEqual([
      'set security_opt seccomp:./seccomp/pg.json on service "pg" (was seccomp:./a.json)',
      'removed duplicate security_opt seccomp=./b.json from service "pg"',
      'removed duplicate security_opt seccomp:./seccomp/pg.json from service "pg"',
    ]);
    expect(loaded(r.text)).toEqual(['seccomp:./seccomp/pg.json', 'label:disable', 'no-new-privileges:true']);
  });

  it('removes a duplicate that is the last entry and appends after it in one go', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      '      - seccomp:./a.json',
      '      - seccomp:./b.json',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - seccomp:./seccomp/pg.json',
        '      - no-new-privileges:true',
      ),
    );
  });

  it('changes nothing when the profile is already set, however the path is spelled', () => {
    const source = lines(
      'services:',
      '  pg:',
      "    security_opt: ['seccomp:seccomp/pg.json', no-new-privileges] # done",
    );
    expect(apply(source)).toEqual({ text: source, changed: false, actions: [], warnings: [] });
  });

  it('leaves no-new-privileges:false alone and warns instead', () => {
    const source = lines('services:', '  pg:', '    security_opt:', '      - no-new-privileges=false');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - no-new-privileges=false',
        '      - seccomp=./seccomp/pg.json',
      ),
    );
    expect(r.actions).toEqual(['added security_opt seccomp=./seccomp/pg.json to service "pg"']);
    expect(r.warnings).toEqual([
      'service "pg" disables no-new-privileges (no-new-privileges=false): left as is',
    ]);
  });

  it('judges no-new-privileges by its last entry, as the loader does', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt: [no-new-privileges:true, "no-new-privileges:false", seccomp:./seccomp/pg.json]',
    );
    expect(apply(source)).toEqual({
      text: source,
      changed: false,
      actions: [],
      warnings: ['service "pg" disables no-new-privileges (no-new-privileges:false): left as is'],
    });
  });

  it('does not add no-new-privileges when told not to', () => {
    const source = lines('services:', '  pg:', '    security_opt:', '      - label:disable');
    const r = applyTwice(source, { noNewPrivileges: false });
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - label:disable',
        '      - seccomp:./seccomp/pg.json',
      ),
    );
    expect(r.actions).toEqual(['added security_opt seccomp:./seccomp/pg.json to service "pg"']);
  });

  it('rewrites the default of an interpolated ${VAR:-seccomp:…} entry and keeps the variable', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      '      - ${APPARMOR}',
      "      - '${CORE_DATA_SECCOMP_PG:-seccomp:./old.json}'",
      '      - ${NNP-no-new-privileges:true}',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(source.replace('seccomp:./old.json', 'seccomp:./seccomp/pg.json'));
    expect(r.actions).toEqual([
      'set security_opt seccomp:./seccomp/pg.json on service "pg" (was seccomp:./old.json), as the default of ${CORE_DATA_SECCOMP_PG}',
    ]);
    expect(r.warnings).toEqual([
      'security_opt entry "${APPARMOR}" of service "pg" is interpolated: if it expands to a seccomp option, Docker uses whichever seccomp entry comes last',
    ]);
  });

  it('escapes a $ in the profile path (compose interpolates it) and quotes when plain is unsafe', () => {
    const source = lines('services:', '  pg:', '    security_opt:', '      - no-new-privileges');
    const r = applyTwice(source, { profile: './a $x #1.json' });
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        '      - no-new-privileges',
        "      - 'seccomp:./a $$x #1.json'",
      ),
    );
    expect(loaded(r.text)).toEqual(['no-new-privileges', 'seccomp:./a $$x #1.json']);
  });

  it('doubles a single quote inside a single-quoted entry', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt:',
      "      - 'seccomp:old.json'",
      '      - no-new-privileges',
    );
    const r = applyTwice(source, { profile: "./it's.json" });
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:',
        "      - 'seccomp:./it''s.json'",
        '      - no-new-privileges',
      ),
    );
  });
});

describe('applySeccomp: a service without security_opt', () => {
  it("adds a block list after the service's last key, in the file's indentation", () => {
    const source = lines(
      'services:',
      '    pg:',
      '        image: postgres',
      '        ports:',
      '        - "5432:5432"   # psql',
      '',
      '    # the cache',
      '    cache:',
      '        image: valkey',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '    pg:',
        '        image: postgres',
        '        ports:',
        '        - "5432:5432"   # psql',
        '        security_opt:',
        '        - seccomp:./seccomp/pg.json',
        '        - no-new-privileges:true',
        '',
        '    # the cache',
        '    cache:',
        '        image: valkey',
      ),
    );
    expect(r.actions).toEqual([
      'added security_opt seccomp:./seccomp/pg.json to service "pg"',
      'added security_opt no-new-privileges:true to service "pg"',
    ]);
  });

  it('copies the quoting and list indentation of other services\u2019 security_opt', () => {
    const source = lines(
      'services:',
      '  cache:',
      '    security_opt:',
      '        - "no-new-privileges:true"',
      '  pg:',
      '    environment:',
      '      A: "1"',
      '    command: |',
      '      run',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  cache:',
        '    security_opt:',
        '        - "no-new-privileges:true"',
        '  pg:',
        '    environment:',
        '      A: "1"',
        '    command: |',
        '      run',
        '    security_opt:',
        '        - "seccomp:./seccomp/pg.json"',
        '        - "no-new-privileges:true"',
      ),
    );
  });

  it('uses flow style when the other services write their lists that way', () => {
    const source = lines(
      'services:',
      '  a:',
      '    security_opt: [label:disable]',
      '  pg:',
      '    image: postgres',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  a:',
        '    security_opt: [label:disable]',
        '  pg:',
        '    image: postgres',
        '    security_opt: [seccomp:./seccomp/pg.json, no-new-privileges:true]',
      ),
    );
  });

  it('keeps comment lines that close the last key\u2019s block above the new list', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    environment:',
      '      A: "1"',
      '      # B: "2"',
      '    # about the cache',
      '  cache: {image: v}',
    );
    expect(applyTwice(source).text).toBe(
      lines(
        'services:',
        '  pg:',
        '    environment:',
        '      A: "1"',
        '      # B: "2"',
        '    security_opt:',
        '      - seccomp:./seccomp/pg.json',
        '      - no-new-privileges:true',
        '    # about the cache',
        '  cache: {image: v}',
      ),
    );
  });

  it('handles a file without a final line break', () => {
    const r = applyTwice('services:\n  pg:\n    image: postgres');
    expect(r.text).toBe(
      'services:\n  pg:\n    image: postgres\n    security_opt:\n      - seccomp:./seccomp/pg.json\n      - no-new-privileges:true',
    );
  });

  it('keeps CRLF line endings', () => {
    const source = 'services:\r\n  pg:\r\n    image: postgres # db\r\n  b:\r\n    image: x\r\n';
    const r = applyTwice(source);
    expect(r.text).toBe(
      'services:\r\n  pg:\r\n    image: postgres # db\r\n    security_opt:\r\n      - seccomp:./seccomp/pg.json\r\n      - no-new-privileges:true\r\n  b:\r\n    image: x\r\n',
    );
  });

  it('fills an empty security_opt:', () => {
    const source = lines('services:', '  pg:', '    security_opt:   # todo', '    image: postgres');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt:   # todo',
        '      - seccomp:./seccomp/pg.json',
        '      - no-new-privileges:true',
        '    image: postgres',
      ),
    );
  });

  it('adds to a flow-style service mapping in flow style', () => {
    const source = lines('services:', '  pg: { image: postgres }   # tiny', '  empty: {}');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg: { image: postgres, security_opt: [seccomp:./seccomp/pg.json, no-new-privileges:true] }   # tiny',
        '  empty: {}',
      ),
    );
  });

  it('adds to a multi-line flow mapping on a line of its own', () => {
    const source = lines('services:', '  pg: {', '    image: postgres', '  }');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg: {',
        '    image: postgres,',
        '    security_opt: [seccomp:./seccomp/pg.json, no-new-privileges:true]',
        '  }',
      ),
    );
  });

  it('edits the last YAML document that defines the service', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    image: a',
      '---',
      'services:',
      '  pg:',
      '    image: b',
      '...',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    image: a',
        '---',
        'services:',
        '  pg:',
        '    image: b',
        '    security_opt:',
        '      - seccomp:./seccomp/pg.json',
        '      - no-new-privileges:true',
        '...',
      ),
    );
  });
});

describe('applySeccomp: flow lists', () => {
  it('replaces and appends inside [ ], keeping flow style and the rest of the line', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt: [label:disable, "seccomp=old.json"] # x',
      '    image: p',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt: [label:disable, "seccomp=./seccomp/pg.json", no-new-privileges=true] # x',
        '    image: p',
      ),
    );
  });

  it('fills an empty [] and removes duplicates with their commas', () => {
    expect(apply(lines('services:', '  pg:', '    security_opt: []')).text).toBe(
      lines('services:', '  pg:', '    security_opt: [seccomp:./seccomp/pg.json, no-new-privileges:true]'),
    );
    const r = applyTwice(
      lines('services:', '  pg:', '    security_opt: [seccomp:a, seccomp:b, label:x, seccomp:c]'),
    );
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt: [seccomp:./seccomp/pg.json, label:x, no-new-privileges:true]',
      ),
    );
  });

  it('quotes an entry that plain flow style would split', () => {
    const r = applyTwice(lines('services:', '  pg:', '    security_opt: [no-new-privileges]'), {
      profile: './a,b.json',
    });
    expect(r.text).toBe(
      lines('services:', '  pg:', "    security_opt: [no-new-privileges, 'seccomp:./a,b.json']"),
    );
    expect(loaded(r.text)).toEqual(['no-new-privileges', 'seccomp:./a,b.json']);
  });

  it('appends to a multi-line flow list one entry per line', () => {
    const source = lines('services:', '  pg:', '    security_opt: [', '      label:disable,', '    ]');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt: [',
        '      label:disable,',
        '      seccomp:./seccomp/pg.json,',
        '      no-new-privileges:true,',
        '    ]',
      ),
    );
  });
});

describe('applySeccomp: anchors, aliases and merge keys', () => {
  const defaults = lines(
    '# shared',
    'x-defaults: &defaults',
    '  cap_drop: [ALL]',
    '  security_opt:',
    "    - 'no-new-privileges:true' # everyone",
    'x-other: &other { read_only: true }',
    'services:',
    '  pg:',
    '    <<: [*other, *defaults]',
    '    image: postgres',
    '  cache:',
    '    <<: *defaults',
    '    image: valkey',
  );

  it('gives a service that merges security_opt its own list and leaves the anchor alone', () => {
    const r = applyTwice(defaults);
    expect(r.text).toBe(
      defaults.replace(
        '    image: postgres\n',
        "    image: postgres\n    security_opt:\n      - 'no-new-privileges:true'\n      - 'seccomp:./seccomp/pg.json'\n",
      ),
    );
    expect(r.actions).toEqual([
      'gave service "pg" its own security_opt (it used the list from <<: *defaults, which is left unchanged)',
      'added security_opt seccomp:./seccomp/pg.json to service "pg"',
    ]);
    expect(loaded(r.text, 'cache')).toEqual(['no-new-privileges:true']);
    expect(loaded(r.text, 'pg')).toEqual(['no-new-privileges:true', 'seccomp:./seccomp/pg.json']);
  });

  it('adds nothing when the merged list already has the profile', () => {
    const source = defaults.replace(
      "    - 'no-new-privileges:true' # everyone\n",
      "    - 'no-new-privileges:true' # everyone\n    - seccomp:./seccomp/pg.json\n",
    );
    expect(apply(source)).toEqual({ text: source, changed: false, actions: [], warnings: [] });
  });

  it('follows nested merge keys and copies a flow list as a flow list', () => {
    const source = lines(
      'x-base: &base',
      '  security_opt: [label:disable, seccomp:./base.json]',
      'x-mid: &mid',
      '  <<: *base',
      '  read_only: true',
      'services:',
      '  pg:',
      '    <<: *mid',
      '  other:',
      '    <<: *mid',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      source.replace(
        '    <<: *mid\n  other',
        '    <<: *mid\n    security_opt: [label:disable, seccomp:./seccomp/pg.json, no-new-privileges:true]\n  other',
      ),
    );
    expect(r.actions[0]).toBe(
      'gave service "pg" its own security_opt (it used the list from <<: *mid, which is left unchanged)',
    );
    expect(loaded(r.text, 'other')).toEqual(['label:disable', 'seccomp:./base.json']);
  });

  it('replaces an aliased list with a list of its own, in the style of the anchored one', () => {
    const source = lines(
      'x-hardening: &hardening',
      '  - no-new-privileges:true',
      '  - seccomp:./default.json',
      'services:',
      '  pg:',
      '    security_opt: *hardening # shared',
      '    image: postgres',
      '  cache:',
      '    security_opt: *hardening',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'x-hardening: &hardening',
        '  - no-new-privileges:true',
        '  - seccomp:./default.json',
        'services:',
        '  pg:',
        '    security_opt: # shared',
        '      - no-new-privileges:true',
        '      - seccomp:./seccomp/pg.json',
        '    image: postgres',
        '  cache:',
        '    security_opt: *hardening',
      ),
    );
    expect(r.actions).toEqual([
      'gave service "pg" its own security_opt instead of *hardening (the anchor is left unchanged)',
      'set security_opt seccomp:./seccomp/pg.json on service "pg" (was seccomp:./default.json)',
    ]);
    expect(loaded(r.text, 'cache')).toEqual(['no-new-privileges:true', 'seccomp:./default.json']);
  });

  it('replaces an alias of a flow list inline', () => {
    const source = lines('x-h: &h [label:disable]', 'services:', '  pg: {image: p, security_opt: *h}');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'x-h: &h [label:disable]',
        'services:',
        '  pg: {image: p, security_opt: [label:disable, seccomp:./seccomp/pg.json, no-new-privileges:true]}',
      ),
    );
  });

  it('refuses to edit an anchored security_opt that other services alias', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt: &opts',
      '      - no-new-privileges:true',
      '  cache:',
      '    security_opt: *opts',
    );
    const e = thrown(() => apply(source));
    expect(e).toBeInstanceOf(ComposeError);
    expect((e as ComposeError).exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe(
      'c.yml:4:7: services.pg.security_opt is anchored as &opts and reused with *opts (line 6); editing it in place would change every place that uses *opts',
    );
    expect((e as ComposeError).hint).toBe(
      'give services.pg its own security_opt list (copy the entries instead of the anchor), or point the aliases somewhere else, then run again',
    );
  });

  it('edits an anchored security_opt in place when nothing aliases it, keeping the anchor', () => {
    const source = lines('services:', '  pg:', '    security_opt: &opts [no-new-privileges]');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines('services:', '  pg:', '    security_opt: &opts [no-new-privileges, seccomp:./seccomp/pg.json]'),
    );
  });

  it('refuses to replace an entry that is anchored and aliased elsewhere', () => {
    const source = lines(
      'services:',
      '  pg:',
      '    security_opt: [&s "seccomp:./a.json"]',
      '  cache:',
      '    security_opt: [*s]',
    );
    expect(thrown(() => apply(source)).message).toBe(
      'c.yml:3:23: the security_opt entry "seccomp:./a.json" is anchored as &s and reused with *s (line 5); editing it in place would change every place that uses *s',
    );
  });

  it('refuses when another service reuses the whole service mapping', () => {
    const source = lines('services:', '  pg: &pg', '    image: postgres', '  replica: *pg');
    const e = thrown(() => apply(source));
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toBe(
      'c.yml: editing services.pg.security_opt would also change services.replica.security_opt (they share YAML anchors)',
    );
  });

  it('allows it when the service reusing the mapping has its own security_opt', () => {
    const source = lines(
      'services:',
      '  pg: &pg',
      '    image: postgres',
      '  replica:',
      '    <<: *pg',
      '    security_opt: [label:disable]',
    );
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg: &pg',
        '    image: postgres',
        '    security_opt: [seccomp:./seccomp/pg.json, no-new-privileges:true]',
        '  replica:',
        '    <<: *pg',
        '    security_opt: [label:disable]',
      ),
    );
  });

  it('refuses a service that is itself an alias', () => {
    const source = lines('x-svc: &svc {image: postgres}', 'services:', '  pg: *svc');
    const e = thrown(() => apply(source));
    expect(e.message).toBe(
      'c.yml:3:7: service "pg" is an alias (*svc), so it has no mapping of its own to add security_opt to',
    );
  });
});

describe('applySeccomp: !reset and !override', () => {
  it('turns security_opt: !reset into !override with the new list', () => {
    const source = lines('services:', '  pg:', '    security_opt: !reset', '    image: p');
    const r = applyTwice(source);
    expect(r.text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt: !override',
        '      - seccomp:./seccomp/pg.json',
        '      - no-new-privileges:true',
        '    image: p',
      ),
    );
    expect(r.actions[0]).toBe('replaced security_opt: !reset with !override on service "pg"');
  });

  it('does the same for a flow !reset [] and edits an !override list in place', () => {
    expect(apply(lines('services:', '  pg:', '    security_opt: !reset [label:x]')).text).toBe(
      lines(
        'services:',
        '  pg:',
        '    security_opt: !override [seccomp:./seccomp/pg.json, no-new-privileges:true]',
      ),
    );
    const source = lines('services:', '  pg: !override', '    security_opt: !override [label:x]');
    expect(applyTwice(source).text).toBe(
      lines(
        'services:',
        '  pg: !override',
        '    security_opt: !override [label:x, seccomp:./seccomp/pg.json, no-new-privileges:true]',
      ),
    );
  });
});

describe('applySeccomp: bad input', () => {
  it('names the services the file defines when the service is unknown', () => {
    const e = thrown(() => apply(lines('services:', '  db: {image: a}', '  cache: {image: b}')));
    expect(e).toBeInstanceOf(UsageError);
    expect(e).not.toBeInstanceOf(ComposeError);
    expect(e.message).toBe('no service "pg" in c.yml (it defines: db, cache)');
    expect((e as UsageError).hint).toBe('pick one of: db, cache');
  });

  it('says so when the file has no services', () => {
    const e = thrown(() => apply(lines('name: x', 'volumes: {}')));
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toBe('c.yml: no services: mapping');
    expect(thrown(() => apply('')).message).toBe('c.yml: no services: mapping');
  });

  it('rejects a top-level list and points at YAML syntax errors', () => {
    expect(thrown(() => apply('- a\n- b\n')).message).toBe('c.yml:1:1: top-level object must be a mapping');
    const e = thrown(() => apply(lines('services:', '  pg:', '    image: [a', '  b: 1')));
    expect(e).toBeInstanceOf(ComposeError);
    expect(e.message).toBe(
      'c.yml:4:3: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(thrown(() => apply('services: [pg]\n')).message).toBe(
      'c.yml:1:1: services: must be a mapping of service names',
    );
  });

  it('rejects a security_opt that is not a list of strings', () => {
    expect(thrown(() => apply(lines('services:', '  pg:', '    security_opt: seccomp:a.json'))).message).toBe(
      'c.yml:3:19: services.pg.security_opt must be a list of strings',
    );
    expect(
      thrown(() => apply(lines('services:', '  pg:', '    security_opt:', '      - {a: b}'))).message,
    ).toBe('c.yml:4:9: services.pg.security_opt: every entry must be a string');
  });

  it('rejects an empty profile path or one with control characters', () => {
    const source = lines('services:', '  pg: {image: a}');
    expect(thrown(() => apply(source, { profile: '  ' })).message).toBe('the seccomp profile path is empty');
    expect(thrown(() => apply(source, { profile: 'a\nb' })).message).toBe(
      'the seccomp profile path "a\\nb" contains control characters',
    );
  });
});

describe('applySeccomp on examples/core-data/docker-compose.yml', () => {
  const file = path.resolve(__dirname, '../../../examples/core-data/docker-compose.yml');
  const source = fs.readFileSync(file, 'utf8');
  const services = Object.keys(
    (parseComposeYaml(source, file)[0]!.root as { services: Record<string, unknown> }).services,
  );

  /** Lines only in `a` and lines only in `b` (longest common subsequence). */
  function lineDiff(a: string[], b: string[]): { removed: string[]; added: string[] } {
    const n = a.length;
    const m = b.length;
    const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    const removed: string[] = [];
    const added: string[] = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        i++;
        j++;
      } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) removed.push(a[i++]!);
      else added.push(b[j++]!);
    }
    return { removed: [...removed, ...a.slice(i)], added: [...added, ...b.slice(j)] };
  }

  it('changes only the seccomp entries, and is a no-op for the profiles it already names', () => {
    expect(services).toHaveLength(7);
    let text = source;
    for (const service of services) {
      const same = applySeccomp({ source: text, file, service, profile: `./seccomp/${service}.json` });
      if (service === 'volume_prep') expect(same.changed).toBe(true);
      else expect(same).toEqual({ text, changed: false, actions: [], warnings: [] });
      text = applySeccomp({ source: text, file, service, profile: `./profiles/${service}.json` }).text;
    }
    const before = source.split('\n');
    const after = text.split('\n');
    // every comment line and every anchor, alias and merge key survives
    const kept = (l: string) => /^\s*#/.test(l) || /[&*]security-defaults|<</.test(l);
    expect(after.filter(kept)).toEqual(before.filter(kept));
    const { removed, added } = lineDiff(before, after);
    const wrapped = services.filter((s) => s !== 'volume_prep');
    expect(removed).toEqual(
      wrapped.map((s) => `      - '\${CORE_DATA_SECCOMP_${s.toUpperCase()}:-seccomp:./seccomp/${s}.json}'`),
    );
    expect(added).toEqual([
      ...wrapped.map(
        (s) => `      - '\${CORE_DATA_SECCOMP_${s.toUpperCase()}:-seccomp:./profiles/${s}.json}'`,
      ),
      '    security_opt:',
      "      - 'no-new-privileges:true'",
      "      - 'seccomp:./profiles/volume_prep.json'",
    ]);
    // volume_prep's list comes right after its last key (network_mode)
    expect(text).toContain(
      "    network_mode: none\n    security_opt:\n      - 'no-new-privileges:true'\n      - 'seccomp:./profiles/volume_prep.json'\n\nnetworks:",
    );
    // the shared defaults are untouched
    const root = parseComposeYaml(text, file)[0]!.root as Record<string, unknown>;
    expect(root['x-security-defaults']).toEqual({
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
    });
  });
});

describe('findServiceFile', () => {
  const base = {
    file: 'compose.yml',
    source: lines('services:', '  pg:', '    image: p', '    security_opt: [a]'),
  };
  const prod = {
    file: 'prod.yml',
    source: lines('services:', '  pg:', '    security_opt: [b]', '  web: {image: w}'),
  };
  const dev = { file: 'dev.yml', source: lines('services:', '  pg:', '    ports: [5432]') };
  const other = { file: 'other.yml', source: lines('services:', '  cache: {image: v}') };

  it('picks the last file that sets the service\u2019s security_opt', () => {
    expect(findServiceFile([base, prod, dev], 'pg')).toBe(prod);
    expect(findServiceFile([prod, base, dev, other], 'pg')).toBe(base);
  });

  it('counts a security_opt that comes from a merge key', () => {
    const merged = {
      file: 'm.yml',
      source: lines('x-d: &d', '  security_opt: [c]', 'services:', '  pg:', '    <<: *d'),
    };
    expect(findServiceFile([base, merged, dev], 'pg')).toBe(merged);
  });

  it('else picks the last file that defines the service', () => {
    expect(findServiceFile([dev, other], 'pg')).toBe(dev);
    expect(findServiceFile([base, prod, other], 'web')).toBe(prod);
  });

  it('throws a usage error naming the services when no file defines it', () => {
    const e = thrown(() => findServiceFile([base, other], 'nope'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('no service "nope" in compose.yml, other.yml (it defines: pg, cache)');
  });
});

describe('applySeccompToFile', () => {
  it('rewrites the file atomically, keeping its mode, and leaves an unchanged file alone', () => {
    const dir = tempProject({ 'compose.yaml': lines('services:', '  pg:', '    image: postgres') });
    const file = path.join(dir, 'compose.yaml');
    fs.chmodSync(file, 0o600);
    const r = applySeccompToFile(file, { service: 'pg', profile: PROFILE });
    expect(r.changed).toBe(true);
    const text = lines(
      'services:',
      '  pg:',
      '    image: postgres',
      '    security_opt:',
      '      - seccomp:./seccomp/pg.json',
      '      - no-new-privileges:true',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['compose.yaml']);

    const inode = fs.statSync(file).ino;
    expect(applySeccompToFile(file, { service: 'pg', profile: PROFILE }).changed).toBe(false);
    expect(fs.statSync(file).ino).toBe(inode);
  });

  it('writes through a symlink to its target', () => {
    const dir = tempProject({ 'real/compose.yaml': lines('services:', '  pg:', '    image: postgres') });
    fs.symlinkSync('real/compose.yaml', path.join(dir, 'compose.yaml'));
    applySeccompToFile(path.join(dir, 'compose.yaml'), {
      service: 'pg',
      profile: PROFILE,
      noNewPrivileges: false,
    });
    expect(fs.lstatSync(path.join(dir, 'compose.yaml')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'real/compose.yaml'), 'utf8')).toBe(
      lines(
        'services:',
        '  pg:',
        '    image: postgres',
        '    security_opt:',
        '      - seccomp:./seccomp/pg.json',
      ),
    );
  });

  it('reports a missing file as a usage error', () => {
    const dir = tempProject({});
    const e = thrown(() =>
      applySeccompToFile(path.join(dir, 'nope.yml'), { service: 'pg', profile: PROFILE }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`cannot read ${path.join(dir, 'nope.yml')}: ENOENT`);
  });
});
