import type { z } from 'zod';

/** The one JSON document a `--json` command prints: the value parsed through its contract schema first. */
export function renderJson<S extends z.ZodType>(schema: S, value: z.input<S>): string {
  return `${JSON.stringify(schema.parse(value), null, 2)}\n`;
}
