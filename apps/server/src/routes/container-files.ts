import { Hono, type Context } from 'hono';
import { type ContainerFilesEngine, type ContainerPathStat, hasContainerFiles } from '@strata/core';
import { HttpError } from '../errorResponse.js';
import { queryBoolean } from '../queryBoolean.js';
import { requestBodyStream } from '../requestBody.js';

/** The `X-Docker-Container-Path-Stat` header: the stat as JSON, base64 (moby's setContainerPathStatHeader). */
export function pathStatHeader(stat: ContainerPathStat): string {
  return Buffer.from(JSON.stringify({ name: stat.name, size: stat.size, mode: stat.mode, mtime: stat.mtime, linkTarget: stat.linkTarget })).toString('base64');
}

const PATH_STAT = 'X-Docker-Container-Path-Stat';

/** `path` of the archive endpoints; dockerd refuses an empty one. */
function archivePath(c: Context): string {
  const path = c.req.query('path');
  if (!path) throw new HttpError(400, 'path cannot be empty');
  return path;
}

/** A JSON body when there is one (`POST /commit` may carry the new image's config). */
async function optionalJson(c: Context): Promise<Record<string, unknown> | undefined> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch (e) {
    throw new HttpError(400, `invalid JSON: ${(e as Error).message}`);
  }
}

/**
 * A container's files: `docker diff` (changes), `docker commit`, `docker export` and `docker cp`
 * (HEAD/GET/PUT archive). Empty when the engine has no container side.
 */
export function containerFileRoutes(engine: object): Hono {
  const app = new Hono();
  if (!hasContainerFiles(engine)) return app;
  const files: ContainerFilesEngine = engine;
  const name = (c: Context) => c.req.param('name') as string;

  app.get('/containers/:name{.+}/changes', async (c) => {
    const changes = await files.containerChanges(name(c));
    return c.json(changes.length ? changes : null);
  });

  app.post('/commit', async (c) => {
    const container = c.req.query('container') ?? '';
    const pause = c.req.query('pause');
    const id = await files.commitContainer(container, {
      repo: c.req.query('repo') || undefined,
      tag: c.req.query('tag') || undefined,
      comment: c.req.query('comment') || undefined,
      author: c.req.query('author') || undefined,
      changes: (c.req.queries('changes') ?? []).flatMap((s) => s.split('\n')).filter((s) => s.trim() !== ''),
      pause: pause === undefined || pause === '' ? true : queryBoolean(pause),
      config: await optionalJson(c),
    });
    return c.json({ Id: id }, 201);
  });

  app.get('/containers/:name{.+}/export', async (c) => {
    const tar = await files.exportContainer(name(c));
    return new Response(tar, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
  });

  app.on('HEAD', '/containers/:name{.+}/archive', async (c) => {
    const stat = await files.statContainerPath(name(c), archivePath(c));
    return new Response(null, { status: 200, headers: { [PATH_STAT]: pathStatHeader(stat) } });
  });

  app.get('/containers/:name{.+}/archive', async (c) => {
    const { stat, archive } = await files.archiveContainerPath(name(c), archivePath(c));
    return new Response(archive, { status: 200, headers: { 'Content-Type': 'application/x-tar', [PATH_STAT]: pathStatHeader(stat) } });
  });

  app.put('/containers/:name{.+}/archive', async (c) => {
    const path = archivePath(c);
    await files.extractToContainer(name(c), path, requestBodyStream(c), { noOverwriteDirNonDir: queryBoolean(c.req.query('noOverwriteDirNonDir')) });
    return new Response(null, { status: 200 });
  });

  return app;
}
