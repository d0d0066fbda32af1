import type { ContainerEngine } from './api.js';
import { throwIfCancelled } from './build-cancel.js';
import type { BuildStepRunner } from './build.js';
import { EMPTY_LAYER_DIFF_ID } from './container-commit.js';
import type { ContainerFilesEngine } from './container-files-service.js';
import type { EngineContext } from './engine.js';
import { ingestLayer } from './layer-ingest.js';

/**
 * RUN steps in real containers, as the classic builder runs them: a container of the step's
 * image with the command (entrypoint reset), its output followed, its writable layer taken as
 * the step's layer when it exits 0. The container (and its anonymous volumes) is always removed.
 */
export function containerStepRunner(ctx: EngineContext, engine: ContainerEngine & ContainerFilesEngine): BuildStepRunner {
  return {
    async run(request) {
      const { Id } = await engine.createContainer({
        ...request.config,
        Image: request.imageId,
        Cmd: request.argv,
        Entrypoint: [''],
        Env: request.env,
        Healthcheck: undefined,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: { NetworkMode: request.networkMode ?? 'default' },
      });
      request.onContainer(Id);
      const kill = (): void => void engine.killContainer(Id, 'KILL').catch(() => undefined);
      request.signal?.addEventListener('abort', kill, { once: true });
      try {
        throwIfCancelled(request.signal);
        const abort = new AbortController();
        const attached = await engine.attachContainer(Id, { stdout: true, stderr: true, signal: abort.signal });
        const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
        const pump = (async () => {
          for await (const record of attached.records) {
            const text = decoders[record.stream].decode(record.bytes, { stream: true });
            if (text) request.onOutput(text, record.stream);
          }
        })();
        await engine.startContainer(Id);
        // An abort while the container was starting found nothing to kill yet.
        if (request.signal?.aborted) kill();
        const exit = await engine.waitContainer(Id, 'not-running');
        await Promise.race([pump, new Promise((r) => setTimeout(r, 2000))]);
        abort.abort();
        await pump.catch(() => undefined);
        throwIfCancelled(request.signal);
        if (exit.StatusCode !== 0) return { exitCode: exit.StatusCode };
        const before = new Set(await ctx.ports.content.list());
        const layer = await ingestLayer(ctx.ports, await engine.containerLayer(Id));
        if (layer.diffId === EMPTY_LAYER_DIFF_ID) {
          if (!before.has(layer.blob)) await ctx.ports.content.delete(layer.blob).catch(() => undefined);
          return { exitCode: 0 };
        }
        return { exitCode: 0, layer };
      } finally {
        request.signal?.removeEventListener('abort', kill);
        await engine.removeContainer(Id, { force: true, volumes: true }).catch(() => undefined);
      }
    },
  };
}
