import type { TuiEngine } from './tui-engine.js';
import type { Loadable } from './image-browser.js';
import { containerRows, type ContainerRow } from './container-rows.js';
import { filterRows } from './list-filter.js';
import { appendOutput, findMatches, type LogLine } from './log-lines.js';
import { changeLines, type ChangeLine } from './change-lines.js';
import { StatsFeed, noStats, type StatsState } from './stats-feed.js';

export type ContainerTab = 'logs' | 'inspect' | 'top' | 'diff' | 'stats';

/** The tabs of the main panel for a container, in order. */
export const containerTabs: readonly ContainerTab[] = ['logs', 'inspect', 'top', 'diff', 'stats'];

/** The Logs tab: the lines so far, the scroll position, follow, and the search. */
export interface LogsState {
  status: 'idle' | 'streaming' | 'ended' | 'failed';
  error?: string;
  lines: LogLine[];
  /** First line shown. */
  scroll: number;
  /** Stick to the end as lines arrive. */
  follow: boolean;
  query: string;
  /** Line indexes that contain the query. */
  matches: number[];
  /** Index into `matches` of the current match, -1 for none. */
  match: number;
}

export interface ContainerBrowserState {
  rows: ContainerRow[];
  list: Loadable<null>;
  /** Indexes into `rows` that pass the filter, in order. */
  visible: number[];
  filter: string;
  /** Index into `rows` of the selected container (kept visible), -1 when none. */
  selected: number;
  tab: ContainerTab;
  inspect: Loadable<Record<string, unknown>>;
  inspectLines: string[];
  inspectScroll: number;
  logs: LogsState;
  top: Loadable<{ Titles: string[]; Processes: string[][] }>;
  /** The Diff tab: the writable layer's changes (docker diff), and the first line shown. */
  diff: Loadable<ChangeLine[]>;
  diffScroll: number;
  stats: StatsState;
}

const noLogs: LogsState = { status: 'idle', lines: [], scroll: 0, follow: true, query: '', matches: [], match: -1 };

const initialState: ContainerBrowserState = {
  rows: [],
  list: { status: 'idle' },
  visible: [],
  filter: '',
  selected: -1,
  tab: 'logs',
  inspect: { status: 'idle' },
  inspectLines: [],
  inspectScroll: 0,
  logs: noLogs,
  top: { status: 'idle' },
  diff: { status: 'idle' },
  diffScroll: 0,
  stats: noStats,
};

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const clamp = (value: number, max: number): number => Math.max(0, Math.min(value, max));

/** The text a row is filtered by. */
const rowText = (r: ContainerRow): string => `${r.name} ${r.image} ${r.state} ${r.ports} ${r.id.slice(0, 12)}`;

/**
 * The view model of the Containers panel and its main panel: the rows (`docker ps -a`), the
 * filter, the selection, and the selected container's Logs (followed as they come), Inspect
 * and Top. Output streams are aborted when the selection or tab changes.
 */
export class ContainerBrowser {
  private current: ContainerBrowserState = initialState;
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private generation = 0;
  private listGeneration = 0;
  private logsAbort: AbortController | undefined;
  private viewportHeight = 10;
  private readonly statsFeed: StatsFeed;
  /** The container the Diff tab shows (its scroll is kept while it stays selected). */
  private diffOf: string | undefined;

  constructor(private readonly engine: TuiEngine) {
    this.statsFeed = new StatsFeed(engine, (stats) => this.update({ stats }));
  }

  get state(): ContainerBrowserState {
    return this.current;
  }

