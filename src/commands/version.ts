import { BaseCommand, jsonFlag } from './base';

export default class Version extends BaseCommand {
  static override description = 'Print the plugin version (and Node.js version with --json).';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];
  static override flags = { json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    if (flags.json)
      this.printJson({ version: this.config.version, node: process.version, arch: process.arch });
    else this.log(`docker coredata ${this.config.version}`);
  }
}
