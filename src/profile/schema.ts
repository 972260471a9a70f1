import { z } from 'zod';

/**
 * Docker's seccomp profile format (moby/profiles `seccomp/default.json`, as the engine parses it).
 * The engine rejects unknown actions, operators and architectures at container start, so we do too;
 * it ignores unknown syscall names, so those are accepted here (callers may warn).
 */

export const SeccompAction = z.enum([
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
]);
export type SeccompAction = z.infer<typeof SeccompAction>;

export const SeccompOperator = z.enum([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);
export type SeccompOperator = z.infer<typeof SeccompOperator>;

export const SeccompArch = z.enum([
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
]);
export type SeccompArch = z.infer<typeof SeccompArch>;

/** Kernel arch names as `includes.arches` writes them (Go's runtime.GOARCH plus a few). */
export const FilterArch = z.string().min(1);

export const SeccompArg = z.object({
  index: z.number().int().min(0).max(5),
  value: z.number().int().nonnegative(),
  valueTwo: z.number().int().nonnegative().default(0),
  op: SeccompOperator,
});
export type SeccompArg = z.infer<typeof SeccompArg>;

export const SeccompFilter = z
  .object({
    caps: z.array(z.string()).optional(),
    arches: z.array(FilterArch).optional(),
    minKernel: z
      .string()
      .regex(/^\d+\.\d+(\.\d+)?$/, 'minKernel must look like 5.8')
      .optional(),
  })
  .strict();
export type SeccompFilter = z.infer<typeof SeccompFilter>;

export const SeccompSyscall = z
  .object({
    name: z.string().min(1).optional(),
    names: z.array(z.string().min(1, 'empty syscall name')).optional(),
    action: SeccompAction,
    errnoRet: z.number().int().nonnegative().optional(),
    args: z.array(SeccompArg).nullable().optional(),
    comment: z.string().optional(),
    includes: SeccompFilter.optional(),
    excludes: SeccompFilter.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.name !== undefined && s.names !== undefined && s.names.length > 0) {
      ctx.addIssue({ code: 'custom', message: 'use either "name" or "names", not both' });
    }
    if (s.name === undefined && (s.names === undefined || s.names.length === 0)) {
      ctx.addIssue({ code: 'custom', message: 'a syscall rule needs "names" (non-empty) or "name"' });
    }
  });
export type SeccompSyscall = z.infer<typeof SeccompSyscall>;

export const SeccompArchMap = z
  .object({
    architecture: SeccompArch,
    subArchitectures: z.array(SeccompArch).nullable().default([]),
  })
  .strict();

export const SeccompProfile = z
  .object({
    defaultAction: SeccompAction,
    defaultErrnoRet: z.number().int().nonnegative().optional(),
    architectures: z.array(SeccompArch).optional(),
    archMap: z.array(SeccompArchMap).nullable().optional(),
    listenerPath: z.string().optional(),
    listenerMetadata: z.string().optional(),
    flags: z.array(z.string()).optional(),
    syscalls: z.array(SeccompSyscall).nullable().default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.architectures && p.architectures.length > 0 && p.archMap && p.archMap.length > 0) {
      ctx.addIssue({ code: 'custom', message: 'use either "architectures" or "archMap", not both' });
    }
  });
export type SeccompProfile = z.infer<typeof SeccompProfile>;

/** One line per problem, with the JSON path: `syscalls[3].action: Invalid enum value …`. */
export function describeProfileIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const p = i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    return `${p ? p.replace(/^\./, '') + ': ' : ''}${i.message}`;
  });
}
