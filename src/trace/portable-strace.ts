import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ArchiveEntry } from '../docker/archive';
import { UsageError } from '../errors';
import { CORE_DIR } from './layout';

const execFileP = promisify(execFile);

/**
 * A portable strace: the host's strace, the shared objects `ldd` lists and the ELF loader, copied
 * under /opt/core_data and started through the loader, so it runs in any image of the same
 * architecture, with or without a libc.
 */
export interface PortableStrace {
  /** the strace binary on the host */
  hostPath: string;
  /** `amd64`, `arm64`… (Docker's names), from the binary's ELF header */
  arch: string;
  version: string;
  /** files for the archive, relative to /opt/core_data */
  entries: ArchiveEntry[];
  /** argv prefix that starts strace inside the container */
  launcher: string[];
}

export interface LddResult {
  libraries: string[];
  /** absent for a static binary */
  loader?: string;
  missing: string[];
}

/** Parses `ldd` output (glibc and musl forms). */
export function parseLdd(output: string): LddResult {
  const res: LddResult = { libraries: [], missing: [] };
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line || /not a dynamic executable|statically linked/.test(line)) continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const [, soname, rest] = arrow as unknown as [string, string, string];
      if (/^not found/.test(rest)) {
        res.missing.push(soname);
        continue;
      }
      const target = /^(\/\S+)/.exec(rest)?.[1];
      if (!target) continue; // linux-vdso.so.1 => (0x…) on old glibc
      // musl lists its libc as the loader itself: keep one copy, as the loader.
      if (/\/ld-[^/]*\.so/.test(target) && path.basename(target).startsWith('ld-')) res.loader ??= target;
      else res.libraries.push(target);
      continue;
    }
    const bare = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (bare) res.loader = bare[1];
  }
  res.libraries = [...new Set(res.libraries)].filter((l) => l !== res.loader);
  return res;
}

const ELF_MACHINES: Record<number, string> = {
  3: '386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'amd64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

/** Docker's architecture name for an ELF header, or undefined when it is not ELF. */
export function elfArchitecture(header: Buffer): string | undefined {
  if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const little = header[5] === 1;
  const machine = little ? header.readUInt16LE(18) : header.readUInt16BE(18);
  const name = ELF_MACHINES[machine];
  if (name === 'ppc64' && little) return 'ppc64le';
  return name ?? `elf-machine-${machine}`;
}

/** Normalises an image's `Architecture` (`x86_64` → `amd64`, `aarch64` → `arm64`). */
export function dockerArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64' || a === 'x64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  if (a === 'i386' || a === 'i686' || a === 'ia32') return '386';
  return a;
}

/** `strace -- version 6.1` → `6.1` */
export function parseStraceVersion(output: string): string | undefined {
  return /strace\b.*?version\s+(\S+)/i.exec(output)?.[1];
}

/** The host's strace: $CORE_DATA_STRACE, else the first `strace` on PATH. */
export function findHostStrace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CORE_DATA_STRACE) return env.CORE_DATA_STRACE;
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'strace');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  for (const candidate of ['/usr/bin/strace', '/usr/local/bin/strace', '/bin/strace']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const NO_STRACE_HINT =
  'install strace on this machine (e.g. `apt-get install strace`) or in the image, or point CORE_DATA_STRACE at a strace binary';

/** Collects the host strace with its libraries and loader, checked against the image's architecture. */
export async function portableStrace(
  imageArch: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PortableStrace> {
  const hostPath = findHostStrace(env);
  if (!hostPath)
    throw new UsageError('the image has no strace and none was found on this machine', {
      hint: NO_STRACE_HINT,
    });
  const binary = await fs.promises.readFile(hostPath);
  const arch = elfArchitecture(binary);
  if (!arch) throw new UsageError(`${hostPath} is not an ELF executable`, { hint: NO_STRACE_HINT });
  if (arch !== dockerArch(imageArch)) {
    throw new UsageError(
      `the image is linux/${dockerArch(imageArch)} but this machine's strace (${hostPath}) is ${arch}: it cannot run in the container`,
      { hint: `install strace in the image, or trace on a ${dockerArch(imageArch)} machine` },
    );
  }
  const [ldd, versionOut] = await Promise.all([
    execFileP('ldd', [hostPath]).then(
      (r) => r.stdout,
      (e: NodeJS.ErrnoException & { stdout?: string }) => {
        // ldd exits 1 for a static binary and prints "not a dynamic executable"
        if (typeof e.stdout === 'string' && e.code !== 'ENOENT') return e.stdout;
        throw new UsageError(`cannot list the libraries of ${hostPath} with ldd: ${e.message}`, {
          hint: NO_STRACE_HINT,
        });
      },
    ),
    execFileP(hostPath, ['-V']).then((r) => r.stdout),
  ]);
  const libs = parseLdd(ldd);
  if (libs.missing.length) {
    throw new UsageError(`${hostPath} needs libraries that are missing: ${libs.missing.join(', ')}`, {
      hint: NO_STRACE_HINT,
    });
  }
  const entries: ArchiveEntry[] = [
    { name: 'bin', type: 'directory', mode: 0o755 },
    { name: 'bin/strace', type: 'file', mode: 0o755, content: binary },
    { name: 'lib', type: 'directory', mode: 0o755 },
  ];
  for (const lib of [...libs.libraries, ...(libs.loader ? [libs.loader] : [])]) {
    entries.push({
      name: `lib/${path.basename(lib)}`,
      type: 'file',
      mode: 0o755,
      content: await fs.promises.readFile(lib),
    });
  }
  const strace = `${CORE_DIR}/bin/strace`;
  const launcher = libs.loader
    ? [`${CORE_DIR}/lib/${path.basename(libs.loader)}`, '--library-path', `${CORE_DIR}/lib`, strace]
    : [strace];
  return { hostPath, arch, version: parseStraceVersion(versionOut) ?? 'unknown', entries, launcher };
}
