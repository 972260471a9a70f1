import * as fs from 'node:fs';
import { syscallName, type SyscallArch } from '../profile/syscalls';

/**
 * Seccomp audit records (`type=1326`) from the kernel log. A profile whose default action is
 * SCMP_ACT_LOG lets every call through and logs each one it does not list: that is how a replay
 * finds what the generated profile lacks without a tracer changing the timing (DESIGN §4).
 */
export interface SeccompAuditRecord {
  /** /dev/kmsg sequence number, when read from there */
  seq?: number;
  pid: number;
  comm: string;
  exe: string;
  /** AUDIT_ARCH_* value, e.g. c000003e for x86_64 */
  arch: string;
  syscall: number;
  /** the seccomp action: 0x7ffc0000 is SCMP_ACT_LOG */
  code: string;
}

export const SECCOMP_RET_LOG = '0x7ffc0000';

const AUDIT_ARCH: Record<string, SyscallArch> = {
  c000003e: 'x86_64',
  '40000003': 'x86',
  c00000b7: 'aarch64',
  '40000028': 'arm',
};

const FIELD = /(\w+)=("[^"]*"|\S+)/g;

/** Parses one kernel log line (dmesg or /dev/kmsg form); undefined for anything but a seccomp record. */
export function parseAuditLine(line: string): SeccompAuditRecord | undefined {
  if (!line.includes('type=1326')) return undefined;
  const fields: Record<string, string> = {};
  for (const m of line.matchAll(FIELD)) fields[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
  const pid = Number(fields.pid);
  const syscall = Number(fields.syscall);
  if (!Number.isInteger(pid) || !Number.isInteger(syscall) || !fields.arch || !fields.code) return undefined;
  const kmsgSeq = /^\d+,(\d+),/.exec(line)?.[1];
  return {
    ...(kmsgSeq ? { seq: Number(kmsgSeq) } : {}),
    pid,
    comm: fields.comm ?? '',
    exe: fields.exe ?? '',
    arch: fields.arch,
    syscall,
    code: fields.code,
  };
}

/** The syscall name of a record (x32 calls carry their bit in the number), or `syscall_<nr>`. */
export function recordSyscallName(r: SeccompAuditRecord): string {
  const base = AUDIT_ARCH[r.arch];
  if (!base) return `syscall_${r.syscall}`;
  const arch: SyscallArch = base === 'x86_64' && r.syscall >= 0x40000000 ? 'x32' : base;
  return syscallName(arch, r.syscall) ?? `syscall_${r.syscall}`;
}

/** Logged (not refused) calls, by name, with the programs that made them. */
export function loggedCalls(records: readonly SeccompAuditRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.code !== SECCOMP_RET_LOG) continue;
    const name = recordSyscallName(r);
    const who = out.get(name) ?? new Set<string>();
    who.add(r.exe || r.comm);
    out.set(name, who);
  }
  return out;
}

/**
 * Reads every record /dev/kmsg still holds (non-blocking, one record per read). Needs the engine's
 * kernel: a local engine, and root or kernel.dmesg_restrict=0. Throws when it cannot be read.
 */
export function readKernelLog(device = '/dev/kmsg'): string[] {
  const fd = fs.openSync(device, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(8192);
  const lines: string[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        // EPIPE: records were overwritten while we read; the next read resumes at the oldest.
        if (code === 'EPIPE') continue;
        throw e;
      }
      if (n === 0) break;
      lines.push(buf.toString('utf8', 0, n).trimEnd());
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

/** A cursor into the kernel log: records after it are new. */
export function kernelLogCursor(lines: readonly string[] = readKernelLog()): number {
  let max = -1;
  for (const l of lines) {
    const seq = Number(/^\d+,(\d+),/.exec(l)?.[1] ?? -1);
    if (seq > max) max = seq;
  }
  return max;
}

/** Seccomp records logged after `cursor`. */
export function auditRecordsSince(
  cursor: number,
  lines: readonly string[] = readKernelLog(),
): SeccompAuditRecord[] {
  return lines.flatMap((l) => {
    const r = parseAuditLine(l);
    return r && (r.seq ?? Infinity) > cursor ? [r] : [];
  });
}
