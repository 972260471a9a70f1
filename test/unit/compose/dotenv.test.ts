import { describe, expect, it } from 'vitest';
import { DotEnvError, parseDotEnv } from '../../../src/compose/dotenv';

function error(src: string): DotEnvError {
  try {
    parseDotEnv(src);
  } catch (e) {
    expect(e).toBeInstanceOf(DotEnvError);
    return e as DotEnvError;
  }
  throw new Error('no error');
}

describe('parseDotEnv', () => {
  it('reads plain KEY=VALUE lines, skipping blanks and comments', () => {
    const src = '# a comment\n\nA=1\n  B = two words  \n   # indented comment\nC=\n';
    expect(parseDotEnv(src)).toEqual({ A: '1', B: 'two words', C: '' });
  });

  it('ignores a leading export and accepts KEY: VALUE', () => {
    expect(parseDotEnv('export A=1\nexport  B="2"\nC: 3\nexporter=4')).toEqual({
      A: '1',
      B: '2',
      C: '3',
      exporter: '4',
    });
  });

  it('drops a trailing " #" comment on unquoted values only', () => {
    expect(parseDotEnv('A=x # comment\nB=x#not-a-comment\nC="x # kept"\nD=\'y # kept\' # dropped')).toEqual({
      A: 'x',
      B: 'x#not-a-comment',
      C: 'x # kept',
      D: 'y # kept',
    });
  });

  it('keeps single-quoted values literal', () => {
    expect(parseDotEnv("A='${HOME} \\n $x'\nB='it\\'s'")).toEqual({ A: '${HOME} \\n $x', B: "it's" });
  });

  it('expands escapes in double-quoted values', () => {
    expect(
      parseDotEnv('A="l1\\nl2\\tt"\nB="say \\"hi\\""\nC="back\\\\slash"\nD="\\$NOT"\nE="\\0101"'),
    ).toEqual({
      A: 'l1\nl2\tt',
      B: 'say "hi"',
      C: 'back\\slash',
      D: '$NOT',
      E: 'A',
    });
  });

  it('lets quoted values span lines', () => {
    expect(parseDotEnv('CERT="-----BEGIN-----\nabc\n-----END-----"\nNEXT=1')).toEqual({
      CERT: '-----BEGIN-----\nabc\n-----END-----',
      NEXT: '1',
    });
  });

  it('interpolates unquoted and double-quoted values, from the lookup first, then earlier keys', () => {
    const lookup = (k: string) => ({ HOST: 'db.internal', A: 'from-shell' })[k];
    const src =
      'A=from-file\nURL=postgres://${HOST}:${PORT:-5432}/x\nB=$A\nC="${A}-q"\nD=\'${A}\'\nE=$$literal';
    expect(parseDotEnv(src, lookup)).toEqual({
      A: 'from-file',
      URL: 'postgres://db.internal:5432/x',
      B: 'from-shell',
      C: 'from-shell-q',
      D: '${A}',
      E: '$literal',
    });
    expect(parseDotEnv('X=1\nY=${X}2')).toEqual({ X: '1', Y: '12' });
  });

  it('takes a bare KEY from the lookup, and skips it when unset', () => {
    const lookup = (k: string) => ({ SET: 'v' })[k];
    expect(parseDotEnv('SET\nUNSET\nLAST', lookup)).toEqual({ SET: 'v' });
  });

  it('accepts dots, dashes and brackets in keys; later keys win', () => {
    expect(parseDotEnv('a.b=1\na-b=2\na[1]=3\na.b=4')).toEqual({ 'a.b': '4', 'a-b': '2', 'a[1]': '3' });
  });

  it('reports bad names, unterminated quotes and interpolation errors with their line', () => {
    let e = error('OK=1\n\nBAD%NAME=2');
    expect(e.line).toBe(3);
    expect(e.message).toContain('unexpected character "%"');
    e = error('A=1\nB="never closed\nC=3');
    expect(e.line).toBe(2);
    expect(e.message).toContain('unterminated quoted value');
    e = error('A=1\nB=${NEED:?set NEED}');
    expect(e.line).toBe(2);
    expect(e.message).toBe('B: required variable NEED is missing a value: set NEED');
    expect(error('=value').message).toContain('missing variable name');
  });

  it('stores keys such as __proto__ as ordinary keys', () => {
    const env = parseDotEnv('__proto__=x\nconstructor=y');
    expect(Object.keys(env)).toEqual(['__proto__', 'constructor']);
    expect(env['__proto__']).toBe('x');
  });
});
