import { z } from 'zod';

/** Docker CLI plugin metadata (docker/cli `cli-plugins/metadata`), the one schema of that format. */
export const PluginMetadata = z
  .object({
    SchemaVersion: z.literal('0.1.0'),
    Vendor: z.string().min(1),
    Version: z.string().min(1),
    ShortDescription: z.string().min(1),
    URL: z.string().url().optional(),
  })
  .strict();
export type PluginMetadata = z.infer<typeof PluginMetadata>;
