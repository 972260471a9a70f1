import { describe, expect, it } from 'vitest';
import {
  auditRecordsSince,
  kernelLogCursor,
  loggedCalls,
  parseAuditLine,
  recordSyscallName,
} from '../../../src/harden/audit';

// Real lines, as this machine's kernel wrote them for a busybox container under a LOG-default profile.
const DMESG =
  '[  864.623858] audit: type=1326 audit(1796398907.977:544886): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=13784 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=273 compat=0 ip=0x46110d code=0x7ffc0000';
const KMSG =
  '5,548601,2436300000,-;audit: type=1326 audit(1796400000.1:9): auid=4294967295 uid=999 gid=999 ses=4294967295 pid=200 comm="psql" exe="/usr/lib/postgresql/15/bin/psql" sig=0 arch=c000003e syscall=217 compat=0 ip=0x7f code=0x7ffc0000';

describe('seccomp audit records', () => {
  it('parses the dmesg form', () => {
    expect(parseAuditLine(DMESG)).toEqual({
      pid: 13784,
      comm: 'sh',
      exe: '/bin/busybox',
      arch: 'c000003e',
      syscall: 273,
      code: '0x7ffc0000',
    });
  });
  it('parses the /dev/kmsg form with its sequence number', () => {
    expect(parseAuditLine(KMSG)).toMatchObject({
      seq: 548601,
      pid: 200,
      exe: '/usr/lib/postgresql/15/bin/psql',
    });
  });
  it('ignores other kernel lines and truncated records', () => {
    expect(parseAuditLine('6,1,2,-;br-1: port 1(veth) entered disabled state')).toBeUndefined();
    expect(parseAuditLine('audit: type=1326 pid=1 comm="x"')).toBeUndefined();
  });
  it('names syscalls by the record’s architecture', () => {
    expect(recordSyscallName(parseAuditLine(DMESG)!)).toBe('set_robust_list');
    expect(recordSyscallName({ pid: 1, comm: '', exe: '', arch: 'c00000b7', syscall: 56, code: '' })).toBe(
      'openat',
    );
    expect(recordSyscallName({ pid: 1, comm: '', exe: '', arch: 'ffff', syscall: 5, code: '' })).toBe(
      'syscall_5',
    );
  });
  it('collects logged calls with the programs that made them, ignoring other actions', () => {
    const errno = KMSG.replace('code=0x7ffc0000', 'code=0x50001');
    const calls = loggedCalls([parseAuditLine(DMESG)!, parseAuditLine(KMSG)!, parseAuditLine(errno)!]);
    expect([...calls.keys()].sort()).toEqual(['getdents64', 'set_robust_list']);
    expect([...calls.get('getdents64')!]).toEqual(['/usr/lib/postgresql/15/bin/psql']);
  });
  it('keeps only records after the cursor', () => {
    const older = KMSG.replace('5,548601,', '5,548590,');
    const lines = [older, '6,548595,1,-;something else', KMSG];
    expect(kernelLogCursor([older, '6,548595,1,-;x'])).toBe(548595);
    expect(auditRecordsSince(548595, lines).map((r) => r.seq)).toEqual([548601]);
  });
});
