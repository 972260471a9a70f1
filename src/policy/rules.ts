import * as path from 'node:path';
import { normaliseCap } from './capabilities';
import type { Finding, RuleId, ServiceSecurity, Severity } from './model';

/**
 * The verify rules: ids (stable: JSON, SARIF and users' suppressions rely on them), severities,
 * descriptions, and the checks over one service's resolved security posture.
 */

export const SEVERITIES = ['error', 'warning', 'note'] as const;

export const RULE_IDS = [
  'seccomp-missing',
  'seccomp-unconfined',
  'seccomp-profile-missing',
  'seccomp-profile-invalid',
  'cap-drop-missing',
  'privileged',
  'cap-add-unjustified',
  'no-new-privileges-missing',
  'profile-exceeds-default',
  'exemption-without-reason',
  'justification-without-reason',
  'exemption-unknown-service',
  'service-exempt',
] as const;

export interface RuleInfo {
  severity: Severity;
  /** one line: what the rule wants */
  summary: string;
  /** why it matters and how to comply */
  help: string;
}

export const RULES: Readonly<Record<RuleId, RuleInfo>> = {
  'seccomp-missing': {
    severity: 'error',
    summary: 'Every service names a seccomp profile.',
    help: 'Without `security_opt: ["seccomp:PATH"]` the service runs under whatever profile the daemon defaults to. Trace the service and generate a tight profile (`docker coredata trace SERVICE`, then `docker coredata generate SERVICE`), and reference it from the compose file.',
  },
  'seccomp-unconfined': {
    severity: 'error',
    summary: 'No service runs with seccomp disabled.',
    help: '`seccomp:unconfined` lets the service make every system call the kernel offers. Replace it with a generated profile; exempt the service in `x-core-data.exempt` with a reason if it truly cannot be confined.',
  },
  'seccomp-profile-missing': {
    severity: 'error',
    summary: 'The seccomp profile a service names exists.',
    help: 'Compose reads the profile relative to the project directory and refuses to start the service when the file is missing. Generate it (`docker coredata generate SERVICE`) or fix the path (or the CORE_DATA_SECCOMP_<SERVICE> override).',
  },
  'seccomp-profile-invalid': {
    severity: 'error',
    summary: 'The seccomp profile a service names is a valid Docker seccomp profile.',
    help: 'The engine rejects unknown actions, operators and architectures, `architectures` together with `archMap`, and rules with both `name` and `names` or no names, at container start. Fix the listed problems or regenerate the profile.',
  },
  'cap-drop-missing': {
    severity: 'error',
    summary: 'Every service drops all capabilities (`cap_drop: [ALL]`).',
    help: 'Docker grants 14 capabilities by default. Drop them all with `cap_drop: [ALL]` and add back only what the service needs with `cap_add`, each justified in `x-core-data.cap_add_justifications`.',
  },
  privileged: {
    severity: 'error',
    summary: 'No service runs privileged.',
    help: '`privileged: true` grants every capability and every device and disables the seccomp filter. Remove it; add the single capabilities the service needs instead.',
  },
  'cap-add-unjustified': {
    severity: 'error',
    summary: 'Every added capability is justified.',
    help: 'Give each `cap_add` entry a reason in the compose file: `x-core-data: {cap_add_justifications: {SERVICE: {CAP: "why"}}}`.',
  },
  'no-new-privileges-missing': {
    severity: 'warning',
    summary: 'Every service sets `no-new-privileges:true`.',
    help: 'Without it, setuid binaries can gain privileges, and runc installs the seccomp filter before its own setup calls (capset, setgroups, setuid…), so the profile must allow those too. Add `no-new-privileges:true` to `security_opt`.',
  },
  'profile-exceeds-default': {
    severity: 'warning',
    summary: "A service's profile allows nothing Docker's default profile would refuse.",
    help: "A profile that allows a system call Docker's default refuses (for the same capabilities and architecture), or drops the default's argument and capability conditions, is looser than running with no profile at all. Regenerate it, which keeps the default's conditions.",
  },
  'exemption-without-reason': {
    severity: 'error',
    summary: 'Every exemption in `x-core-data.exempt` gives a reason.',
    help: 'Write why the service cannot comply: `x-core-data: {exempt: {SERVICE: "reason"}}`. An exemption without a reason is ignored and the service is checked.',
  },
  'justification-without-reason': {
    severity: 'error',
    summary: 'Every capability justification gives a reason.',
    help: 'Write why the service needs the capability: `x-core-data: {cap_add_justifications: {SERVICE: {CAP: "reason"}}}`.',
  },
  'exemption-unknown-service': {
    severity: 'warning',
    summary: '`x-core-data` names only services of the project.',
    help: 'An exemption or justification for a service the project does not define has no effect; it is usually a typo of the service name.',
  },
  'service-exempt': {
    severity: 'note',
    summary: 'The service is exempt from the policy.',
    help: 'Listed in `x-core-data.exempt` with a reason; its findings are reported as suppressed.',
  },
};

