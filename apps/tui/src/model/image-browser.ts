import type { HistoryEntry, ImageEngine, ImageInspect } from '@strata/core';
import type { Action } from './keymap.js';
import { imageRows, type ImageRow } from './image-rows.js';

/** A value the engine is fetching. */
export type Loadable<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'failed'; error: string };

export type Panel = 'images' | 'details';
export type DetailTab = 'inspect' | 'history';

/** The tabs of the details panel, in order. */
export const detailTabs: readonly DetailTab[] = ['inspect', 'history'];

/** Everything the screen shows, as plain data. */
export interface BrowserState {
  rows: ImageRow[];
  list: Loadable<null>;
  /** Index into `rows`; 0 when there are none. */
  selected: number;
  focus: Panel;
  tab: DetailTab;
  inspect: Loadable<ImageInspect>;
  /** The inspect JSON as `docker image inspect` prints it, one string per line. */
  inspectLines: string[];
  inspectScroll: number;
  history: Loadable<HistoryEntry[]>;
  historyCursor: number;
  help: boolean;
  /** The last engine error, shown in the status line until the next success. */
  error: string | undefined;
  quit: boolean;
}

export interface ImageBrowserOptions {
  /** Lines the details panel can show at once; sets the page size. */
  viewportHeight?: number;
}

const initialState: BrowserState = {
  rows: [],
  list: { status: 'idle' },
  selected: 0,
  focus: 'images',
  tab: 'inspect',
  inspect: { status: 'idle' },
  inspectLines: [],
  inspectScroll: 0,
  history: { status: 'idle' },
  historyCursor: 0,
  help: false,
  error: undefined,
  quit: false,
};

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function clamp(value: number, max: number): number {
  return Math.max(0, Math.min(value, max));
}

/**
 * The view model of the image browser: the image rows, the selection, the inspect and
 * history of the selected image, focus, tab and help. It knows the engine only through
 * `ImageEngine`, so it runs on the embedded engine or a Docker API client alike.
 */
export class ImageBrowser {
  private current: BrowserState = initialState;
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Bumped on each selection change so late answers for an old selection are dropped. */
  private detailsGeneration = 0;
  private listGeneration = 0;
  private viewportHeight: number;

  constructor(
    private readonly engine: ImageEngine,
    options: ImageBrowserOptions = {},
  ) {
    this.viewportHeight = options.viewportHeight ?? 10;
  }

