import { Hono, type Context } from 'hono';
import { canPull, canPush, canSearch, coalesceChunks, type ImportOptions, type ListImagesOptions, type ProgressMessage, type SavedArchive } from '@strata/core';
import { requestBodyStream } from '../requestBody.js';
import { HttpError } from '../errorResponse.js';
import { parseFilters } from '../filters.js';
import { progressResponse } from '../progressStream.js';
import { queryBoolean } from '../queryBoolean.js';
import { registryAuthOf } from '../registryAuth.js';
import type { RouteContext } from '../routeContext.js';

/** The request body as a stream, never buffered (load and import bodies are whole images). */
const bodyStream = (c: Context): ReadableStream<Uint8Array> => requestBodyStream(c);

/**
 * A tar body; the many small header blocks travel together with their neighbours. A known
 * length goes out as Content-Length, which spares the chunked framing of every write.
 */
const tarResponse = (tar: SavedArchive): Response => {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
  if (tar.byteLength !== undefined) headers['Content-Length'] = String(tar.byteLength);
  return new Response(tar.pipeThrough(coalesceChunks(1 << 20)), { status: 200, headers });
};

/** The registry client has not landed yet: pull and push answer this instead of pretending. */
const registryMissing = (what: string) =>
  new HttpError(501, `${what} is not implemented yet: Strata has no registry client (load images with \`docker load\` or \`docker import\`)`);

/**
 * Image endpoints. Names in paths contain `/` and `:` (`/images/127.0.0.1:5000/busybox:local/json`),
 * so routes match on the suffix and take everything before it as the name.
 */
export function imageRoutes(ctx: RouteContext): Hono {
  const { engine } = ctx;
  const app = new Hono();

  app.get('/images/json', async (c) => {
    const filters = parseFilters(c.req.query('filters'));
    // API < 1.28 clients sent a single reference as `filter`.
    const legacy = c.req.query('filter');
    if (legacy) filters.reference = [...(filters.reference ?? []), legacy];
    const options: ListImagesOptions = {
      all: queryBoolean(c.req.query('all')),
      filters,
      digests: queryBoolean(c.req.query('digests')),
    };
    return c.json(await engine.listImages(options));
  });

  app.get('/images/get', async (c) => tarResponse(await engine.saveImages(c.req.queries('names') ?? [])));

  app.get('/images/search', async (c) => {
    const term = c.req.query('term') ?? '';
    if (!canSearch(engine)) throw registryMissing(`searching ${term}`);
    const rawLimit = c.req.query('limit');
    const limit = rawLimit === undefined || rawLimit === '' ? undefined : Number(rawLimit);
    if (limit !== undefined && !Number.isInteger(limit)) throw new HttpError(400, `invalid limit: ${rawLimit}`);
    const filters = parseFilters(c.req.query('filters'));
    return c.json(await engine.searchImages(term, { limit, filters, auth: registryAuthOf(c.req.header('X-Registry-Auth')) }));
  });

  app.post('/images/load', (c) => {
    const quiet = queryBoolean(c.req.query('quiet'));
    const archive = bodyStream(c);
    return progressResponse(async (emit) => {
      const streamed = new Set<string>();
      const result = await engine.loadImages(archive, {
        onProgress: (m: ProgressMessage) => {
          // quiet=1 (stdout not a terminal): dockerd sends only the `Loaded image` lines.
          if (quiet && m.stream === undefined && m.error === undefined) return;
          if (m.stream !== undefined) streamed.add(m.stream.trimEnd());
          emit(m);
        },
      });
      for (const line of result.messages) {
        if (!streamed.has(line.trimEnd())) emit({ stream: line.endsWith('\n') ? line : `${line}\n` });
      }
    }, { eager: true });
  });

  app.post('/images/create', (c) => {
    const fromImage = c.req.query('fromImage');
    const fromSrc = c.req.query('fromSrc');
    if (fromImage) {
      if (!canPull(engine)) throw registryMissing(`pulling ${fromImage}`);
      // The CLI sends a digest as `tag=sha256:...` (mock_pull_names).
      const tag = c.req.query('tag');
      const name = tag ? `${fromImage}${tag.includes(':') ? '@' : ':'}${tag}` : fromImage;
      const options = { auth: registryAuthOf(c.req.header('X-Registry-Auth')), platform: c.req.query('platform') || undefined };
      return progressResponse(async (emit) => {
        await engine.pullImage(name, { ...options, onProgress: emit });
      });
    }
    if (fromSrc === undefined || fromSrc === '') throw new HttpError(400, 'fromImage or fromSrc is required');
    if (fromSrc !== '-') throw new HttpError(501, `importing from a URL is not supported: ${fromSrc} (stream the archive with \`docker import - NAME\`)`);
    const options: ImportOptions = {
      repo: c.req.query('repo') || undefined,
      tag: c.req.query('tag') || undefined,
      message: c.req.query('message') || undefined,
      changes: (c.req.queries('changes') ?? []).filter((s) => s !== ''),
      platform: c.req.query('platform') || undefined,
    };
    const rootfs = bodyStream(c);
    return progressResponse(async (emit) => {
      emit({ status: await engine.importImage(rootfs, options) });
    });
  });

  app.post('/images/prune', async (c) => c.json(await engine.pruneImages(parseFilters(c.req.query('filters')))));

  app.get('/images/:name{.+}/json', async (c) => c.json(await engine.inspectImage(c.req.param('name'))));

  app.get('/images/:name{.+}/history', async (c) => c.json(await engine.imageHistory(c.req.param('name'))));

  app.get('/images/:name{.+}/get', async (c) => tarResponse(await engine.saveImages([c.req.param('name')])));

  app.post('/images/:name{.+}/tag', async (c) => {
    await engine.tagImage(c.req.param('name'), c.req.query('repo') ?? '', c.req.query('tag') || undefined);
    return c.body(null, 201);
  });

  app.post('/images/:name{.+}/push', (c) => {
    const name = c.req.param('name');
    if (!canPush(engine)) throw registryMissing(`pushing ${name}`);
    const options = { tag: c.req.query('tag') || undefined, auth: registryAuthOf(c.req.header('X-Registry-Auth')) };
    return progressResponse(async (emit) => {
      await engine.pushImage(name, { ...options, onProgress: emit });
    });
  });

  app.delete('/images/:name{.+}', async (c) =>
    c.json(
      await engine.removeImage(c.req.param('name'), {
        force: queryBoolean(c.req.query('force')),
        noprune: queryBoolean(c.req.query('noprune')),
      }),
    ),
  );

  return app;
}
