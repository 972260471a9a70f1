import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/commands/index';
import { complete } from '../../../src/plugin/complete';

describe('complete (cobra __complete protocol)', () => {
  it('lists matching commands and ends with the no-file directive', () => {
    const out = complete(['do'], COMMANDS).split('\n');
    expect(out[0]).toMatch(/^doctor\t/);
    expect(out.at(-2)).toBe(':4');
    expect(out.at(-1)).toBe('');
  });
  it('answers an empty list validly for unknown prefixes', () => {
    expect(complete(['zzz'], COMMANDS)).toBe(':4\n');
  });
  it('completes the flags of a known command', () => {
    expect(complete(['doctor', '--j'], COMMANDS)).toMatch(/^--json\t.*\n:4\n$/);
  });
});
