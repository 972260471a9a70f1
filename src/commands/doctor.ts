import { runtimeContext } from '../plugin/context';
import { BaseCommand, jsonFlag } from './base';

export default class Doctor extends BaseCommand {
  static override summary = 'Check the engine, seccomp support, the plugin install and strace.';
  static override description = `Resolves the Docker engine endpoint exactly as the docker CLI does (--context / -H before
"coredata", then DOCKER_HOST, DOCKER_CONTEXT, currentContext in config.json, then the default socket),
asks the engine for its version and whether it supports seccomp, lists where the plugin is installed,
and checks whether a portable strace can be assembled from this host's strace for tracing images
that have none.

Exit codes: 0 all good, 3 the engine could not be reached.`;
  static override examples = ['<%= config.bin %> doctor', 'docker --context remote coredata doctor --json'];
  static override flags = { json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const { diagnose } = await import('../docker/doctor');
    const ctx = runtimeContext();
    const report = await diagnose(ctx.globals, ctx.mode);
    if (flags.json) return this.printJson(report);
    const ok = (b: boolean) => (b ? 'yes' : 'NO');
    const e = report.engine;
    this.log(
      `Engine endpoint   ${report.endpoint.host}  (from ${report.endpoint.source}${report.endpoint.context ? `, context "${report.endpoint.context}"` : ''})`,
    );
    this.log(
      `Engine            Docker ${e.version} (API ${e.apiVersion}), ${e.os}/${e.arch}, kernel ${e.kernel}`,
    );
    this.log(
      `Seccomp           ${ok(e.seccomp)}${e.seccompProfile ? ` (default profile: ${e.seccompProfile})` : ''}`,
    );
    this.log(
      `Running as        ${report.plugin.mode === 'plugin' ? 'docker coredata (CLI plugin)' : 'standalone'}: ${report.plugin.executable}`,
    );
    this.log(
      `Installed at      ${report.plugin.installed.length > 0 ? report.plugin.installed.join(', ') : 'nowhere (run `docker-coredata install`)'}`,
    );
    const s = report.strace;
    this.log(
      `Portable strace   ${s.portable ? `yes: strace ${s.version} + ${s.libraries.length} libraries + ${s.loader}` : `NO: ${s.reason}`}`,
    );
    if (!e.seccomp) this.warn('this engine does not support seccomp: profiles cannot be enforced');
  }
}
