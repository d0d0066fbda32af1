import type { ContainerEngine, WaitResult } from '@strata/core';
import { HttpError } from './errorResponse.js';

const encoder = new TextEncoder();

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** The `condition` query value as dockerd accepts it (absent or empty = `not-running`). */
export function parseWaitCondition(raw: string | undefined): WaitCondition {
  if (raw === undefined || raw === '' || raw === 'not-running') return 'not-running';
  if (raw === 'next-exit' || raw === 'removed') return raw;
  throw new HttpError(400, `invalid condition: "${raw}"`);
}

/** dockerd's wait body: `Error` before `StatusCode`, one line. */
export const waitBody = (result: WaitResult): string =>
  JSON.stringify({ Error: result.Error ?? null, StatusCode: result.StatusCode }) + '\n';

/**
 * `POST /containers/{id}/wait`: a 200 whose headers leave at once and whose body is written when
 * the condition is met. The CLI sends `/start` only after these headers arrive, so holding them
 * until exit would deadlock `docker run` (§4.5). An unknown container is still a real 404: the
 * container is looked up before the headers go out. When the client goes away (`run -d` drops
 * the wait), `clientGone` aborts the engine's wait.
 */
export async function waitResponse(engine: ContainerEngine, name: string, condition: WaitCondition, clientGone: AbortSignal): Promise<Response> {
  const abort = new AbortController();
  const onGone = () => abort.abort();
  if (clientGone.aborted) abort.abort();
  else clientGone.addEventListener('abort', onGone, { once: true });

  // The wait is registered before the lookup so a `next-exit` cannot miss an exit that follows the headers.
  const waiting = engine.waitContainer(name, condition, abort.signal);
  type Outcome = { result: WaitResult } | { error: unknown };
  const outcome: Promise<Outcome> = waiting.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const early = await Promise.race([outcome, engine.inspectContainer(name).then(() => undefined)]).catch((e: unknown) => {
    abort.abort();
    throw e;
  });
  // A wait that failed before any header (no such container, bad condition) is an HTTP error.
  if (early !== undefined && 'error' in early) {
    clientGone.removeEventListener('abort', onGone);
    throw early.error;
  }

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const settled = await outcome;
      clientGone.removeEventListener('abort', onGone);
      if (abort.signal.aborted) {
        try {
          controller.close();
        } catch {
          // the client is gone and the stream with it
        }
        return;
      }
      const result: WaitResult =
        'result' in settled ? settled.result : { StatusCode: -1, Error: { Message: settled.error instanceof Error ? settled.error.message : String(settled.error) } };
      controller.enqueue(encoder.encode(waitBody(result)));
      controller.close();
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
}
