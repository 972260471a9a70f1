import { describe, expect, it } from 'vitest';
import { parseGlobals, parseInvocation } from '../../../src/plugin/argv';

describe('parseInvocation', () => {
  it('answers the metadata handshake', () => {
    expect(parseInvocation(['docker-cli-plugin-metadata'])).toEqual({ kind: 'metadata' });
  });

  it('strips global flags up to and including the plugin name and keeps them', () => {
    const inv = parseInvocation([
      '-D',
      '--context',
      'remote',
      '-H=tcp://h:2375',
      'coredata',
      'status',
      '--json',
    ]);
    expect(inv).toEqual({
      kind: 'run',
      mode: 'plugin',
      argv: ['status', '--json'],
      globals: { debug: true, context: 'remote', host: ['tcp://h:2375'] },
    });
  });

  it('handles --flag=value, joined short forms and TLS flags', () => {
    const inv = parseInvocation([
      '--context=ci',
      '-lwarn',
      '--tlsverify',
      '--tlscacert',
      '/c/ca.pem',
      '--config=/cfg',
      'coredata',
      'verify',
    ]);
    expect(inv).toMatchObject({
      mode: 'plugin',
      argv: ['verify'],
      globals: { context: 'ci', logLevel: 'warn', tlsverify: true, tlscacert: '/c/ca.pem', config: '/cfg' },
    });
  });

  it('turns `docker help coredata` into root help', () => {
    expect(parseInvocation(['help', 'coredata'])).toMatchObject({
      kind: 'run',
      mode: 'plugin',
      argv: ['--help'],
    });
  });

  it('recognises completion requests', () => {
    expect(parseInvocation(['__complete', 'coredata', 'st'])).toEqual({ kind: 'complete', words: ['st'] });
  });

  it('runs standalone when the first word is not the plugin name', () => {
    expect(parseInvocation(['install', '--dir', '/x'])).toEqual({
      kind: 'run',
      mode: 'standalone',
      argv: ['install', '--dir', '/x'],
      globals: {},
    });
    expect(parseInvocation(['-H', 'unix:///s.sock', 'doctor'])).toMatchObject({
      mode: 'standalone',
      argv: ['doctor'],
      globals: { host: ['unix:///s.sock'] },
    });
  });

  it('does not mistake a command flag for a global', () => {
    expect(parseInvocation(['--help'])).toMatchObject({ mode: 'standalone', argv: ['--help'] });
  });
});

describe('parseGlobals', () => {
  it('stops at the first non-flag word', () => {
    expect(parseGlobals(['-D', 'coredata', '-H', 'x'])).toEqual({ globals: { debug: true }, rest: 1 });
  });
  it('collects repeated -H values', () => {
    expect(parseGlobals(['-H', 'a', '--host', 'b']).globals.host).toEqual(['a', 'b']);
  });
});
