// No oclif here: main.ts answers plain `version` requests from this module before loading oclif.

/** What `version` prints. */
export function versionLine(version: string): string {
  return `docker coredata ${version}`;
}

/** What `version --json` prints. */
export function versionReport(version: string): { version: string; node: string; arch: string } {
  return { version, node: process.version, arch: process.arch };
}

/**
 * `version` or `version --json`, exactly (the words after `coredata`): the two requests main.ts
 * answers without oclif, printing what the version command prints. Anything else (`--help`, an
 * unknown or repeated flag, DEBUG set for oclif's debug log, a deleted working directory) goes
 * through oclif.
 */
export function plainVersionRequest(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { json: boolean } | undefined {
  if (env.DEBUG || argv[0] !== 'version') return undefined;
  try {
    process.cwd();
  } catch {
    return undefined; // oclif warns that the working directory is gone: leave this case to it
  }
  if (argv.length === 1) return { json: false };
  if (argv.length === 2 && argv[1] === '--json') return { json: true };
  return undefined;
}
