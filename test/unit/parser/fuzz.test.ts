import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTraceText, TraceParser } from '../../../src/trace/parser';
import { rng } from '../../helpers/rng';

const FIXTURES = join(__dirname, '../../fixtures/traces');
const corpus = [
  ...readdirSync(join(FIXTURES, 'busybox/ff')).map((f) => join(FIXTURES, 'busybox/ff', f)),
  ...['f-tt-T-y', 'f-ttt.stderr', 'f-t-signal'].map((f) => join(FIXTURES, 'busybox', f)),
].map((p) => readFileSync(p));
const TOKENS = [
  '(',
  ')',
  ' = ',
  '-1 EPERM',
  '<unfinished ...>',
  '<... ',
  ' resumed>',
  '[pid ',
  '+++ ',
  '--- ',
  '\n',
  '"',
  '\\',
  '[ Process PID=',
  ' runs in 32 bit mode. ]',
  'syscall_0x',
  '????',
  '\r',
  '\0',
  '\xff',
];

function mutate(bytes: Buffer, r: () => number): Buffer {
  const out = Buffer.from(bytes);
  const parts: Buffer[] = [];
  let at = 0;
  const edits = 1 + Math.floor(r() * 40);
  for (let k = 0; k < edits && at < out.length; k++) {
    const next = at + Math.floor(r() * (out.length / edits) * 2);
    parts.push(out.subarray(at, Math.min(next, out.length)));
    at = Math.min(next, out.length);
    const op = r();
    if (op < 0.3)
      at += Math.floor(r() * 20); // delete
    else if (op < 0.6) parts.push(Buffer.from(TOKENS[Math.floor(r() * TOKENS.length)]!, 'latin1'));
    else if (op < 0.8) parts.push(Buffer.from([Math.floor(r() * 256)]));
    else parts.push(Buffer.from(Array.from({ length: Math.floor(r() * 50) }, () => Math.floor(r() * 256))));
  }
  parts.push(out.subarray(at));
  return Buffer.concat(parts);
}

function feed(bytes: Buffer, r: () => number, maxLineBytes?: number) {
  const p = new TraceParser({
    maxLineBytes,
    pid: r() < 0.5 ? 7 : undefined,
    arch: r() < 0.5 ? 'x86_64' : 'aarch64',
  });
  for (let o = 0; o < bytes.length;) {
    const n = 1 + Math.floor(r() * 300);
    p.push(r() < 0.1 ? bytes.subarray(o, o + n).toString('latin1') : bytes.subarray(o, o + n));
    o += n;
  }
  return p.end();
}

/** What the classifier reads (prefixes, -T tails, failures), besides the general TOKENS. */
const CLASSIFIER_TOKENS = [
  '[pid 12] ',
  '[pid  7]',
  '123 ',
  '4294967296 ',
  '15:39:34.497023 ',
  '1796398774.822538  ',
  ' <0.000036>',
  '<.>',
  ' = -1 ENOSYS (Function not implemented)',
  ' = -1 EPERM',
  ' = -1 EPERMX',
  ' = 0',
  ' E',
  'read(',
  'clone(',
  'sched_getaffinity(',
  '<... read resumed>',
  '<... clone resumed>',
  ' <unfinished ...>',
];

function feedWhole(bytes: Buffer, r: () => number, classifier: boolean) {
  const p = new TraceParser({
    classifier,
    pid: r() < 0.5 ? 7 : undefined,
    arch: r() < 0.5 ? 'x86_64' : 'aarch64',
  });
  const chunk = r() < 0.3 ? bytes.length : 1 + Math.floor(r() * 4096);
  for (let o = 0; o < bytes.length; o += chunk) p.push(bytes.subarray(o, o + chunk));
  return p.end();
}

describe('fuzz: the WebAssembly classifier reads every line as parseGeneral does', () => {
  it('mutated real traces (prefixes, tails, failures), with and without it: the same summary', () => {
    const deadline = Date.now() + 4000;
    let runs = 0;
    for (let seed = 20_000; Date.now() < deadline && runs < 3000; seed++, runs++) {
      const r = rng(seed);
      let input = mutate(corpus[seed % corpus.length]!, r);
      // and the classifier's own tokens, spliced in at line starts and ends
      const lines = input.toString('latin1').split('\n');
      for (let k = 0; k < lines.length; k++) {
        const t = CLASSIFIER_TOKENS[Math.floor(r() * CLASSIFIER_TOKENS.length)]!;
        const op = r();
        if (op < 0.15) lines[k] = t + lines[k];
        else if (op < 0.3) lines[k] += t;
      }
      input = Buffer.from(lines.join('\n'), 'latin1');
      // the same pid option and chunking for both
      const withIt = feedWhole(input, rng(seed + 1), true);
      const without = feedWhole(input, rng(seed + 1), false);
      expect(withIt, `seed ${seed}`).toEqual(without);
    }
    expect(runs).toBeGreaterThan(50);
  });
});

describe('fuzz: random and mutated input never throws', () => {
  it('mutated real traces, random chunking, bounded time', () => {
    const deadline = Date.now() + 4000;
    let runs = 0;
    for (let seed = 1; Date.now() < deadline && runs < 3000; seed++, runs++) {
      const r = rng(seed);
      const mutated = mutate(corpus[seed % corpus.length]!, r);
      // often cut short anywhere: a trace whose writer died mid-line
      const input = r() < 0.5 ? mutated.subarray(0, Math.floor(r() * mutated.length)) : mutated;
      let s;
      try {
        s = feed(input, r, r() < 0.2 ? 256 : undefined);
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).stack}`);
      }
      const nl = input.filter((b) => b === 10).length;
      expect(s.lines === nl || s.lines === nl + 1, `seed ${seed}`).toBe(true);
      expect(s.unreadable.samples.length).toBeLessThanOrEqual(5);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    }
    expect(runs).toBeGreaterThan(50);
  });

  it('pure random bytes and random token soup', () => {
    const deadline = Date.now() + 2000;
    for (let seed = 10_000; Date.now() < deadline && seed < 12_000; seed++) {
      const r = rng(seed);
      const soup =
        seed % 2 === 0
          ? Buffer.from(Array.from({ length: Math.floor(r() * 4000) }, () => Math.floor(r() * 256)))
          : Buffer.from(
              Array.from(
                { length: Math.floor(r() * 400) },
                () => TOKENS[Math.floor(r() * TOKENS.length)],
              ).join(''),
              'latin1',
            );
      expect(() => feed(soup, r, 64)).not.toThrow();
      expect(() => parseTraceText(soup)).not.toThrow();
    }
  });
});
