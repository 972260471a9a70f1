import type Dockerode from 'dockerode';
import { PassThrough, type Readable, type Writable } from 'node:stream';

/**
 * Container lifecycle on a dockerode client: small helpers with the engine's quirks handled once
 * (304 on stop, 404 on remove, stat headers, multiplexed exec output).
 */

export function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;

/** The engine's stat of a path in a container (HEAD /archive), or undefined when it does not exist. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export async function statPath(container: Dockerode.Container, path: string): Promise<PathStat | undefined> {
  try {
    const res = (await container.infoArchive({ path })) as {
      headers?: Record<string, string>;
      resume?: () => void;
    };
    res.resume?.();
    const header = res.headers?.['x-docker-container-path-stat'];
    return header ? (JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat) : undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Whether `path` exists as something executable-looking: follows one level of symlink. */
export async function pathExists(container: Dockerode.Container, path: string): Promise<boolean> {
  const st = await statPath(container, path);
  if (!st) return false;
  if (st.linkTarget && st.linkTarget !== path)
    return (await statPath(container, st.linkTarget)) !== undefined;
  return true;
}

export async function putArchive(container: Dockerode.Container, path: string, tar: Buffer): Promise<void> {
  await container.putArchive(tar, { path });
}

export async function getArchive(container: Dockerode.Container, path: string): Promise<Readable> {
  return (await container.getArchive({ path })) as unknown as Readable;
}

/** Stops with the configured stop signal, then SIGKILL after `graceSeconds`; already stopped is fine. */
export async function stopContainer(container: Dockerode.Container, graceSeconds?: number): Promise<void> {
  try {
    await container.stop(graceSeconds === undefined ? {} : { t: graceSeconds });
  } catch (e) {
    if (statusCode(e) !== 304 && !isNotFound(e)) throw e;
  }
}

/** Removes a container (and its anonymous volumes); gone already is fine. */
export async function removeContainer(container: Dockerode.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (e) {
    if (!isNotFound(e) && statusCode(e) !== 409) throw e;
  }
}

export async function removeVolume(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove({ force: true });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export async function removeNetwork(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getNetwork(name).remove();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Whether the object `inspect` asks about exists (a 404 is no; any other error is thrown). */
export async function exists(inspect: () => Promise<unknown>): Promise<boolean> {
  try {
    await inspect();
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Creates a named volume when missing; true when this call created it. */
export async function ensureVolume(
  docker: Dockerode,
  name: string,
  labels: Record<string, string>,
): Promise<boolean> {
  if (await exists(() => docker.getVolume(name).inspect())) return false;
  await docker.createVolume({ Name: name, Labels: labels });
  return true;
}

/** Creates a bridge network when missing; true when this call created it. */
export async function ensureNetwork(
  docker: Dockerode,
  name: string,
  labels: Record<string, string>,
): Promise<boolean> {
  if (await exists(() => docker.getNetwork(name).inspect())) return false;
  await docker.createNetwork({ Name: name, Labels: labels, CheckDuplicate: true });
  return true;
}

export interface ExecOutcome {
  exitCode: number | null;
  output: string;
}

/**
 * Runs argv in a running container (as the container's user unless `user` is given), streaming
 * stdout and stderr to `out`; resolves with the exit code once the process ends.
 */
export async function execIn(
  container: Dockerode.Container,
  argv: string[],
  options: { out?: Writable; user?: string; env?: string[]; keepOutput?: number } = {},
): Promise<ExecOutcome> {
  const exec = await container.exec({
    Cmd: argv,
    AttachStdout: true,
    AttachStderr: true,
    ...(options.user ? { User: options.user } : {}),
    ...(options.env ? { Env: options.env } : {}),
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream & Readable;
  const keep = options.keepOutput ?? 16_384;
  let output = '';
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => {
    options.out?.write(c);
    output = (output + c.toString('utf8')).slice(-keep);
  });
  container.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? null, output };
}

/** The last `lines` lines of a container's log (stdout and stderr). */
export async function logTail(container: Dockerode.Container, lines = 20): Promise<string[]> {
  const buf = (await container.logs({
    stdout: true,
    stderr: true,
    tail: lines,
    follow: false,
  })) as unknown as Buffer;
  return demuxBuffer(buf)
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Decodes the engine's multiplexed log format (8-byte frame headers) when present. */
export function demuxBuffer(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(out).toString('utf8');
}

/** Containers carrying a label (any value when `value` is omitted). */
export async function listLabelled(
  docker: Dockerode,
  labels: string[],
  all = true,
): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all, filters: JSON.stringify({ label: labels }) });
}

/** Resolves when the container next exits (call before start), with its status code. */
export async function waitForExit(container: Dockerode.Container): Promise<{ StatusCode?: number }> {
  return (await container.wait({ condition: 'next-exit' })) as { StatusCode?: number };
}

/** Runs a short-lived container to completion and returns its exit code and output. */
export async function runToCompletion(
  docker: Dockerode,
  options: Dockerode.ContainerCreateOptions,
  timeoutMs = 30_000,
): Promise<ExecOutcome> {
  const container = await docker.createContainer(options);
  try {
    const waited = waitForExit(container);
    waited.catch(() => undefined);
    await container.start();
    const timer = new Promise<never>((_, reject) => {
      const t = setTimeout(
        () => reject(new Error(`container did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      t.unref();
    });
    const res = await Promise.race([waited, timer]);
    const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: res.StatusCode ?? null, output: demuxBuffer(buf) };
  } finally {
    await removeContainer(container);
  }
}
