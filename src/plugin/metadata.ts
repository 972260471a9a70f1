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

/** The plugin's name as docker knows it (`docker coredata`); must match ^[a-z][a-z0-9]*$. */
export const PLUGIN_NAME = 'coredata';
/** The standalone spelling (`docker-core-data …`), the same executable under another name. */
export const STANDALONE_NAME = 'docker-core-data';
export const PLUGIN_FILE = `docker-${PLUGIN_NAME}`;
