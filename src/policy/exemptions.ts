import { z } from 'zod';
import type { ComposeProject } from '../compose/model';
import { UsageError } from '../errors';
import { normaliseCap } from './capabilities';
import type { Finding } from './model';
import { finding } from './rules';

/**
 * The top-level `x-core-data` extension (DESIGN §3): exemptions and capability justifications,
 * each with a required reason. A missing reason is a finding, not a schema error, so the user
 * sees it next to everything else; a wrong shape is bad input.
 */

const Reason = z.string().nullable();

export const XCoreData = z.looseObject({
  /** service → reason; a bare list of names is accepted and reported as reasons missing */
  exempt: z
    .union([z.record(z.string(), Reason), z.array(z.string())])
    .nullable()
    .optional(),
  /** service → CAP → reason */
  cap_add_justifications: z.record(z.string(), z.record(z.string(), Reason).nullable()).nullable().optional(),
});
export type XCoreData = z.infer<typeof XCoreData>;

export const EXTENSION_KEY = 'x-core-data';

export interface Exemptions {
  /** service → reason, only exemptions that give one */
  exempt: ReadonlyMap<string, string>;
  /** service → CAP_* → reason as written (null/empty: no reason) */
  justifications: ReadonlyMap<string, ReadonlyMap<string, string | null>>;
  /** problems of the extension itself (reasons missing, unknown services) */
  findings: Finding[];
}

export function readExemptions(project: Pick<ComposeProject, 'extensions' | 'services'>): Exemptions {
  const raw = project.extensions[EXTENSION_KEY];
  const parsed = XCoreData.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${[EXTENSION_KEY, ...i.path.map(String)].join('.')}: ${i.message}`,
    );
    throw new UsageError(`the ${EXTENSION_KEY} extension is malformed: ${issues.join('; ')}`, {
      hint: `write ${EXTENSION_KEY}: {exempt: {SERVICE: "reason"}, cap_add_justifications: {SERVICE: {CAP: "reason"}}}`,
    });
  }
  const findings: Finding[] = [];
  const known = (service: string, where: string) => {
    if (Object.hasOwn(project.services, service)) return;
    findings.push(
      finding({
        service,
        rule: 'exemption-unknown-service',
        message: `${EXTENSION_KEY}.${where} names "${service}", which the project does not define`,
      }),
    );
  };

  const exempt = new Map<string, string>();
  const exemptEntries: Array<[string, string | null]> = Array.isArray(parsed.data.exempt)
    ? parsed.data.exempt.map((s) => [s, null])
    : Object.entries(parsed.data.exempt ?? {});
  for (const [service, reason] of exemptEntries) {
    known(service, 'exempt');
    if (reason === null || reason.trim() === '') {
      findings.push(
        finding({
          service,
          rule: 'exemption-without-reason',
          message: `the exemption of ${service} in ${EXTENSION_KEY}.exempt gives no reason, so it is ignored`,
        }),
      );
    } else {
      exempt.set(service, reason.trim());
    }
  }

  const justifications = new Map<string, Map<string, string | null>>();
  for (const [service, caps] of Object.entries(parsed.data.cap_add_justifications ?? {})) {
    known(service, 'cap_add_justifications');
    justifications.set(
      service,
      new Map(Object.entries(caps ?? {}).map(([cap, reason]) => [normaliseCap(cap), reason])),
    );
  }
  return { exempt, justifications, findings };
}