export type RuleHit = Omit<Finding, 'severity'>;

export function finding(hit: RuleHit): Finding {
  return { ...hit, severity: RULES[hit.rule].severity };
}

/** What the service checks see: the resolved posture, its justifications and the excess over the default. */
export interface ServiceFacts {
  security: ServiceSecurity;
  projectDir: string;
  /** CAP_* → reason (null/empty: named without a reason) from `x-core-data.cap_add_justifications` */
  justifications: ReadonlyMap<string, string | null>;
  /** what the profile allows beyond Docker's default (findExcess); empty unless the profile is present */
  excess: ReadonlyArray<{ syscall: string; reason: string }>;
}

type ServiceCheck = (f: ServiceFacts) => RuleHit[];

const MAX_LISTED = 8;

function listed(items: readonly string[], separator = ', '): string {
  const shown = items.slice(0, MAX_LISTED).join(separator);
  return items.length > MAX_LISTED ? `${shown} (+${items.length - MAX_LISTED} more)` : shown;
}

function origin(s: ServiceSecurity): string {
  return s.source === 'env' ? `from ${s.envVar}` : 'from the compose file';
}

function shownPath(f: ServiceFacts): string {
  const p = f.security.profilePath ?? '';
  const rel = path.relative(f.projectDir, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

const seccompChecks: ServiceCheck = (f) => {
  const s = f.security;
  const service = s.service;
  switch (s.state) {
    case 'none':
      return [
        {
          service,
          rule: 'seccomp-missing',
          message: 'no seccomp profile: security_opt has no seccomp:PATH entry',
        },
      ];
    case 'unconfined':
      return [
        { service, rule: 'seccomp-unconfined', message: `seccomp is disabled (${s.spec}, ${origin(s)})` },
      ];
    case 'missing':
      return [
        {
          service,
          rule: 'seccomp-profile-missing',
          message: `seccomp profile ${shownPath(f)} does not exist (${origin(s)})`,
        },
      ];
    case 'invalid':
      return [
        {
          service,
          rule: 'seccomp-profile-invalid',
          message: `seccomp profile ${s.profilePath ? shownPath(f) : `"${s.spec}"`} is invalid: ${listed(s.problems, '; ')}`,
        },
      ];
    case 'present':
      if (f.excess.length === 0) return [];
      return [
        {
          service,
          rule: 'profile-exceeds-default',
          message: `seccomp profile ${shownPath(f)} allows ${f.excess.length} system call${f.excess.length === 1 ? '' : 's'} Docker's default refuses: ${listed(f.excess.map((e) => `${e.syscall} (${e.reason})`))}`,
        },
      ];
  }
};

const capDropCheck: ServiceCheck = ({ security: s }) =>
  s.capDrop.some((c) => c.trim().toUpperCase() === 'ALL')
    ? []
    : [
        {
          service: s.service,
          rule: 'cap-drop-missing',
          message:
            s.capDrop.length === 0
              ? 'cap_drop is empty: the service keeps Docker\'s default capabilities; set cap_drop: ["ALL"]'
              : `cap_drop lists ${s.capDrop.join(', ')} but not ALL`,
        },
      ];

const privilegedCheck: ServiceCheck = ({ security: s }) =>
  s.privileged
    ? [
        {
          service: s.service,
          rule: 'privileged',
          message: 'privileged: true grants every capability and device and disables seccomp',
        },
      ]
    : [];

const capAddCheck: ServiceCheck = ({ security: s, justifications }) =>
  s.capAdd.flatMap((cap): RuleHit[] => {
    const key = normaliseCap(cap);
    if (!justifications.has(key)) {
      return [
        {
          service: s.service,
          rule: 'cap-add-unjustified',
          message: `cap_add ${cap} has no justification in x-core-data.cap_add_justifications.${s.service}`,
        },
      ];
    }
    const reason = justifications.get(key);
    if (reason === null || reason === undefined || reason.trim() === '') {
      return [
        {
          service: s.service,
          rule: 'justification-without-reason',
          message: `the justification of cap_add ${cap} in x-core-data.cap_add_justifications.${s.service} gives no reason`,
        },
      ];
    }
    return [];
  });

const nnpCheck: ServiceCheck = ({ security: s }) =>
  s.noNewPrivileges
    ? []
    : [
        {
          service: s.service,
          rule: 'no-new-privileges-missing',
          message: 'security_opt lacks no-new-privileges:true',
        },
      ];

/** The checks, in the order their findings are listed. */
export const SERVICE_CHECKS: readonly ServiceCheck[] = [
  seccompChecks,
  privilegedCheck,
  capDropCheck,
  capAddCheck,
  nnpCheck,
];

export function checkService(facts: ServiceFacts): Finding[] {
  return SERVICE_CHECKS.flatMap((check) => check(facts)).map(finding);
}