  /** The selected container's row, if any. */
  get selectedRow(): ContainerRow | undefined {
    return this.current.rows[this.current.selected];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setViewportHeight(lines: number): void {
    this.viewportHeight = Math.max(1, lines);
    if (this.current.logs.follow) this.update({ logs: this.followed(this.current.logs) });
  }

  /** Resolves once every request started so far has settled (log streams that follow excepted). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Reloads the list (`docker ps -a`), keeping the selection on the same container. */
  refresh(): Promise<void> {
    const generation = ++this.listGeneration;
    if (this.current.list.status !== 'ready') this.update({ list: { status: 'loading' } });
    return this.track(
      this.engine.listContainers({ all: true }).then(
        (containers) => {
          if (generation !== this.listGeneration) return;
          // The selection as the list arrives: the user may have moved meanwhile (the engine loads after the first frame).
          const selectedId = this.selectedRow?.id;
          const rows = containerRows(containers);
          const visible = filterRows(rows, this.current.filter, rowText);
          const kept = rows.findIndex((r) => r.id === selectedId);
          const selected = kept >= 0 && visible.includes(kept) ? kept : (visible[0] ?? -1);
          this.update({ rows, visible, selected, list: { status: 'ready', value: null } });
          if (rows[selected]?.id !== selectedId) this.loadDetails();
        },
        (e: unknown) => {
          if (generation === this.listGeneration) this.update({ list: { status: 'failed', error: messageOf(e) } });
          throw e;
        },
      ),
    );
  }

  /** Shows rows read before the engine answered (the store's index, see cli/store-index.ts), unless a list came first. */
  showRows(rows: ContainerRow[]): void {
    if (this.current.list.status === 'ready') return;
    const visible = filterRows(rows, this.current.filter, rowText);
    this.update({ rows, visible, selected: visible[0] ?? -1, list: { status: 'ready', value: null } });
    this.loadDetails();
  }

  /** Reloads what the main panel shows for the selected container (after it changed state). */
  reloadDetails(restartLogs = false): void {
    this.loadDetails(restartLogs);
  }

  /** Shows only the rows matching `filter`. */
  setFilter(filter: string): void {
    const visible = filterRows(this.current.rows, filter, rowText);
    const selected = visible.includes(this.current.selected) ? this.current.selected : (visible[0] ?? -1);
    const changed = selected !== this.current.selected;
    this.update({ filter, visible, selected });
    if (changed) this.loadDetails();
  }

  /** Moves the selection within the visible rows: by `step` rows, or to the first/last. */
  moveSelection(to: { step: number } | 'top' | 'bottom'): void {
    const { visible, selected } = this.current;
    if (visible.length === 0) return;
    const at = Math.max(0, visible.indexOf(selected));
    const index = to === 'top' ? 0 : to === 'bottom' ? visible.length - 1 : clamp(at + to.step, visible.length - 1);
    if (visible[index] === selected) return;
    this.update({ selected: visible[index] });
    this.loadDetails();
  }

  setTab(tab: ContainerTab): void {
    if (tab === this.current.tab) return;
    this.update({ tab });
    this.loadDetails();
  }

  /** Scrolls the active tab: Inspect and Logs by lines (scrolling Logs up stops following). */
  scroll(to: { step: number } | 'top' | 'bottom' | { page: number }): void {
    const s = this.current;
    const page = this.viewportHeight;
    const target = (position: number, length: number): number => {
      const last = Math.max(0, length - page);
      if (to === 'top') return 0;
      if (to === 'bottom') return last;
      return clamp(position + ('step' in to ? to.step : to.page * page), last);
    };
    if (s.tab === 'inspect') this.update({ inspectScroll: target(s.inspectScroll, s.inspectLines.length) });
    else if (s.tab === 'diff') this.update({ diffScroll: target(s.diffScroll, s.diff.status === 'ready' ? s.diff.value.length : 0) });
    else if (s.tab === 'logs') {
      const scroll = target(s.logs.scroll, s.logs.lines.length);
      const atEnd = scroll >= Math.max(0, s.logs.lines.length - page);
      this.update({ logs: { ...s.logs, scroll, follow: atEnd && to !== 'top' && (s.logs.follow || to === 'bottom') } });
    }
  }

  /** Follow on: the view jumps to the end and stays there as lines arrive. */
  toggleFollow(): void {
    const logs = this.current.logs;
    this.update({ logs: logs.follow ? { ...logs, follow: false } : this.followed({ ...logs, follow: true }) });
  }

  /** Searches the logs for `query`; the view jumps to the last match (the newest). */
  search(query: string): void {
    const logs = this.current.logs;
    const matches = findMatches(logs.lines, query);
    const match = matches.length - 1;
    this.update({ logs: this.showMatch({ ...logs, query, matches, match, follow: query === '' ? logs.follow : false }) });
  }

  /** Jumps to the next (1) or previous (-1) match, wrapping around. */
  jumpMatch(direction: 1 | -1): void {
    const logs = this.current.logs;
    if (logs.matches.length === 0) return;
    const match = (logs.match + direction + logs.matches.length) % logs.matches.length;
    this.update({ logs: this.showMatch({ ...logs, match, follow: false }) });
  }

  /** Stops the logs stream (the app is closing). */
  close(): void {
    this.logsAbort?.abort();
    this.statsFeed.stop();
  }

  private showMatch(logs: LogsState): LogsState {
    if (logs.match < 0) return logs;
    const line = logs.matches[logs.match];
    const half = Math.floor(this.viewportHeight / 2);
    return { ...logs, scroll: clamp(line - half, Math.max(0, logs.lines.length - this.viewportHeight)) };
  }

  private followed(logs: LogsState): LogsState {
    return logs.follow ? { ...logs, scroll: Math.max(0, logs.lines.length - this.viewportHeight) } : logs;
  }

  private loadDetails(restartLogs = true): void {
    const generation = ++this.generation;
    const row = this.selectedRow;
    if (restartLogs || !row) {
      this.logsAbort?.abort();
      this.logsAbort = undefined;
    }
    if (this.current.tab !== 'stats' || !row || row.id !== this.statsFeed.state.id || restartLogs) this.statsFeed.stop();
    if (!row) {
      this.update({ inspect: { status: 'idle' }, inspectLines: [], inspectScroll: 0, logs: noLogs, top: { status: 'idle' }, diff: { status: 'idle' }, stats: noStats });
      return;
    }
    if (this.current.tab === 'diff') this.loadDiff(row.id, generation);
    if (this.current.tab === 'stats' && (row.id !== this.statsFeed.state.id || this.statsFeed.state.status !== 'streaming')) {
      void this.track(this.statsFeed.follow(row.id, row.state === 'running' || row.state === 'paused'));
    }
    const fresh = this.current.inspect.status !== 'ready' || this.current.inspect.value.Id !== row.id;
    this.update(fresh ? { inspect: { status: 'loading' }, inspectLines: [], inspectScroll: 0 } : {});
    void this.track(
      this.engine.inspectContainer(row.id).then(
        (value) => {
          if (generation !== this.generation) return;
          const inspectLines = JSON.stringify([value], null, 4).split('\n');
          this.update({ inspect: { status: 'ready', value }, inspectLines, inspectScroll: fresh ? 0 : clamp(this.current.inspectScroll, inspectLines.length - 1) });
        },
        (e: unknown) => {
          if (generation === this.generation) this.update({ inspect: { status: 'failed', error: messageOf(e) } });
        },
      ),
    );
    if (this.current.tab === 'logs' && (restartLogs || this.logsAbort === undefined)) this.streamLogs(row.id);
    if (this.current.tab === 'top') {
      if (row.state !== 'running' && row.state !== 'paused') {
        this.update({ top: { status: 'failed', error: `Container ${row.id.slice(0, 12)} is not running` } });
      } else {
        this.update({ top: { status: 'loading' } });
        void this.track(
          this.engine.topContainer(row.id).then(
            (value) => {
              if (generation === this.generation) this.update({ top: { status: 'ready', value } });
            },
            (e: unknown) => {
              if (generation === this.generation) this.update({ top: { status: 'failed', error: messageOf(e) } });
            },
          ),
        );
      }
    }
  }

  private loadDiff(id: string, generation: number): void {
    const changes = this.engine.containerChanges?.bind(this.engine);
    if (!changes) return this.update({ diff: { status: 'failed', error: 'this engine has no container diff' } });
    const fresh = this.diffOf !== id;
    this.diffOf = id;
    if (fresh || this.current.diff.status !== 'ready') this.update({ diff: { status: 'loading' }, diffScroll: 0 });
    void this.track(
      changes(id).then(
        (list) => {
          if (generation !== this.generation) return;
          const value = changeLines(list);
          this.update({ diff: { status: 'ready', value }, diffScroll: fresh ? 0 : clamp(this.current.diffScroll, Math.max(0, value.length - 1)) });
        },
        (e: unknown) => {
          if (generation === this.generation) this.update({ diff: { status: 'failed', error: messageOf(e) } });
        },
      ),
    );
  }

  private streamLogs(id: string): void {
    this.logsAbort?.abort();
    const abort = new AbortController();
    this.logsAbort = abort;
    const query = this.current.logs.query;
    this.update({ logs: { ...noLogs, query, status: 'streaming' } });
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const partial = { stdout: '', stderr: '' };
    const opened = this.engine.containerLogs(id, { stdout: true, stderr: true, follow: true, tail: 2000, signal: abort.signal });
    // The first answer is awaited by settled(); the stream that follows is not (it ends with the container).
    void this.track(opened.then(() => undefined));
    void (async () => {
      try {
        const { records } = await opened;
        for await (const record of records) {
          if (abort.signal.aborted) return;
          const stderr = record.stream === 'stderr';
          const text = decoders[record.stream].decode(record.bytes, { stream: true });
          this.addLines(appendOutput(this.current.logs.lines, partial, text, stderr));
        }
        if (abort.signal.aborted) return;
        const rest = [...(partial.stdout ? [{ text: partial.stdout, stderr: false }] : []), ...(partial.stderr ? [{ text: partial.stderr, stderr: true }] : [])];
        this.addLines(this.current.logs.lines.concat(rest), 'ended');
      } catch (e) {
        if (!abort.signal.aborted) this.update({ logs: { ...this.current.logs, status: 'failed', error: messageOf(e) } });
      }
    })();
  }

  private addLines(lines: LogLine[], status: LogsState['status'] = this.current.logs.status): void {
    const logs = this.current.logs;
    const matches = findMatches(lines, logs.query);
    const match = logs.match >= 0 ? Math.min(logs.match, matches.length - 1) : -1;
    this.update({ logs: this.followed({ ...logs, lines, status, matches, match }) });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
  }

  private update(change: Partial<ContainerBrowserState>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener();
  }
}
