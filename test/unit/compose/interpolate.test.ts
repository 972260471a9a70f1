import { describe, expect, it } from 'vitest';
import { interpolate, InterpolationError } from '../../../src/compose/interpolate';

// The cases of compose-spec/compose-go template/template_test.go and interpolation_test.go,
// with FOO=first and BAR set but empty.
const env: Record<string, string> = { FOO: 'first', BAR: '' };
const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
const sub = (template: string) => interpolate(template, lookup);

function error(template: string): InterpolationError {
  try {
    sub(template);
  } catch (e) {
    expect(e).toBeInstanceOf(InterpolationError);
    return e as InterpolationError;
  }
  throw new Error(`${template} did not fail`);
}

describe('interpolate', () => {
  it('leaves strings without variables alone', () => {
    expect(sub('foo')).toBe('foo');
  });

  it('turns $$ into a literal $', () => {
    expect(sub('$${foo}')).toBe('${foo}');
    expect(sub('$$FOO')).toBe('$FOO');
    expect(sub('a$$$FOO')).toBe('a$first');
  });

  it.each(['a $ string', '^REGEX$', '$}', '$', '$1', '$-x', 'cost: 5$'])(
    'keeps a lone $ literal: %s',
    (t) => {
      expect(sub(t)).toBe(t);
    },
  );

  it.each([
    '${',
    '${}',
    '${ }',
    '${ foo}',
    '${foo }',
    '${foo!}',
    '${FOO:}',
    '${FOO:x}',
    '${FOO:-unterminated',
  ])('rejects the malformed template %s', (t) => {
    const e = error(t);
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain('invalid interpolation format');
  });

  it('ends a non-braced name at the first character that cannot be part of it', () => {
    expect(sub('$FOO-bar')).toBe('first-bar');
    expect(sub('$FOO.bar')).toBe('first.bar');
    expect(sub('${FOO}bar')).toBe('firstbar');
  });

  it('substitutes an empty string for unset or empty variables, reporting the unset ones', () => {
    const unset: string[] = [];
    expect(interpolate('This ${missing} var', lookup, { onUnset: (n) => unset.push(n) })).toBe('This  var');
    expect(interpolate('This ${BAR} var', lookup, { onUnset: (n) => unset.push(n) })).toBe('This  var');
    expect(interpolate('This $missing2 var', lookup, { onUnset: (n) => unset.push(n) })).toBe('This  var');
    expect(unset).toEqual(['missing', 'missing2']);
  });

  it('substitutes set values in both forms', () => {
    expect(sub('This $FOO var')).toBe('This first var');
    expect(sub('This ${FOO} var')).toBe('This first var');
  });

  it('names are case-sensitive and may use lower case and underscores', () => {
    expect(interpolate('${foo_1} $_x', (n) => ({ foo_1: 'a', _x: 'b' })[n])).toBe('a b');
    expect(sub('${foo}')).toBe('');
  });

  describe(':- and -', () => {
    it('use the default when unset', () => {
      expect(sub('ok ${missing:-def}')).toBe('ok def');
      expect(sub('ok ${missing-def}')).toBe('ok def');
    });
    it('differ on set-but-empty', () => {
      expect(sub('ok ${BAR:-def}')).toBe('ok def');
      expect(sub('ok ${BAR-def}')).toBe('ok ');
    });
    it('keep a set value', () => {
      expect(sub('ok ${FOO:-def}')).toBe('ok first');
      expect(sub('ok ${FOO-def}')).toBe('ok first');
    });
    it('take any characters in the default', () => {
      expect(sub('ok ${BAR:-/non:-alphanumeric}')).toBe('ok /non:-alphanumeric');
      expect(sub('{{{ ${missing:-foo-bar-value} }}}')).toBe('{{{ foo-bar-value }}}');
      expect(sub('{{{ ${missing:-foo?bar?value} }}}')).toBe('{{{ foo?bar?value }}}');
      expect(sub('{{{ ${missing:-foo:?bar:?value} }}}')).toBe('{{{ foo:?bar:?value }}}');
      expect(sub('${missing:-baz} }}}')).toBe('baz }}}');
      expect(sub('ok ${missing:-}')).toBe('ok ');
    });
    it('are not confused by operators outside the braces', () => {
      expect(sub('-ok ${BAR:-defaultValue}')).toBe('-ok defaultValue');
      expect(sub(':-ok ${UNSET-defaultValue}')).toBe(':-ok defaultValue');
      expect(sub(':?ok ${BAR-defaultValue}')).toBe(':?ok ');
      expect(sub('+ok ${UNSET:-${BAR-defaultValue}}')).toBe('+ok ');
    });
  });

  describe('nested defaults', () => {
    it.each([
      ['ok ${UNSET_VAR-$FOO}', 'ok first'],
      ['ok ${UNSET_VAR-${FOO}}', 'ok first'],
      ['ok ${UNSET_VAR-${FOO} ${FOO}}', 'ok first first'],
      ['ok ${BAR:-$FOO}', 'ok first'],
      ['ok ${BAR:-${FOO} ${FOO}}', 'ok first first'],
      ['${X:-${Y:-${ZOT:-qix}}}', 'qix'],
      ['${X:-${Y:-x}_test_${Y:-y}}', 'x_test_y'],
      ['${X:-${Y:-x}_test}', 'x_test'],
      ['${FOO:-${BAR:-${ZOT:-x}}_test}', 'first'],
      ['${X:-${BAR:-${ZOT:-x}}_test}', 'x_test'],
      ['ok ${BAR+$FOO}', 'ok first'],
      ['ok ${BAR+$FOO ${FOO:+second}}', 'ok first second'],
    ])('%s → %s', (template, expected) => {
      expect(sub(template)).toBe(expected);
    });

    it('evaluates a default only when it is used', () => {
      expect(sub('${FOO:-${MISSING:?never evaluated}}')).toBe('first');
      expect(sub('${FOO-${}}')).toBe('first');
      expect(error('${MISSING:-${ALSO:?now it is}}').message).toBe(
        'required variable ALSO is missing a value: now it is',
      );
    });
  });

  it('balances braces inside a default', () => {
    expect(sub('${missing:-{"json":1}}')).toBe('{"json":1}');
    expect(sub('${FOO:-{"json":1}}')).toBe('first');
    expect(sub('${missing:-{"a":{"b":[1]}}} tail')).toBe('{"a":{"b":[1]}} tail');
    expect(sub('${missing:-a}b}')).toBe('ab}');
  });

  describe(':+ and +', () => {
    it('give the alternative only when set (+) or set and non-empty (:+)', () => {
      expect(sub('ok ${UNSET_VAR:+presence_value}')).toBe('ok ');
      expect(sub('ok ${UNSET_VAR+presence_value}')).toBe('ok ');
      expect(sub('ok ${FOO:+presence_value}')).toBe('ok presence_value');
      expect(sub('ok ${FOO+presence_value}')).toBe('ok presence_value');
      expect(sub('ok ${BAR+presence_value}')).toBe('ok presence_value');
      expect(sub('ok ${BAR:+presence_value}')).toBe('ok ');
    });
  });

  describe(':? and ?', () => {
    it.each([
      [
        'not ok ${UNSET_VAR:?Mandatory Variable Unset}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable Unset',
      ],
      [
        'not ok ${BAR:?Mandatory Variable Empty}',
        'required variable BAR is missing a value: Mandatory Variable Empty',
      ],
      ['not ok ${UNSET_VAR:?}', 'required variable UNSET_VAR is missing a value'],
      [
        'not ok ${UNSET_VAR?Mandatory Variable Unset}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable Unset',
      ],
      ['not ok ${UNSET_VAR?}', 'required variable UNSET_VAR is missing a value'],
      [
        'not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable first',
      ],
      ['${UNSET_VAR?bar-baz}', 'required variable UNSET_VAR is missing a value: bar-baz'],
      ['${X:?foo} ${Y:?bar}', 'required variable X is missing a value: foo'],
    ])('%s fails with its message', (template, message) => {
      const e = error(template);
      expect(e.kind).toBe('required');
      expect(e.message).toBe(message);
    });

    it('pass set values through', () => {
      expect(sub('ok ${FOO:?err}')).toBe('ok first');
      expect(sub('ok ${FOO?err}')).toBe('ok first');
      expect(sub('ok ${BAR?err}')).toBe('ok ');
      expect(sub('${FOO?bar-baz}')).toBe('first');
    });

    it('take the operator right after the name', () => {
      expect(sub('${UNSET_VAR-myerror?msg}')).toBe('myerror?msg');
      expect(error('${UNSET_VAR?va-lu+e:?e}').message).toBe(
        'required variable UNSET_VAR is missing a value: va-lu+e:?e',
      );
      expect(sub('${FOO+va:+lue}')).toBe('va:+lue');
    });

    it('reports the variable', () => {
      expect(error('${NEED:?x}').variable).toBe('NEED');
    });
  });
});
