#!/usr/bin/env node
// Regenerates src/profile/syscalls/tables.json: syscall name ↔ number for the architectures a
// generated profile's archMap names (x86_64 + x86 + x32, aarch64 + arm).
//
// Source: libseccomp's own tables, asked through `scmp_sys_resolver` from Debian's `seccomp`
// package (apt-get install -y seccomp). libseccomp is what the engine (runc) resolves profile
// names with, so these are exactly the names Docker understands. Where the host has kernel UAPI
// headers (linux-libc-dev), the x86 family is cross-checked against asm/unistd_{64,32,x32}.h and
// differences are printed (not fatal: libseccomp may lag or lead the headers by a release).
// Only the script needs the tool; the JSON it writes is committed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src/profile/syscalls/tables.json');

const X32_SYSCALL_BIT = 0x40000000;
const ARM_PRIVATE_BASE = 0x0f0000;
// Numbers scanned per arch: the highest syscall today is < 470; leave headroom.
const MAX_NR = 1024;

/** `scmp_sys_resolver -a ARCH N` for many numbers in one shell, one name per line. */
function resolveNumbers(arch, numbers) {
  const script = 'for n in "$@"; do scmp_sys_resolver -a "$0" "$n"; done';
  const text = execFileSync('sh', ['-c', script, arch, ...numbers.map(String)], { encoding: 'utf8' });
  const names = text.split('\n').slice(0, numbers.length);
  const table = {};
  numbers.forEach((nr, i) => {
    const name = names[i]?.trim();
    if (name && name !== 'UNKNOWN' && !/^-?\d+$/.test(name)) table[name] ??= nr;
  });
  return table;
}

const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);

const arches = {
  x86_64: { seccompArch: 'SCMP_ARCH_X86_64', numbers: range(0, MAX_NR) },
  x86: { seccompArch: 'SCMP_ARCH_X86', numbers: range(0, MAX_NR) },
  // x32 numbers carry the x32 bit (as the kernel and libseccomp see them).
  x32: { seccompArch: 'SCMP_ARCH_X32', numbers: range(X32_SYSCALL_BIT, MAX_NR) },
  aarch64: { seccompArch: 'SCMP_ARCH_AARCH64', numbers: range(0, MAX_NR) },
  // arm has ARM-private calls (breakpoint, cacheflush, set_tls, …) at 0x0f0001….
  arm: { seccompArch: 'SCMP_ARCH_ARM', numbers: [...range(0, MAX_NR), ...range(ARM_PRIVATE_BASE, 16)] },
};

function headerTable(file, bias = 0) {
  if (!existsSync(file)) return undefined;
  const table = {};
  for (const m of readFileSync(file, 'utf8').matchAll(
    /^#define __NR_(\w+)\s+(?:\(__X32_SYSCALL_BIT \+ )?(\d+)\)?/gm,
  )) {
    table[m[1]] = Number(m[2]) + bias;
  }
  return table;
}
const headers = {
  x86_64: headerTable('/usr/include/x86_64-linux-gnu/asm/unistd_64.h'),
  x86: headerTable('/usr/include/x86_64-linux-gnu/asm/unistd_32.h'),
  x32: headerTable('/usr/include/x86_64-linux-gnu/asm/unistd_x32.h', X32_SYSCALL_BIT),
};

const version = execFileSync('sh', ['-c', "dpkg-query -W -f='${Version}' libseccomp2 2>/dev/null || true"], {
  encoding: 'utf8',
}).trim();

const result = {
  source: `libseccomp ${version || '(unknown version)'} via scmp_sys_resolver (Debian package seccomp); regenerate with scripts/gen-syscall-tables.mjs`,
  arches: {},
};
for (const [arch, { seccompArch, numbers }] of Object.entries(arches)) {
  const table = resolveNumbers(arch, numbers);
  const sorted = Object.fromEntries(
    Object.entries(table).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])),
  );
  result.arches[arch] = { seccompArch, syscalls: sorted };
  const h = headers[arch];
  if (h) {
    for (const [name, nr] of Object.entries(h)) {
      if (table[name] === undefined) console.error(`${arch}: header has ${name}=${nr}, libseccomp does not`);
      else if (table[name] !== nr) console.error(`${arch}: ${name} header ${nr} libseccomp ${table[name]}`);
    }
  }
  console.error(`${arch}: ${Object.keys(table).length} syscalls`);
}
writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
console.error(`wrote ${out}`);
