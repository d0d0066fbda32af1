import { Hono } from 'hono';
import { type BuildEvent, BuildStepFailed, classicBuildText, decompressedStream, type Engine, type ProgressMessage } from '@strata/core';
import { HttpError } from '../errorResponse.js';
import { progressResponse } from '../progressStream.js';
import { queryBoolean } from '../queryBoolean.js';
import { requestBodyStream } from '../requestBody.js';
import type { RouteContext } from '../routeContext.js';

type BuildingEngine = Pick<Engine, 'buildImage' | 'ports'>;

const isBuildingEngine = (e: unknown): e is BuildingEngine => typeof (e as Partial<Engine>).buildImage === 'function';

function jsonMap(raw: string | undefined, name: string): Record<string, string | null> | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, string | null>;
  } catch {
    throw new HttpError(400, `invalid ${name} JSON: ${raw}`);
  }
}

/** The messages dockerd's classic builder sends for one build event (a step line and its newline travel apart). */
export function buildMessages(event: BuildEvent): ProgressMessage[] {
  if (event.kind === 'step') return [{ stream: classicBuildText(event).trimEnd() }, { stream: '\n' }];
  if (event.kind === 'result') return [{ aux: { ID: event.id } }];
  if (event.kind === 'pull') {
    // The pull of a FROM image streams as `docker pull` does; the CLI renders it between the steps.
    return [{ status: event.status, id: event.id, progress: event.progress, progressDetail: event.progressDetail }];
  }
  return [{ stream: classicBuildText(event) }];
}

/** POST /build: the classic builder (tar context, §5.5 of the wire doc); BuildKit sessions are not served. */
export function buildRoutes(ctx: RouteContext): Hono {
  const app = new Hono();
  app.post('/build', async (c) => {
    const engine = ctx.engine;
    if (!isBuildingEngine(engine)) throw new HttpError(501, 'this engine cannot build images');
    const version = c.req.query('version');
    if (version === '2') throw new HttpError(400, 'BuildKit is not supported by this daemon: build with DOCKER_BUILDKIT=0 (the classic builder)');
    const quiet = queryBoolean(c.req.query('q'));
    const epochEnv = process.env.SOURCE_DATE_EPOCH;
    const options = {
      dockerfile: c.req.query('dockerfile') || 'Dockerfile',
      tags: c.req.queries('t') ?? [],
      buildArgs: jsonMap(c.req.query('buildargs'), 'buildargs'),
      labels: jsonMap(c.req.query('labels'), 'labels') as Record<string, string> | undefined,
      target: c.req.query('target') || undefined,
      noCache: queryBoolean(c.req.query('nocache')),
      networkMode: c.req.query('networkmode') || undefined,
      sourceDateEpoch: epochEnv !== undefined && /^\d+$/.test(epochEnv) ? Number(epochEnv) : undefined,
      // A client that goes away (Ctrl-C) cancels the build, as dockerd's request context does.
      signal: c.req.raw.signal,
    };
    const platform = c.req.query('platform');
    if (platform && !platform.startsWith('linux')) throw new HttpError(400, `"${platform}": unsupported platform`);
    const { stream: context } = await decompressedStream(requestBodyStream(c), engine.ports.codecs);
    return progressResponse(async (emit) => {
      try {
        const id = await engine.buildImage(context, options, (event) => {
          if (quiet) return;
          for (const m of buildMessages(event)) emit(m);
        });
        if (quiet) emit({ stream: `${id}\n` });
      } catch (e) {
        // A failed RUN carries its exit code, which the CLI exits with (build_fail.txt).
        if (e instanceof BuildStepFailed) {
          emit({ errorDetail: { code: e.exitCode, message: e.message }, error: e.message });
          return;
        }
        throw e;
      }
    });
  });
  return app;
}
