import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors';
import { formatDuration, parseDuration } from '../../../src/trace/duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['250ms', 250],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['1m0.5s', 60_500],
    ['10us', 0.01],
    ['0', 0],
    ['0s', 0],
    [' 45 ', 45_000],
    ['2.5', 2_500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 'abc', '5x', '-5s', '1h 30m', 'm', '1.2.3s', '5s junk'])('refuses %j as bad input', (text) => {
    expect(() => parseDuration(text, '--duration')).toThrow(UsageError);
  });

  it('names the flag and the bad part', () => {
    expect(() => parseDuration('1h3x', '--duration')).toThrow(/--duration "1h3x" \(at "3x"\)/);
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [120_000, '2m'],
    [0, '0ms'],
    [1_000, '1s'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
