/**
 * Entry point of the executable and of bin/run.js. The metadata handshake (run by the docker CLI
 * before every invocation) and plain `version` requests are answered here, before oclif, zod or
 * dockerode are loaded; everything else goes through ./cli.
 */
import { parseInvocation } from './plugin/argv';
import { plainVersionRequest, versionLine, versionReport } from './plugin/version';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const metadataJson: Record<string, unknown> = require('../docker-plugin-metadata.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version }: { version: string } = require('../package.json');

export async function main(args: string[] = process.argv.slice(2), invokedAs?: string): Promise<void> {
  const inv = parseInvocation(args);
  if (inv.kind === 'metadata') {
    process.stdout.write(`${JSON.stringify(metadataJson, null, 2)}\n`);
    return;
  }
  const plain = inv.kind === 'run' ? plainVersionRequest(inv.argv) : undefined;
  if (plain) {
    // The version command's own output (src/commands/version.ts), without loading oclif.
    process.stdout.write(
      plain.json ? `${JSON.stringify(versionReport(version), null, 2)}\n` : `${versionLine(version)}\n`,
    );
    return;
  }
  const { run } = await import('./cli');
  await run(inv, invokedAs);
}
