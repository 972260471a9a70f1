import tables from './tables.json';

/**
 * Syscall name ↔ number tables for the architectures a generated profile names in its archMap.
 * Data: `tables.json`, written by `scripts/gen-syscall-tables.mjs` from libseccomp (the library the
 * engine resolves profile names with), so a name here is a name Docker understands on that arch.
 */
export const SYSCALL_ARCHES = ['x86_64', 'x86', 'x32', 'aarch64', 'arm'] as const;
export type SyscallArch = (typeof SYSCALL_ARCHES)[number];

/** Where the tables come from, for reports and docs. */
export const SYSCALL_TABLE_SOURCE: string = tables.source;

/** x32 syscall numbers carry this bit; strace may print them with or without it. */
export const X32_SYSCALL_BIT = 0x40000000;

interface ArchTable {
  seccompArch: string;
  byName: ReadonlyMap<string, number>;
  byNumber: ReadonlyMap<number, string>;
}

const archTables = new Map<SyscallArch, ArchTable>();
for (const arch of SYSCALL_ARCHES) {
  const raw = tables.arches[arch] as { seccompArch: string; syscalls: Record<string, number> };
  const byName = new Map(Object.entries(raw.syscalls));
  const byNumber = new Map<number, string>();
  for (const [name, nr] of byName) if (!byNumber.has(nr)) byNumber.set(nr, name);
  archTables.set(arch, { seccompArch: raw.seccompArch, byName, byNumber });
}

function table(arch: SyscallArch): ArchTable {
  const t = archTables.get(arch);
  if (!t) throw new RangeError(`no syscall table for ${String(arch)}`);
  return t;
}

export function isSyscallArch(value: string): value is SyscallArch {
  return (SYSCALL_ARCHES as readonly string[]).includes(value);
}

/** The number of `name` on `arch`, or undefined when the arch has no such syscall. */
export function syscallNumber(arch: SyscallArch, name: string): number | undefined {
  return table(arch).byName.get(name);
}

/** The name of syscall `nr` on `arch`; x32 numbers are accepted with or without the x32 bit. */
export function syscallName(arch: SyscallArch, nr: number): string | undefined {
  const t = table(arch);
  if (arch === 'x32' && nr < X32_SYSCALL_BIT) return t.byNumber.get(nr + X32_SYSCALL_BIT);
  return t.byNumber.get(nr);
}

/** Every syscall name of `arch`, sorted by number. */
export function syscallNames(arch: SyscallArch): string[] {
  return [...table(arch).byName.keys()];
}

/** The `SCMP_ARCH_*` constant of `arch`. */
export function seccompArchOf(arch: SyscallArch): string {
  return table(arch).seccompArch;
}

let allNames: ReadonlySet<string> | undefined;
/** True when `name` is a syscall on at least one of the tabled arches. */
export function isKnownSyscall(name: string): boolean {
  allNames ??= new Set(SYSCALL_ARCHES.flatMap((a) => syscallNames(a)));
  return allNames.has(name);
}

/** The arches on which `name` exists. */
export function archesOf(name: string): SyscallArch[] {
  return SYSCALL_ARCHES.filter((a) => table(a).byName.has(name));
}
