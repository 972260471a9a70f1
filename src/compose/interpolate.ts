/**
 * Compose variable interpolation (compose-spec/compose-go `template`), pure.
 *
 * Grammar: `$$` → `$`; `$NAME`; `${NAME}`; `${NAME<op>ARG}` with op one of `:-` `-` `:+` `+` `:?` `?`.
 * A `$` that starts none of these stays literal (`$}`, `a $ b`, `^x$`). Inside `${…}`, `{`/`}` balance,
 * so `${X:-{"a":1}}` has the default `{"a":1}`. ARG is interpolated itself, and only when it is used.
 */

/** Returns the variable's value, or undefined when it is not set (set-but-empty is `''`). */
export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'required',
    /** the variable that is required (kind 'required') */
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface InterpolateOptions {
  /** called for `$X`/`${X}` with X unset (compose warns and substitutes an empty string) */
  onUnset?: (name: string) => void;
}

const NAME_START = /[_a-zA-Z]/;
const NAME = /[_a-zA-Z][_a-zA-Z0-9]*/y;
const OPERATORS = [':-', ':+', ':?', '-', '+', '?'] as const;
type Operator = (typeof OPERATORS)[number];

/** Interpolates one string. Throws InterpolationError on a malformed template or a missing required value. */
export function interpolate(template: string, lookup: Lookup, options: InterpolateOptions = {}): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const next = template[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = readName(template, dollar + 1);
      out += valueOf(name, lookup, options);
      i = dollar + 1 + name.length;
    } else if (next === '{') {
      const braced = evaluateBraced(template, dollar, lookup, options);
      out += braced.value;
      i = braced.end;
    } else {
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

function readName(s: string, at: number): string {
  NAME.lastIndex = at;
  const m = NAME.exec(s);
  return m ? m[0] : '';
}

function valueOf(name: string, lookup: Lookup, options: InterpolateOptions): string {
  const value = lookup(name);
  if (value === undefined) options.onUnset?.(name);
  return value ?? '';
}

function invalid(template: string): InterpolationError {
  return new InterpolationError(`invalid interpolation format: ${JSON.stringify(template)}`, 'invalid');
}

/** `${…}` starting at `start` (the `$`): returns its value and the index just after its closing brace. */
function evaluateBraced(
  template: string,
  start: number,
  lookup: Lookup,
  options: InterpolateOptions,
): { value: string; end: number } {
  const name = readName(template, start + 2);
  if (!name) throw invalid(template);
  const afterName = start + 2 + name.length;
  if (template[afterName] === '}') return { value: valueOf(name, lookup, options), end: afterName + 1 };

  const op = OPERATORS.find((o) => template.startsWith(o, afterName));
  if (!op) throw invalid(template);
  const argStart = afterName + op.length;
  const close = closingBrace(template, argStart);
  if (close < 0) throw invalid(template);
  const arg = template.slice(argStart, close);
  return { value: applyOperator(name, op, arg, lookup, options), end: close + 1 };
}

/** Index of the `}` closing a `${`, counting every `{`/`}` in between; -1 when unbalanced. */
function closingBrace(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function applyOperator(
  name: string,
  op: Operator,
  arg: string,
  lookup: Lookup,
  options: InterpolateOptions,
): string {
  const value = lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  // ARG is evaluated lazily: an unused default never fails.
  const argValue = () => interpolate(arg, lookup, options);
  switch (op) {
    case ':-':
      return nonEmpty ? value : argValue();
    case '-':
      return set ? value : argValue();
    case ':+':
      return nonEmpty ? argValue() : (value ?? '');
    case '+':
      return set ? argValue() : '';
    case ':?':
      if (nonEmpty) return value;
      throw required(name, argValue());
    case '?':
      if (set) return value;
      throw required(name, argValue());
  }
}

function required(name: string, reason: string): InterpolationError {
  const message = reason
    ? `required variable ${name} is missing a value: ${reason}`
    : `required variable ${name} is missing a value`;
  return new InterpolationError(message, 'required', name);
}
