import type { Engine, HistoryEntry, ImageEngine, ImageInspect, ImageInsightReport } from '@strata/core';
import { imageRows, type ImageRow } from './image-rows.js';
import { filterRows } from './list-filter.js';
import { defaultLayerView, type LayerViewOptions } from './layer-view.js';

/** What the workbench asks of the image browser (key actions already resolved). */
export type BrowserAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'nextTab' | 'prevTab' | 'focusDetails' | 'focusImages' | 'refresh' | 'aggregate' | 'hideUnchanged' | 'sortTree';

/** A value the engine is fetching. */
export type Loadable<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'failed'; error: string };

export type Panel = 'images' | 'details';
export type DetailTab = 'inspect' | 'history' | 'layers';

/** The tabs of the details panel, in order. */
export const detailTabs: readonly DetailTab[] = ['inspect', 'history', 'layers'];

/** Everything the screen shows, as plain data. */
export interface BrowserState {
  rows: ImageRow[];
  list: Loadable<null>;
  /** Indexes into `rows` that pass the filter, in order. */
  visible: number[];
  filter: string;
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
  /** The Layers tab: the engine's layer analysis of the selected image (dive's view). */
  analysis: Loadable<ImageInsightReport>;
  layerCursor: number;
  /** The file tree shows every layer up to the selected one, not only its own changes. */
  aggregated: boolean;
  treeScroll: number;
  /** The file tree's path filter, unchanged entries and order. */
  layerView: LayerViewOptions;
  /** The last engine error, shown in the status line until the next success. */
  error: string | undefined;
  /** Intermediate images are listed too (`docker images -a`). */
  all: boolean;
}

export interface ImageBrowserOptions {
  /** Lines the details panel can show at once; sets the page size. */
  viewportHeight?: number;
}

const initialState: BrowserState = {
  rows: [],
  list: { status: 'idle' },
  visible: [],
  filter: '',
  selected: 0,
  focus: 'images',
  tab: 'inspect',
  inspect: { status: 'idle' },
  inspectLines: [],
  inspectScroll: 0,
  history: { status: 'idle' },
  historyCursor: 0,
  analysis: { status: 'idle' },
  layerCursor: 0,
  aggregated: false,
  treeScroll: 0,
  layerView: defaultLayerView,
  error: undefined,
  all: false,
};

