import * as path from 'node:path';
import { BaseCommand } from './base';
import { installFlags, pluginDir } from './install';

export default class Uninstall extends BaseCommand {
  static override summary = 'Remove the docker CLI plugin (and the docker-core-data link with --standalone).';
  static override examples = [
    '<%= config.bin %> uninstall',
    '<%= config.bin %> uninstall --standalone ~/.local/bin',
  ];
  static override flags = installFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(Uninstall);
    const { uninstallPlugin } = await import('../plugin/install');
    const actions = uninstallPlugin({
      dir: pluginDir(flags.dir),
      standaloneDir: flags.standalone ? path.resolve(flags.standalone) : undefined,
    });
    if (flags.json) return this.printJson({ actions });
    for (const a of actions) this.log(`${a.action.padEnd(9)} ${a.path}`);
  }
}
