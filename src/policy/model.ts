import { z } from 'zod';
import { RULE_IDS, SEVERITIES } from './rules';

/**
 * What `status` and `verify` produce. These schemas are the `--json` contracts (DESIGN §3): the
 * commands print exactly these values, parsed through them first.
 */

export const SeccompSource = z.enum(['env', 'compose', 'none']);
export type SeccompSource = z.infer<typeof SeccompSource>;

export const SeccompState = z.enum(['present', 'missing', 'invalid', 'unconfined', 'none']);
export type SeccompState = z.infer<typeof SeccompState>;

export const AllowedSyscalls = z
  .object({
    count: z.number().int().nonnegative(),
    /**
     * `allow-rules`: distinct names in SCMP_ACT_ALLOW rules (defaultAction denies);
     * `default-allow`: defaultAction allows, so every known name no rule denies outright.
     */
    basis: z.enum(['allow-rules', 'default-allow']),
  })
  .strict();
export type AllowedSyscalls = z.infer<typeof AllowedSyscalls>;

/** One service's seccomp and capability posture, as `status` reports it. */
export const ServiceSecurity = z
  .object({
    service: z.string(),
    /** compose `profiles:` of the service (status and verify cover every service regardless) */
    profiles: z.array(z.string()),
    source: SeccompSource,
    /** the variable that would override compose: CORE_DATA_SECCOMP_<SERVICE> */
    envVar: z.string(),
    /** the option as written (`seccomp:…`/`seccomp=…`), null when none */
    spec: z.string().nullable(),
    /** absolute profile path, null for `unconfined` and `none` */
    profilePath: z.string().nullable(),
    state: SeccompState,
    /** why the profile is missing or invalid, one line each */
    problems: z.array(z.string()),
    allowedSyscalls: AllowedSyscalls.nullable(),
    noNewPrivileges: z.boolean(),
    privileged: z.boolean(),
    capDrop: z.array(z.string()),
    capAdd: z.array(z.string()),
    /** CAP_* names the container runs with (Docker's default set, drop, add, ALL, privileged) */
    effectiveCaps: z.array(z.string()),
  })
  .strict();
export type ServiceSecurity = z.infer<typeof ServiceSecurity>;

export const StatusReport = z
  .object({
    project: z.string(),
    services: z.array(ServiceSecurity),
  })
  .strict();
export type StatusReport = z.infer<typeof StatusReport>;

export const RuleId = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleId>;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const Finding = z
  .object({
    service: z.string(),
    rule: RuleId,
    severity: Severity,
    message: z.string(),
  })
  .strict();
export type Finding = z.infer<typeof Finding>;

export const ServiceReport = ServiceSecurity.extend({
  /** where the service is defined; SARIF results point here */
  location: z.object({ file: z.string(), line: z.number().int().positive().optional() }).strict(),
  /** the reason given in `x-core-data.exempt`, null when the service is checked */
  exempt: z.string().nullable(),
  /** findings an exemption suppressed (not counted in `ok`) */
  suppressed: z.array(Finding),
}).strict();
export type ServiceReport = z.infer<typeof ServiceReport>;

/** `verify --json`: exactly `{ok, findings, services}`. */
export const VerifyReport = z
  .object({
    ok: z.boolean(),
    findings: z.array(Finding),
    services: z.array(ServiceReport),
  })
  .strict();
export type VerifyReport = z.infer<typeof VerifyReport>;
