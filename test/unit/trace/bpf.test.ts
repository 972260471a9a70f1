import { describe, expect, it } from 'vitest';
import { BpfRecording, parseBpftraceMaps, recordingSummary, RUNTIME_COMM } from '../../../src/trace/bpf';

// What bpftrace prints when it exits (maps sorted by value), with the host's namespaces mixed in.
const OUTPUT = `Attaching 3 probes...
READY


@calls[4026531840, systemd-journal, 0, 0]: 12
@calls[4026532177, runc:[2:INIT], 257, 0]: 9
@calls[4026532177, sh, 59, 0]: 1
@calls[4026532177, a, b, c, 0, 0]: 2
@calls[4026532177, postgres, 45, 0]: 278262
@calls[4026532177, cat32, 3, 1]: 4
@calls[4026532177, postgres, 999, 0]: 1
@calls[4026532177, postgres, 0, 0]: 47518

@fails[4026532177, postgres, 435, -38]: 1
@fails[4026532177, runc:[2:INIT], 334, -1]: 1
@fails[4026531840, bash, 2, -1]: 3
@calls[garbled
`;

describe('bpf recorder output', () => {
  it('keeps the container’s mount namespace only, reads comms with commas, counts what it cannot read', () => {
    const r = parseBpftraceMaps(OUTPUT, 4026532177);
    expect(r.calls).toEqual([
      { mntns: 4026532177, comm: 'runc:[2:INIT]', nr: 257, count: 9, compat: false },
      { mntns: 4026532177, comm: 'sh', nr: 59, count: 1, compat: false },
      { mntns: 4026532177, comm: 'a, b, c', nr: 0, count: 2, compat: false },
      { mntns: 4026532177, comm: 'postgres', nr: 45, count: 278262, compat: false },
      { mntns: 4026532177, comm: 'cat32', nr: 3, count: 4, compat: true },
      { mntns: 4026532177, comm: 'postgres', nr: 999, count: 1, compat: false },
      { mntns: 4026532177, comm: 'postgres', nr: 0, count: 47518, compat: false },
    ]);
    expect(r.failures).toEqual([
      { mntns: 4026532177, comm: 'postgres', nr: 435, count: 1, errno: 'ENOSYS' },
      { mntns: 4026532177, comm: 'runc:[2:INIT]', nr: 334, count: 1, errno: 'EPERM' },
    ]);
    expect(r.unreadable).toBe(1);
  });

  it('becomes a trace summary: names per ABI, runc’s own processes left out, unknown numbers kept', () => {
    const { calls, failures } = parseBpftraceMaps(OUTPUT, 4026532177);
    const rec = BpfRecording.parse({ recorder: 'bpf', arch: 'x86_64', mntns: 4026532177, calls, failures });
    const s = recordingSummary(rec, 'recording.json');
    // x86_64: 45 recvfrom, 0 read, 59 execve; i386 (compat): 3 read
    expect(s.syscalls).toEqual({ recvfrom: 278262, read: 47518 + 2 + 4, execve: 1 });
    expect(s.executables).toEqual({
      postgres: { recvfrom: 278262, read: 47518 },
      sh: { execve: 1 },
      'a, b, c': { read: 2 },
      cat32: { read: 4 },
    });
    expect(s.personalities).toEqual(['x86', 'x86_64']);
    expect(s.unresolved).toEqual({ syscall_999: 1 });
    expect(s.failures).toEqual({ EPERM: {}, ENOSYS: { clone3: 1 } });
    expect(s.sources).toEqual(['recording.json']);
  });

  it('knows runc’s process names', () => {
    for (const c of ['runc:[0:PARENT]', 'runc:[1:CHILD]', 'runc:[2:INIT]'])
      expect(RUNTIME_COMM.test(c)).toBe(true);
    for (const c of ['runc', 'postgres', 'runc:[2:INIT]x']) expect(RUNTIME_COMM.test(c)).toBe(false);
  });

  it('refuses a recording of another shape', () => {
    expect(BpfRecording.safeParse({ recorder: 'strace' }).success).toBe(false);
    expect(
      BpfRecording.safeParse({ recorder: 'bpf', arch: 'mips', mntns: 1, calls: [], failures: [] }).success,
    ).toBe(false);
  });
});
