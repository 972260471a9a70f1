import { interpolate, InterpolationError, type Lookup } from './interpolate';

/**
 * `.env` parsing as compose-go's `dotenv` package does it, pure:
 * - blank lines and lines starting with `#` are skipped; a leading `export ` is ignored;
 * - `KEY=VALUE` (or YAML-like `KEY: VALUE`); a bare `KEY` takes its value from `lookup`, if set;
 * - unquoted values end at the line's end, lose a trailing ` # comment` and trailing blanks;
 * - 'single quoted' values are literal; "double quoted" ones understand `\n \t \" \\ \$ …`;
 *   both may span lines;
 * - unquoted and double-quoted values are interpolated (`${VAR:-x}` …), looking a name up first in
 *   `lookup`, then among the keys defined earlier in the same file.
 */

export class DotEnvError extends Error {
  constructor(
    message: string,
    /** 1-based line of the statement that failed */
    readonly line: number,
  ) {
    super(message);
    this.name = 'DotEnvError';
  }
}

const SPACE = new Set([' ', '\t', '\v', '\f', '\r', '\u0085', '\u00a0']);
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;

export function parseDotEnv(src: string, lookup: Lookup = () => undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const scan = new Scanner(src);
  for (;;) {
    scan.skipBlankAndComments();
    if (scan.done()) break;
    const line = scan.line();
    const { key, inherited } = scan.readKey();
    if (inherited) {
      const value = lookup(key);
      if (value !== undefined) setOwn(out, key, value);
      continue;
    }
    const local: Lookup = (name) => lookup(name) ?? (Object.hasOwn(out, name) ? out[name] : undefined);
    try {
      setOwn(out, key, scan.readValue(local));
    } catch (e) {
      if (e instanceof InterpolationError) throw new DotEnvError(`${key}: ${e.message}`, line);
      throw e;
    }
  }
  return out;
}

function setOwn(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

class Scanner {
  private pos = 0;
  constructor(private readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  /** 1-based line of the current position */
  line(): number {
    let n = 1;
    for (let i = this.src.indexOf('\n'); i >= 0 && i < this.pos; i = this.src.indexOf('\n', i + 1)) n++;
    return n;
  }

  skipBlankAndComments(): void {
    for (;;) {
      while (!this.done() && /\s/.test(this.src[this.pos]!)) this.pos++;
      if (this.src[this.pos] !== '#') return;
      const nl = this.src.indexOf('\n', this.pos);
      this.pos = nl < 0 ? this.src.length : nl;
    }
  }

  readKey(): { key: string; inherited: boolean } {
    const line = this.line();
    if (/^export[ \t]+/.test(this.src.slice(this.pos, this.pos + 8))) {
      this.pos += 'export'.length;
      while (SPACE.has(this.src[this.pos] ?? '')) this.pos++;
    }
    const start = this.pos;
    let end = -1;
    let inherited = false;
    for (; this.pos < this.src.length; this.pos++) {
      const c = this.src[this.pos]!;
      if (SPACE.has(c)) continue;
      if (c === '=' || c === ':' || c === '\n') {
        end = this.pos;
        inherited = c === '\n';
        this.pos++;
        break;
      }
      if (!KEY_CHAR.test(c)) {
        const text = this.src.slice(start).split('\n')[0];
        throw new DotEnvError(
          `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(text)}`,
          line,
        );
      }
    }
    if (end < 0) {
      // a bare KEY on the last line, without a newline
      end = this.src.length;
      inherited = true;
    }
    const key = this.src.slice(start, end).trimEnd();
    if (key === '') throw new DotEnvError('missing variable name', line);
    if (/\s/.test(key)) throw new DotEnvError(`key cannot contain a space: ${JSON.stringify(key)}`, line);
    while (SPACE.has(this.src[this.pos] ?? '')) this.pos++;
    return { key, inherited };
  }

  readValue(lookup: Lookup): string {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") return this.readUnquoted(lookup);
    const line = this.line();
    let chars = '';
    let escaped = false;
    for (let i = this.pos + 1; i < this.src.length; i++) {
      const c = this.src[i]!;
      if (c !== quote) {
        if (!escaped && c === '\\') {
          escaped = true;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += c;
        continue;
      }
      this.pos = i + 1;
      return quote === '"' ? interpolate(expandEscapes(chars), lookup) : chars;
    }
    const text = this.src.slice(this.pos).split('\n')[0];
    throw new DotEnvError(`unterminated quoted value ${text}`, line);
  }

  private readUnquoted(lookup: Lookup): string {
    const nl = this.src.indexOf('\n', this.pos);
    const end = nl < 0 ? this.src.length : nl;
    let value = this.src.slice(this.pos, end);
    this.pos = end;
    const comment = value.indexOf(' #');
    if (comment >= 0) value = value.slice(0, comment);
    return interpolate(value.trimEnd(), lookup);
  }
}

const ESCAPE = /\\(?:[abfnrtv$"\\]|0[0-7]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/** Shell-style escapes in a double-quoted value; `\$` becomes `$$` so interpolation leaves a literal `$`. */
function expandEscapes(s: string): string {
  return s.replace(ESCAPE, (m) => {
    const c = m.slice(1);
    if (c === '$') return '$$';
    // like Go's strconv.Unquote after compose rewrites `\0ddd` to `\ddd`: exactly three octal digits
    if (c.startsWith('0')) return c.length === 4 ? String.fromCharCode(parseInt(c.slice(1), 8)) : m;
    return SIMPLE_ESCAPES[c] ?? m;
  });
}