  /** The current state; a new object after every change. */
  get state(): BrowserState {
    return this.current;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the model how many lines the details panel shows, for paging. */
  setViewportHeight(lines: number): void {
    this.viewportHeight = Math.max(1, lines);
  }

  /** Resolves once every request started so far has settled (tests and `strata` startup). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Reloads the image list, keeping the selection on the same tag when it still exists. */
  refresh(): Promise<void> {
    const generation = ++this.listGeneration;
    const selectedKey = this.current.rows[this.current.selected]?.key;
    this.update({ list: { status: 'loading' } });
    return this.track(
      this.engine.listImages().then(
        (images) => {
          if (generation !== this.listGeneration) return;
          const rows = imageRows(images);
          const kept = rows.findIndex((r) => r.key === selectedKey);
          const selected = kept >= 0 ? kept : clamp(this.current.selected, rows.length - 1);
          this.update({ rows, list: { status: 'ready', value: null }, selected, error: undefined });
          this.loadDetails();
        },
        (e: unknown) => {
          if (generation !== this.listGeneration) return;
          this.update({ list: { status: 'failed', error: messageOf(e) }, error: messageOf(e) });
        },
      ),
    );
  }

  /** Applies a keymap action. */
  perform(action: Action): void {
    const s = this.current;
    if (action === 'quit') return this.update({ quit: true });
    if (action === 'help') return this.update({ help: !s.help });
    if (s.help) return this.dismissHelp();
    switch (action) {
      case 'refresh':
        void this.refresh();
        return;
      case 'nextTab':
      case 'prevTab': {
        const step = action === 'nextTab' ? 1 : detailTabs.length - 1;
        return this.update({ tab: detailTabs[(detailTabs.indexOf(s.tab) + step) % detailTabs.length] });
      }
      case 'focusDetails':
        return this.update({ focus: 'details' });
      case 'focusImages':
        return this.update({ focus: 'images' });
    }
    if (s.focus === 'images') this.moveSelection(action);
    else this.moveDetails(action);
  }

  /** Closes the help overlay (any key does). */
  dismissHelp(): void {
    if (this.current.help) this.update({ help: false });
  }

  /** Selects the row at `index` and fetches its details. */
  select(index: number): void {
    const selected = clamp(index, this.current.rows.length - 1);
    if (selected === this.current.selected && this.current.inspect.status !== 'idle') return;
    this.update({ selected });
    this.loadDetails();
  }

  private moveSelection(action: Action): void {
    const last = this.current.rows.length - 1;
    const page = this.viewportHeight;
    const target: Partial<Record<Action, number>> = {
      up: this.current.selected - 1,
      down: this.current.selected + 1,
      pageUp: this.current.selected - page,
      pageDown: this.current.selected + page,
      top: 0,
      bottom: last,
    };
    const index = target[action];
    if (index !== undefined) this.select(index);
  }

  private moveDetails(action: Action): void {
    const s = this.current;
    const page = this.viewportHeight;
    if (s.tab === 'inspect') {
      const last = Math.max(0, s.inspectLines.length - this.viewportHeight);
      const target: Partial<Record<Action, number>> = {
        up: s.inspectScroll - 1,
        down: s.inspectScroll + 1,
        pageUp: s.inspectScroll - page,
        pageDown: s.inspectScroll + page,
        top: 0,
        bottom: last,
      };
      const scroll = target[action];
      if (scroll !== undefined) this.update({ inspectScroll: clamp(scroll, last) });
      return;
    }
    const entries = s.history.status === 'ready' ? s.history.value.length : 0;
    const target: Partial<Record<Action, number>> = {
      up: s.historyCursor - 1,
      down: s.historyCursor + 1,
      pageUp: s.historyCursor - page,
      pageDown: s.historyCursor + page,
      top: 0,
      bottom: entries - 1,
    };
    const cursor = target[action];
    if (cursor !== undefined) this.update({ historyCursor: clamp(cursor, entries - 1) });
  }

  private loadDetails(): void {
    const generation = ++this.detailsGeneration;
    const row = this.current.rows[this.current.selected];
    if (!row) {
      this.update({ inspect: { status: 'idle' }, history: { status: 'idle' }, inspectLines: [], inspectScroll: 0, historyCursor: 0 });
      return;
    }
    this.update({ inspect: { status: 'loading' }, history: { status: 'loading' }, inspectLines: [], inspectScroll: 0, historyCursor: 0 });
    const failed = (e: unknown): { status: 'failed'; error: string } => {
      this.update({ error: messageOf(e) });
      return { status: 'failed', error: messageOf(e) };
    };
    void this.track(
      this.engine.inspectImage(row.imageId).then(
        (value) => {
          if (generation !== this.detailsGeneration) return;
          // `docker image inspect` prints an array indented by four spaces.
          this.update({ inspect: { status: 'ready', value }, inspectLines: JSON.stringify([value], null, 4).split('\n') });
        },
        (e: unknown) => {
          if (generation === this.detailsGeneration) this.update({ inspect: failed(e) });
        },
      ),
    );
    void this.track(
      this.engine.imageHistory(row.imageId).then(
        (value) => {
          if (generation === this.detailsGeneration) this.update({ history: { status: 'ready', value } });
        },
        (e: unknown) => {
          if (generation === this.detailsGeneration) this.update({ history: failed(e) });
        },
      ),
    );
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
  }

  private update(change: Partial<BrowserState>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener();
  }
}
