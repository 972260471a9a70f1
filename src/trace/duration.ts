import { UsageError } from '../errors';

/** Milliseconds per unit of a Go/compose duration (`time.ParseDuration`). */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a duration as compose and Go write them (`90s`, `2m`, `1h30m`, `1.5s`, `250ms`); a bare
 * number means seconds. Returns milliseconds. Negative, empty or malformed input is a UsageError.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s) * 1_000;
  const bad = (rest: string) =>
    new UsageError(`invalid ${what} "${text}"${rest ? ` (at "${rest}")` : ''}`, {
      hint: 'write durations like 90s, 2m, 1h30m or a number of seconds',
    });
  if (s === '') throw bad('');
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) throw bad(s.slice(start));
    ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return ms;
}

/** A short human form: `1h30m`, `2m5s`, `750ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1_000);
  const h = Math.floor(rest / 3_600);
  rest -= h * 3_600;
  const m = Math.floor(rest / 60);
  const sec = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec || (!h && !m) ? `${sec}s` : ''}`;
}
