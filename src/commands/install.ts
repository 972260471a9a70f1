import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { configDir } from '../docker/config-dir';
import { runtimeContext } from '../plugin/context';
import { BaseCommand, jsonFlag } from './base';

export const installFlags = {
  dir: Flags.string({
    description: 'cli-plugins directory (default: ${DOCKER_CONFIG:-~/.docker}/cli-plugins).',
  }),
  standalone: Flags.string({
    description: 'Also link `docker-core-data` into this directory (e.g. ~/.local/bin).',
  }),
  json: jsonFlag,
};

export function pluginDir(dir: string | undefined): string {
  return path.resolve(dir ?? path.join(configDir(runtimeContext().globals, process.env), 'cli-plugins'));
}

export default class Install extends BaseCommand {
  static override summary = 'Install this executable as the docker CLI plugin `docker coredata`.';
  static override description = `Copies the running executable to \${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-coredata, where
the docker CLI finds it. Docker accepts plugin names matching ^[a-z][a-z0-9]*$ only, hence "coredata";
--standalone DIR also links docker-core-data into DIR so the same file runs as \`docker-core-data …\`.
Running it again changes nothing when the installed copy is identical.`;
  static override examples = [
    '<%= config.bin %> install',
    '<%= config.bin %> install --standalone ~/.local/bin',
    '<%= config.bin %> install --dir /usr/local/lib/docker/cli-plugins',
  ];
  static override flags = installFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(Install);
    const { installPlugin } = await import('../plugin/install');
    const { isSea, selfPath } = await import('../docker/doctor');
    const actions = installPlugin({
      dir: pluginDir(flags.dir),
      standaloneDir: flags.standalone ? path.resolve(flags.standalone) : undefined,
      source: { path: selfPath(), sea: isSea() },
    });
    if (flags.json) return this.printJson({ actions });
    for (const a of actions) this.log(`${a.action.padEnd(9)} ${a.path}`);
    if (actions.some((a) => a.action !== 'unchanged')) this.log('Try: docker coredata doctor');
  }
}
