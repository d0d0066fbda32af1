import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@strata/core';
import { createApp } from '../app.js';
import { capturedJson, capturedRequests } from '../captureFixtures.js';
import { fakeImageEngine } from '../fakeImageEngine.js';

type EventsOptions = { since?: number; until?: number; signal?: AbortSignal; filters?: Record<string, string[]> };

// The image events dockerd sent in the events capture (tag, then untag).
const imageEvents = (capturedJson('events') as EngineEvent[]).filter((e) => e.Type === 'image');

/** Past events then, when asked for live ones, nothing until the signal aborts. */
function eventSource(past: EngineEvent[], seen: EventsOptions[]) {
  return (options: EventsOptions = {}): AsyncIterable<EngineEvent> => {
    seen.push(options);
    return (async function* () {
      for (const e of past) yield e;
      if (options.until !== undefined) return;
      await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
    })();
  };
}

const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EngineEvent);

describe('GET /events', () => {
  it('replays history between since and until (as the CLI sends them) and closes', async () => {
    const seen: EventsOptions[] = [];
    const app = createApp(fakeImageEngine({ events: eventSource(imageEvents, seen) }), { dataRoot: '/r' });
    const [, path] = capturedRequests('events_filter')[0].split(' ');
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(imageEvents.map((e) => JSON.stringify(e) + '\n').join(''));
    expect(seen[0]).toMatchObject({ since: 1795356940, until: 1795357000, filters: { type: ['container'] } });
  });

  it('drops events after until even if the engine yields them', async () => {
    const [tag, untag] = imageEvents;
    const app = createApp(fakeImageEngine({ events: eventSource([tag, untag], []) }), { dataRoot: '/r' });
    const res = await app.request(`/v1.41/events?since=0&until=${tag.time}.000000000`);
    // both captured events share one second, so both are within until
    expect(lines(await res.text())).toEqual([tag, untag]);
    const early = await app.request(`/v1.41/events?until=${tag.time - 1}`);
    expect(lines(await early.text())).toEqual([]);
  });

  it('answers the headers at once on a live stream, sends events as they come and stops the engine when the client leaves', async () => {
    const seen: EventsOptions[] = [];
    const app = createApp(fakeImageEngine({ events: eventSource(imageEvents.slice(0, 1), seen), listImages: async () => [] }), { dataRoot: '/r' });
    const res = await app.request('/v1.41/events?since=0');
    expect(res.status).toBe(200);
    expect(seen[0].until).toBeUndefined();
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(lines(new TextDecoder().decode(first.value))).toEqual(imageEvents.slice(0, 1));
    expect((await (await app.request('/v1.41/info')).json()).NEventsListener).toBe(1);
    await reader.cancel();
    expect(seen[0].signal?.aborted).toBe(true);
    expect((await (await app.request('/v1.41/info')).json()).NEventsListener).toBe(0);
  });

  it('without since or until replays no history, as dockerd', async () => {
    const seen: EventsOptions[] = [];
    const app = createApp(fakeImageEngine({ events: eventSource(imageEvents, seen) }), { dataRoot: '/r' });
    const before = Math.floor(Date.now() / 1000);
    const res = await app.request('/v1.41/events');
    const reader = res.body!.getReader();
    const nothing = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r('quiet'), 100))]);
    expect(nothing).toBe('quiet');
    expect(seen[0].since).toBeGreaterThanOrEqual(before);
    await reader.cancel();
  });

  it('a future until streams live events and closes at that time', async () => {
    const seen: EventsOptions[] = [];
    const app = createApp(fakeImageEngine({ events: eventSource([], seen) }), { dataRoot: '/r' });
    const started = Date.now();
    const res = await app.request(`/v1.41/events?until=${(Date.now() + 300) / 1000}`);
    expect(await res.text()).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(seen[0].until).toBeUndefined();
    expect(seen[0].signal?.aborted).toBe(true);
  });

  it('rejects a since that is neither a time nor a number', async () => {
    const app = createApp(fakeImageEngine({}), { dataRoot: '/r' });
    const res = await app.request('/v1.41/events?since=yesterday');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'invalid value for since: yesterday' });
  });
});
