/**
 * Splits a string `command`/`entrypoint` into words as compose does (mattn/go-shellwords, without
 * environment or backtick expansion): blanks separate words, quotes group, a backslash outside
 * single quotes escapes the next character. Like compose, an unquoted `;`, `&`, `|`, `<` or `>`
 * ends the command; `stoppedAt` then says where, so the caller can warn.
 */

export class ShellSplitError extends Error {}

export interface ShellWords {
  words: string[];
  /** index of the unquoted operator that ended the command, when one did */
  stoppedAt?: number;
}

const BLANK = /[ \t\r\n]/;
const OPERATOR = new Set([';', '&', '|', '<', '>']);

export function shellSplit(line: string): ShellWords {
  const words: string[] = [];
  let buf = '';
  let inWord = false;
  let single = false;
  let double = false;
  let escaped = false;
  let stoppedAt: number | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (escaped) {
      buf += c;
      escaped = false;
      inWord = true;
      continue;
    }
    if (c === '\\' && !single) {
      escaped = true;
      continue;
    }
    if (BLANK.test(c)) {
      if (single || double) buf += c;
      else if (inWord) {
        words.push(buf);
        buf = '';
        inWord = false;
      }
      continue;
    }
    if (c === '"' && !single) {
      double = !double;
      inWord = true;
      continue;
    }
    if (c === "'" && !double) {
      single = !single;
      inWord = true;
      continue;
    }
    if (OPERATOR.has(c) && !single && !double) {
      // go-shellwords drops a redirected fd number (`2>`) together with the operator
      if (c === '>' && inWord && /^[0-9]/.test(buf)) inWord = false;
      stoppedAt = i;
      break;
    }
    buf += c;
    inWord = true;
  }
  if (escaped || single || double)
    throw new ShellSplitError(`unterminated quote or escape in ${JSON.stringify(line)}`);
  if (inWord) words.push(buf);
  return stoppedAt === undefined ? { words } : { words, stoppedAt };
}
