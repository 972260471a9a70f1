import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST, resolveEndpoint } from '../../../src/docker/endpoint';
import { dockerodeOptions } from '../../../src/docker/engine';
import { UsageError } from '../../../src/errors';

let dir: string;

function addContext(
  name: string,
  host: string,
  tls?: { ca: string; cert: string; key: string },
  skipVerify = false,
) {
  const id = createHash('sha256').update(name).digest('hex');
  const meta = path.join(dir, 'contexts', 'meta', id);
  fs.mkdirSync(meta, { recursive: true });
  fs.writeFileSync(
    path.join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: skipVerify } },
    }),
  );
  if (tls) {
    const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker');
    fs.mkdirSync(tlsDir, { recursive: true });
    fs.writeFileSync(path.join(tlsDir, 'ca.pem'), tls.ca);
    fs.writeFileSync(path.join(tlsDir, 'cert.pem'), tls.cert);
    fs.writeFileSync(path.join(tlsDir, 'key.pem'), tls.key);
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-cfg-'));
  addContext('ctx-a', 'unix:///run/a.sock');
  addContext('ctx-b', 'tcp://b.example:2376', { ca: 'CA', cert: 'CERT', key: 'KEY' });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'ctx-a' }));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ DOCKER_CONFIG: dir, ...extra });

describe('resolveEndpoint precedence (as the docker CLI)', () => {
  it('-H wins over everything', () => {
    const ep = resolveEndpoint(
      { host: ['tcp://h:1'] },
      env({ DOCKER_HOST: 'tcp://env:2', DOCKER_CONTEXT: 'ctx-b' }),
    );
    expect(ep).toMatchObject({ host: 'tcp://h:1', source: 'flag --host' });
  });
  it('--context wins over DOCKER_HOST, DOCKER_CONTEXT and currentContext', () => {
    const ep = resolveEndpoint(
      { context: 'ctx-b' },
      env({ DOCKER_HOST: 'tcp://env:2', DOCKER_CONTEXT: 'ctx-a' }),
    );
    expect(ep).toMatchObject({ host: 'tcp://b.example:2376', source: 'flag --context', context: 'ctx-b' });
    expect(ep.tls).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY', verify: true });
  });
  it('DOCKER_HOST wins over DOCKER_CONTEXT and currentContext', () => {
    const ep = resolveEndpoint({}, env({ DOCKER_HOST: 'tcp://env:2', DOCKER_CONTEXT: 'ctx-b' }));
    expect(ep).toMatchObject({ host: 'tcp://env:2', source: 'env DOCKER_HOST' });
  });
  it('DOCKER_CONTEXT wins over currentContext', () => {
    expect(resolveEndpoint({}, env({ DOCKER_CONTEXT: 'ctx-b' }))).toMatchObject({
      host: 'tcp://b.example:2376',
      source: 'env DOCKER_CONTEXT',
    });
  });
  it('currentContext in config.json comes next', () => {
    expect(resolveEndpoint({}, env())).toMatchObject({
      host: 'unix:///run/a.sock',
      source: 'config currentContext',
    });
  });
  it('falls back to the default socket', () => {
    fs.rmSync(path.join(dir, 'config.json'));
    expect(resolveEndpoint({}, env())).toMatchObject({ host: DEFAULT_HOST, source: 'default' });
  });
  it('--config chooses the config dir', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'coredata-cfg2-'));
    try {
      expect(resolveEndpoint({ config: other }, env())).toMatchObject({
        source: 'default',
        configDir: other,
      });
    } finally {
      fs.rmSync(other, { recursive: true });
    }
  });
  it('the "default" context means DOCKER_HOST or the default socket', () => {
    expect(resolveEndpoint({ context: 'default' }, env())).toMatchObject({
      host: DEFAULT_HOST,
      context: 'default',
    });
  });
  it('an unknown context is a usage error naming the known ones', () => {
    expect(() => resolveEndpoint({ context: 'nope' }, env())).toThrow(UsageError);
    expect(() => resolveEndpoint({ context: 'nope' }, env())).toThrow(/context "nope" does not exist/);
    try {
      resolveEndpoint({ context: 'nope' }, env());
    } catch (e) {
      expect((e as UsageError).hint).toMatch(/ctx-a/);
    }
  });
  it('-H together with --context is refused', () => {
    expect(() => resolveEndpoint({ host: ['tcp://x:1'], context: 'ctx-a' }, env())).toThrow(/conflicting/);
  });
  it('--tlsverify with DOCKER_CERT_PATH reads the client material', () => {
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(certs);
    for (const f of ['ca', 'cert', 'key']) fs.writeFileSync(path.join(certs, `${f}.pem`), f.toUpperCase());
    const ep = resolveEndpoint({ host: ['tcp://h:2376'], tlsverify: true }, env({ DOCKER_CERT_PATH: certs }));
    expect(ep.tls).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY', verify: true });
  });
  it('SkipTLSVerify in a context disables verification', () => {
    addContext('ctx-c', 'tcp://c:2376', { ca: 'A', cert: 'B', key: 'C' }, true);
    expect(resolveEndpoint({ context: 'ctx-c' }, env()).tls?.verify).toBe(false);
  });
});

describe('dockerodeOptions', () => {
  const base = { source: 'default' as const, configDir: '/x' };
  it('unix sockets', () => {
    expect(dockerodeOptions({ ...base, host: 'unix:///var/run/docker.sock' })).toEqual({
      socketPath: '/var/run/docker.sock',
    });
  });
  it('tcp with TLS uses https and the material', () => {
    const o = dockerodeOptions({
      ...base,
      host: 'tcp://h:2376',
      tls: { ca: 'A', cert: 'B', key: 'C', verify: true },
    });
    expect(o).toMatchObject({ host: 'h', port: '2376', protocol: 'https', ca: 'A', cert: 'B', key: 'C' });
  });
  it('plain tcp uses http', () => {
    expect(dockerodeOptions({ ...base, host: 'tcp://h:2375' })).toMatchObject({
      protocol: 'http',
      host: 'h',
    });
  });
  it('ssh hosts go through dockerode ssh support', () => {
    expect(dockerodeOptions({ ...base, host: 'ssh://me@box:2222' })).toMatchObject({
      protocol: 'ssh',
      host: 'box',
      port: '2222',
      username: 'me',
    });
  });
  it('refuses unknown schemes', () => {
    expect(() => dockerodeOptions({ ...base, host: 'npipe:////./pipe/docker' })).toThrow(UsageError);
  });
});
