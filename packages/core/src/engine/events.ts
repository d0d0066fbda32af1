import type { Clock } from './ports.js';
import type { EngineEvent, Filters } from './api.js';

const KEEP = 1024;

/** Engine events: a bounded in-memory history (as dockerd keeps) plus live subscribers. */
export class EventLog {
  private readonly past: EngineEvent[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();

  constructor(private readonly clock: Clock) {}

  /** Record and broadcast an event. */
  emit(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string>, legacy = true): EngineEvent {
    const ms = this.clock.now();
    const e: EngineEvent = {
      ...(legacy ? { status: action, id, ...(attributes.image ? { from: attributes.image } : {}) } : {}),
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Math.floor(ms / 1000),
      timeNano: ms * 1_000_000,
    };
    this.past.push(e);
    if (this.past.length > KEEP) this.past.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Past events in range, then (without `until`) live ones until the signal aborts. */
  async *stream(options: { since?: number; until?: number; filters?: Filters; signal?: AbortSignal } = {}): AsyncIterable<EngineEvent> {
    const { since, until, filters, signal } = options;
    const nowSec = this.clock.now() / 1000;
    const inRange = (e: EngineEvent) =>
      (since === undefined || e.timeNano >= since * 1e9) && (until === undefined || e.timeNano <= until * 1e9);
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const live = (e: EngineEvent) => {
      queue.push(e);
      wake?.();
    };
    const wantsLive = until === undefined || until > nowSec;
    if (wantsLive) this.listeners.add(live);
    try {
      for (const e of this.past) if (inRange(e) && matchesEventFilters(e, filters)) yield e;
      if (!wantsLive) return;
      const abort = new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      const deadline = until !== undefined ? new Promise<void>((r) => setTimeout(r, Math.max(0, until * 1000 - this.clock.now()))) : undefined;
      for (;;) {
        while (queue.length) {
          const e = queue.shift()!;
          if (inRange(e) && matchesEventFilters(e, filters)) yield e;
        }
        if (signal?.aborted) return;
        const next = new Promise<void>((r) => (wake = r));
        const which = await Promise.race([next.then(() => 'event'), abort.then(() => 'abort'), ...(deadline ? [deadline.then(() => 'until')] : [])]);
        wake = undefined;
        if (which !== 'event') {
          while (queue.length) {
            const e = queue.shift()!;
            if (inRange(e) && matchesEventFilters(e, filters)) yield e;
          }
          return;
        }
      }
    } finally {
      this.listeners.delete(live);
    }
  }
}

/** Docker's event filters: type, event/action, image, container, label, ... (values OR-ed, keys AND-ed). */
export function matchesEventFilters(e: EngineEvent, filters?: Filters): boolean {
  if (!filters) return true;
  for (const [key, values] of Object.entries(filters)) {
    if (!values.length) continue;
    const ok = values.some((v) => {
      switch (key) {
        case 'type':
          return e.Type === v;
        case 'event':
        case 'action':
          return e.Action === v || e.Action.startsWith(`${v}:`);
        case 'image':
          return (e.Type === 'image' && (e.Actor.ID === v || e.Actor.Attributes.name === v)) || e.Actor.Attributes.image === v;
        case 'container':
          return e.Type === 'container' && (e.Actor.ID === v || e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v);
        case 'volume':
        case 'network':
          return e.Type === key && (e.Actor.ID === v || e.Actor.Attributes.name === v);
        case 'label': {
          const [k, val] = v.split('=', 2);
          return val === undefined ? k in e.Actor.Attributes : e.Actor.Attributes[k] === val;
        }
        case 'scope':
          return e.scope === v;
        default:
          return true;
      }
    });
    if (!ok) return false;
  }
  return true;
}
