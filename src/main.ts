/**
 * Entry point of the executable and of bin/run.js. The metadata handshake (run by the docker CLI
 * before every invocation) is answered here, before oclif, zod or dockerode are loaded; everything
 * else goes through ./cli.
 */
import { parseInvocation } from './plugin/argv';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const metadataJson: Record<string, unknown> = require('../docker-plugin-metadata.json');

export async function main(args: string[] = process.argv.slice(2), invokedAs?: string): Promise<void> {
  const inv = parseInvocation(args);
  if (inv.kind === 'metadata') {
    process.stdout.write(`${JSON.stringify(metadataJson, null, 2)}\n`);
    return;
  }
  const { run } = await import('./cli');
  await run(inv, invokedAs);
}
