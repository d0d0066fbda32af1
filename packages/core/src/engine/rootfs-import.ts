import { invalid } from '../errors/index.js';
import { parseImageConfig } from '../image/index.js';
import type { ImportOptions } from './api.js';
import type { EngineContext } from './engine.js';
import { writeImage } from './image-writer.js';
import { ingestLayer } from './layer-ingest.js';
import { applyConfigChanges } from './config-changes.js';

/**
 * `docker import`: the rootfs tar becomes the single layer, kept byte-exact as it came (as
 * Docker does), with a config like Docker's (`comment: "Imported from -"`) and `--change` applied.
 */
export async function importRootfs(ctx: EngineContext, rootfs: ReadableStream<Uint8Array>, options: ImportOptions): Promise<string> {
  const changes = applyConfigChanges(options.changes ?? []);
  const platform = (options.platform ?? 'linux/amd64').split('/');
  if (platform[0] !== 'linux') throw invalid(`operating system is not supported: ${platform[0]}`);
  const before = new Set(await ctx.ports.content.list());
  const layer = await ingestLayer(ctx.ports, rootfs);
  try {
    const created = ctx.now();
    const containerConfig = {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: null,
      Cmd: null,
      Image: '',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
    };
    const comment = options.message || 'Imported from -';
    const config = {
      architecture: platform[1] ?? 'amd64',
      comment,
      config: { ...containerConfig, ...changes },
      container_config: containerConfig,
      created,
      docker_version: 'strata',
      history: [{ created, comment }],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    const blob = parseImageConfig(new TextEncoder().encode(JSON.stringify(config)), ctx.ports.hasher);
    return await writeImage(ctx, { config: blob, layers: [layer] });
  } catch (e) {
    if (!before.has(layer.blob)) await ctx.ports.content.delete(layer.blob).catch(() => undefined);
    throw e;
  }
}
