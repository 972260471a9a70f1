/** Seccomp profiles: generation from traces, the exceeds-default check, diff, atomic write. */
export { RUNTIME_BASELINE, runtimeBaseline, type BaselineEntry } from './baseline';
export { diffProfiles, type ProfileDiff } from './diff';
export { CROSS_ARCH_EQUIVALENTS, crossArchEquivalents } from './equivalents';
export { allowedNames, findExcess, type Excess, type ExcessContext } from './exceeds';
export {
  DEFAULT_ERRNO,
  ENOSYS,
  ENOSYS_PROBES,
  generateProfile,
  GENERATED_ARCH_MAP,
  type AllowReason,
  type GenerateInput,
  type GenerateResult,
  type GenerationReport,
} from './generate';
export { parseProfile, readProfile } from './parse';
export { capSet, goArch, ruleApplies, type CapSet, type RulePoint } from './rules';
export * from './schema';
export {
  archesOf,
  isKnownSyscall,
  SYSCALL_ARCHES,
  SYSCALL_TABLE_SOURCE,
  syscallName,
  syscallNames,
  syscallNumber,
  type SyscallArch,
} from './syscalls';
export { serializeProfile, writeProfileAtomic } from './write';