/** The text a row is filtered by. */
const rowText = (r: ImageRow): string => `${r.repository}:${r.tag} ${r.imageId.slice(7, 19)}`;

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
    private readonly engine: Pick<ImageEngine, 'listImages' | 'inspectImage' | 'imageHistory'> & Partial<Pick<Engine, 'analyzeImage'>>,
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
    this.update({ list: { status: 'loading' } });
    return this.track(
      // A Docker daemon leaves intermediate images out unless asked for all; the embedded engine always lists them.
      this.engine.listImages(this.current.all ? { all: true } : undefined).then(
        (images) => {
          if (generation !== this.listGeneration) return;
          // The selection as the list arrives: the user may have moved meanwhile (the engine loads after the first frame).
          const selectedKey = this.current.rows[this.current.selected]?.key;
          const rows = imageRows(images, { all: this.current.all });
          const visible = filterRows(rows, this.current.filter, rowText);
          const kept = rows.findIndex((r) => r.key === selectedKey);
          const selected = kept >= 0 && visible.includes(kept) ? kept : (visible[0] ?? 0);
          const same = rows[selected]?.key === selectedKey && this.current.inspect.status === 'ready';
          this.update({ rows, visible, list: { status: 'ready', value: null }, selected, error: undefined });
          if (!same) this.loadDetails();
        },
        (e: unknown) => {
          if (generation !== this.listGeneration) return;
          this.update({ list: { status: 'failed', error: messageOf(e) }, error: messageOf(e) });
        },
      ),
    );
  }

  /** Lists intermediate images too, or not again (`docker images` vs `docker images -a`). */
  toggleAll(): Promise<void> {
    this.update({ all: !this.current.all });
    return this.refresh();
  }

  /** Shows rows read before the engine answered (the store's index, see cli/store-index.ts), unless a list came first. */
  showRows(rows: ImageRow[]): void {
    if (this.current.list.status === 'ready') return;
    const visible = filterRows(rows, this.current.filter, rowText);
    this.update({ rows, visible, selected: visible[0] ?? 0, list: { status: 'ready', value: null } });
    this.loadDetails();
  }

  /** The selected image's row, if it passes the filter. */
  get selectedRow(): ImageRow | undefined {
    return this.current.visible.includes(this.current.selected) ? this.current.rows[this.current.selected] : undefined;
  }

  /** Shows only the rows matching `filter`. */
  setFilter(filter: string): void {
    const visible = filterRows(this.current.rows, filter, rowText);
    const selected = visible.includes(this.current.selected) ? this.current.selected : (visible[0] ?? 0);
    const changed = selected !== this.current.selected;
    this.update({ filter, visible, selected });
    if (changed) this.loadDetails();
  }

  /** Applies a key action. */
  perform(action: BrowserAction): void {
    const s = this.current;
    switch (action) {
      case 'refresh':
        void this.refresh();
        return;
      case 'nextTab':
      case 'prevTab': {
        const step = action === 'nextTab' ? 1 : detailTabs.length - 1;
        this.update({ tab: detailTabs[(detailTabs.indexOf(s.tab) + step) % detailTabs.length] });
        if (this.current.tab === 'layers' && this.current.analysis.status === 'idle') this.loadAnalysis(this.detailsGeneration);
        return;
      }
      case 'aggregate':
        return this.update({ aggregated: !s.aggregated, treeScroll: 0 });
      case 'hideUnchanged':
        return this.update({ layerView: { ...s.layerView, hideUnchanged: !s.layerView.hideUnchanged }, treeScroll: 0 });
      case 'sortTree':
        return this.update({ layerView: { ...s.layerView, sort: s.layerView.sort === 'name' ? 'size' : 'name' }, treeScroll: 0 });
      case 'focusDetails':
        return this.update({ focus: 'details' });
      case 'focusImages':
        return this.update({ focus: 'images' });
    }
    if (s.focus === 'images') this.moveSelection(action);
    else this.moveDetails(action);
  }

  /** Shows only the Layers tab's tree lines whose path contains every word of `filter`. */
  setLayerFilter(filter: string): void {
    this.update({ layerView: { ...this.current.layerView, filter }, treeScroll: 0 });
  }

  /** Selects the visible row at position `index` and fetches its details. */
  select(index: number): void {
    const { visible } = this.current;
    if (visible.length === 0) return;
    const selected = visible[clamp(index, visible.length - 1)];
    if (selected === this.current.selected && this.current.inspect.status !== 'idle') return;
    this.update({ selected });
    this.loadDetails();
  }

  private moveSelection(action: BrowserAction): void {
    const { visible } = this.current;
    const at = Math.max(0, visible.indexOf(this.current.selected));
    const page = this.viewportHeight;
    const target: Partial<Record<BrowserAction, number>> = {
      up: at - 1,
      down: at + 1,
      pageUp: at - page,
      pageDown: at + page,
      top: 0,
      bottom: visible.length - 1,
    };
    const index = target[action];
    if (index !== undefined) this.select(index);
  }

  private moveDetails(action: BrowserAction): void {
    const s = this.current;
    const page = this.viewportHeight;
    if (s.tab === 'layers') {
      // ↑/↓ pick the layer, page keys scroll its file tree.
      const layers = s.analysis.status === 'ready' ? s.analysis.value.layers.length : 0;
      const moves: Partial<Record<BrowserAction, number>> = { up: s.layerCursor - 1, down: s.layerCursor + 1, top: 0, bottom: layers - 1 };
      const cursor = moves[action];
      if (cursor !== undefined) return this.update({ layerCursor: clamp(cursor, layers - 1), treeScroll: 0 });
      if (action === 'pageUp' || action === 'pageDown') this.update({ treeScroll: Math.max(0, s.treeScroll + (action === 'pageDown' ? page : -page)) });
      return;
    }
    if (s.tab === 'inspect') {
      const last = Math.max(0, s.inspectLines.length - this.viewportHeight);
      const target: Partial<Record<BrowserAction, number>> = {
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
    const target: Partial<Record<BrowserAction, number>> = {
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
    const row = this.selectedRow;
    if (!row) {
      this.update({ inspect: { status: 'idle' }, history: { status: 'idle' }, inspectLines: [], inspectScroll: 0, historyCursor: 0 });
      return;
    }
    this.update({ inspect: { status: 'loading' }, history: { status: 'loading' }, inspectLines: [], inspectScroll: 0, historyCursor: 0, analysis: { status: 'idle' }, layerCursor: 0, treeScroll: 0 });
    if (this.current.tab === 'layers') this.loadAnalysis(generation);
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

  private loadAnalysis(generation: number): void {
    const row = this.selectedRow;
    if (!row) return;
    const analyze = this.engine.analyzeImage?.bind(this.engine);
    if (!analyze) return this.update({ analysis: { status: 'failed', error: 'this engine has no layer analysis' } });
    this.update({ analysis: { status: 'loading' } });
    void this.track(
      analyze(row.imageId, { top: 10 }).then(
        (value) => {
          if (generation === this.detailsGeneration) this.update({ analysis: { status: 'ready', value }, layerCursor: value.layers.length - 1 });
        },
        (e: unknown) => {
          if (generation === this.detailsGeneration) this.update({ analysis: { status: 'failed', error: messageOf(e) } });
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
