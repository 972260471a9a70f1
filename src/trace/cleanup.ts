import { z } from 'zod';
import { isNotFound, removeContainer, removeNetwork, removeVolume } from '../docker/container';
import type { Engine } from '../docker/engine';
import { LABEL_REPLACED, LABEL_SESSION } from './layout';

/** What `trace --cleanup --json` prints. */
export const CleanupResult = z.object({
  containers: z.array(z.string()),
  volumes: z.array(z.string()),
  networks: z.array(z.string()),
  /** originals stopped by an interrupted `--replace` session, started again */
  restarted: z.array(z.string()),
  errors: z.array(z.string()),
});
export type CleanupResult = z.infer<typeof CleanupResult>;

/**
 * Removes everything a trace session left behind (anything labelled io.coredata.trace) and starts
 * again the compose containers an interrupted `--replace` session had stopped.
 */
export async function cleanupTraces(engine: Engine): Promise<CleanupResult> {
  const { docker } = engine;
  const filters = JSON.stringify({ label: [LABEL_SESSION] });
  const result: CleanupResult = { containers: [], volumes: [], networks: [], restarted: [], errors: [] };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      result.errors.push(`${what}: ${(e as Error).message}`);
    }
  };

  const originals = new Set<string>();
  for (const c of await docker.listContainers({ all: true, filters })) {
    for (const id of (c.Labels[LABEL_REPLACED] ?? '').split(',').filter(Boolean)) originals.add(id);
    const name = c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
    await attempt(`remove container ${name}`, async () => {
      await removeContainer(docker.getContainer(c.Id));
      result.containers.push(name);
    });
  }
  for (const id of originals) {
    await attempt(`start ${id.slice(0, 12)}`, async () => {
      try {
        const info = await docker.getContainer(id).inspect();
        if (info.State.Running) return;
        await docker.getContainer(id).start();
        result.restarted.push(info.Name.replace(/^\//, ''));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) {
    await attempt(`remove volume ${v.Name}`, async () => {
      await removeVolume(docker, v.Name);
      result.volumes.push(v.Name);
    });
  }
  for (const n of await docker.listNetworks({ filters })) {
    await attempt(`remove network ${n.Name}`, async () => {
      await removeNetwork(docker, n.Name);
      result.networks.push(n.Name);
    });
  }
  return result;
}
