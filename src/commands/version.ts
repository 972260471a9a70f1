import { versionLine, versionReport } from '../plugin/version';
import { BaseCommand, jsonFlag } from './base';

// `version` and `version --json` as such are answered by main.ts without loading oclif, from the same
// ../plugin/version functions; this class serves help, flag errors, and in-process runs (tests).
export default class Version extends BaseCommand {
  static override description = 'Print the plugin version (and Node.js version with --json).';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];
  static override flags = { json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    if (flags.json) this.printJson(versionReport(this.config.version));
    else this.log(versionLine(this.config.version));
  }
}
