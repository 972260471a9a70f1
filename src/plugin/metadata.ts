// Constants only: this module is loaded on the metadata fast path, before anything heavy.

/** The plugin's name as docker knows it (`docker coredata`); must match ^[a-z][a-z0-9]*$. */
export const PLUGIN_NAME = 'coredata';
/** The standalone spelling (`docker-core-data …`), the same executable under another name. */
export const STANDALONE_NAME = 'docker-core-data';
export const PLUGIN_FILE = `docker-${PLUGIN_NAME}`;
