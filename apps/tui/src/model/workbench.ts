import type { DiskUsage, EngineEvent, ProgressMessage, VolumeInfo } from '@strata/core';
import { hasErrorKind } from './error-kind.js';
import { ContainerBrowser, containerTabs } from './container-browser.js';
import { ImageBrowser, detailTabs, type Loadable } from './image-browser.js';
import { actionFor, bindingsIn, defaultKeymap, type Action, type KeyBinding, type KeyPress, type Scope } from './keymap.js';
import type { TuiEngine } from './tui-engine.js';
import { commitForm, logsText } from './container-commands.js';
import type { SessionOutcome, TerminalSession } from './terminal-session.js';
import type { ContainerRow } from './container-rows.js';
import type { ImageRow } from './image-rows.js';
import { linesToCopy, type CopyToClipboard } from './clipboard.js';
import { pruneKinds } from './disk-overview.js';
import type { HostFiles } from './host-files.js';
import { ImageWork, type WorkHost } from './image-work.js';
import { JobBoard } from './job-board.js';
import { layerTree } from './layer-tree.js';
import { shownTree } from './layer-view.js';
import { runRequest } from './run-request.js';
import { StoreCleanup } from './store-cleanup.js';

export type PanelId = 'containers' | 'images' | 'volumes' | 'disk';

/** The panels on the left, in the order their number keys select them. */
export const panelIds: readonly PanelId[] = ['containers', 'images', 'volumes', 'disk'];

/** Work that runs while the user keeps browsing. */
export interface Task {
  id: number;
  label: string;
  /** The engine's latest progress line (`Loading layer ...`). */
  progress?: string;
}

export interface FormField {
  name: string;
  label: string;
  value: string;
  placeholder?: string;
}

/** What takes the keys until it is answered: a yes/no question, a form, or typed text (filter, search). */
export type Dialog =
  | { kind: 'confirm'; message: string; onConfirm: () => void }
  | { kind: 'form'; title: string; fields: FormField[]; field: number; onSubmit: (values: Record<string, string>) => void }
  | { kind: 'text'; purpose: 'filter' | 'search' | 'paths'; text: string };

export interface WorkbenchState {
  panel: PanelId;
  focus: 'side' | 'main';
  help: boolean;
  /** Lines the help overlay is scrolled down by (↓/↑ scroll it, other keys close it). */
  helpScroll: number;
  dialog?: Dialog;
  tasks: Task[];
  /** The engine's message for the last failure, until the next action. */
  error?: string;
  /** What the last action did (`Untagged: ...`), until the next one. */
  notice?: string;
  disk: Loadable<DiskUsage>;
  /** The Volumes panel: the volumes, the selection, and who uses the selected one. */
  volumes: Loadable<VolumeInfo[]>;
  volumeSelected: number;
  volumeUsers: Loadable<string[]>;
  /** The IDs of the containers using each volume, by volume name (the Volumes list's column). */
  volumeUse: Record<string, string[]>;
  /** The jobs panel (pull, build, save, prune, extract) replaces the main panel. */
  jobsOpen: boolean;
  /** The Disk usage panel's selected row (images, containers, volumes, build cache). */
  diskSelected: number;
  quit: boolean;
  /** A shell or attach waiting for the terminal: the app leaves its screen and runs it (see browse.tsx). */
  handover?: TerminalSession;
}

export interface WorkbenchOptions {
  keymap?: readonly KeyBinding[];
  /** Opens a `docker save` archive on the host, for the load form (Node gives it; tests too). */
  openArchive?: (path: string) => Promise<ReadableStream<Uint8Array>>;
  /** Problems with keys.json to show at startup. */
  notices?: string[];
  /** What to say at startup when nothing went wrong (which engine the app is on). */
  info?: string;
  /** Writes text to a file on the host (the Logs tab's save); resolves with the path written. */
  saveText?: (path: string, text: string) => Promise<string>;
  /** The host's files for save, build and extract (Node gives them; without them those say so). */
  hostFiles?: HostFiles;
  /** The terminal's clipboard (OSC 52), for the Logs tab's copy. */
  copyToClipboard?: CopyToClipboard;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The whole app as plain data: which panel and which side has the focus, dialogs, tasks,
 * errors, and the per-panel view models (containers, images). Keys arrive as presses and are
 * looked up in the keymap for the scopes active right now. Lists refresh from the engine's
 * event stream, never on a timer.
 */
export class Workbench {
  readonly containers: ContainerBrowser;
  readonly images: ImageBrowser;
  readonly keymap: readonly KeyBinding[];
  /** Long work (pull, build, save, prune, extract) with its progress and log. */
  readonly jobs = new JobBoard();
  private readonly imageWork: ImageWork;
  private readonly cleanup: StoreCleanup;
  private current: WorkbenchState;
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly eventsAbort = new AbortController();
  private taskIds = 0;
  private changes = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private dirty = { containers: false, images: false, details: false, restartLogs: false };
  /** A container to select once it shows up in the list (the one `run` just created). */
  private wantedContainer: string | undefined;

  constructor(
    private readonly engine: TuiEngine,
    private readonly options: WorkbenchOptions = {},
  ) {
    this.keymap = options.keymap ?? defaultKeymap;
    this.containers = new ContainerBrowser(engine);
    this.images = new ImageBrowser(engine);
    this.current = {
      panel: 'containers',
      focus: 'side',
      help: false,
      helpScroll: 0,
      tasks: [],
      disk: { status: 'idle' },
      volumes: { status: 'idle' },
      volumeSelected: 0,
      volumeUsers: { status: 'idle' },
      volumeUse: {},
      jobsOpen: false,
      diskSelected: 0,
      quit: false,
      ...(options.notices && options.notices.length > 0 ? { error: options.notices.join('; ') } : {}),
      ...(options.info ? { notice: options.info } : {}),
    };
    this.containers.subscribe(() => this.emit());
    this.images.subscribe(() => this.emit());
    this.jobs.subscribe(() => this.emit());
    const host: WorkHost = {
      ask: (dialog) => this.update({ dialog }),
      fail: (error) => this.update({ error, notice: undefined }),
      notify: (notice) => this.update({ notice, error: undefined }),
      showJobs: () => this.update({ jobsOpen: true }),
    };
    this.imageWork = new ImageWork(engine, this.jobs, host, options.hostFiles);
    this.cleanup = new StoreCleanup(engine, this.jobs, host);
  }

  get state(): WorkbenchState {
    return this.current;
  }

  /** Counts changes of the workbench or its panels: the snapshot React compares. */
  get version(): number {
    return this.changes;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads both lists and starts following the engine's events. */
  start(): Promise<void> {
    void this.followEvents();
    return this.track(Promise.all([this.refreshContainers(), this.images.refresh()]).then(() => undefined));
  }

  /** Shows both lists as read from the store's index while the engine loads; `start` replaces them with its own. */
  showIndex(index: { containers: ContainerRow[]; images: ImageRow[] }): void {
    this.containers.showRows(index.containers);
    this.images.showRows(index.images);
  }

  /** What the startup options would have said, once the engine is known (it loads after the first frame). */
  announce(found: { info?: string; notices?: string[] }): void {
    if (found.notices && found.notices.length > 0) this.update({ error: [this.current.error, ...found.notices].filter(Boolean).join('; ') });
    else if (found.info && this.current.notice === undefined && this.current.error === undefined) this.update({ notice: found.info });
  }

  /** Stops following events and logs. */
  close(): void {
    this.eventsAbort.abort();
    this.containers.close();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  /** Resolves once every request and task started so far has settled. */
  async settled(): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.pending]);
      await this.containers.settled();
      await this.images.settled();
      await this.jobs.settled();
      if (this.pending.size === 0 && !this.refreshTimer) return;
      if (this.refreshTimer) await new Promise((r) => setTimeout(r, 60));
    }
  }

  /** Lines the main panel shows, for paging. */
  setViewportHeight(lines: number): void {
    this.containers.setViewportHeight(lines);
    this.images.setViewportHeight(lines);
  }

  /** The scopes whose keys work right now, most specific first. */
  activeScopes(): Scope[] {
    const s = this.current;
    if (s.dialog) return [s.dialog.kind];
    const panelScope: Scope[] = s.panel === 'containers' ? ['containers'] : s.panel === 'images' ? ['images'] : s.panel === 'volumes' ? ['volumes'] : ['disk'];
    if (s.focus === 'main') {
      const logs: Scope[] =
        s.panel === 'containers' && this.containers.state.tab === 'logs' ? ['logs'] : s.panel === 'images' && this.images.state.tab === 'layers' ? ['layers'] : [];
      return [...logs, 'main', ...panelScope, 'global'];
    }
    return ['list', ...panelScope, 'global'];
  }

  /** The bindings the key bar shows. */
  visibleBindings(): KeyBinding[] {
    return bindingsIn(this.keymap, this.activeScopes()).filter((b) => b.hint !== undefined);
  }

  /** The tabs of the main panel for the current panel. */
  tabs(): readonly string[] {
    return this.current.panel === 'containers' ? containerTabs : this.current.panel === 'images' ? detailTabs : [];
  }

  /** Handles one key press from the terminal. */
  press(press: KeyPress): void {
    const s = this.current;
    if (s.help) {
      const scroll: Partial<Record<Action, number>> = { down: 1, up: -1, pageDown: 10, pageUp: -10 };
      const action = actionFor(this.keymap, press, ['list', 'global']);
      if (action === 'quit') this.update({ quit: true });
      else if (action && scroll[action] !== undefined) this.update({ helpScroll: Math.max(0, s.helpScroll + (scroll[action] ?? 0)) });
      else this.update({ help: false });
      return;
    }
    const action = actionFor(this.keymap, press, this.activeScopes());
    const keys = [...press.input];
    if (!action && press.meta && !press.ctrl && keys.length === 1 && !press.escape) {
      // Esc and the next key typed fast arrive as one alt-key, which nothing here binds: both are still keys.
      this.press({ input: '', escape: true, meta: true });
      this.press({ input: press.input });
      return;
    }
    if (!action && !s.dialog && keys.length > 1 && !press.ctrl && !press.meta) {
      // Keys typed while the app was busy arrive together (`JS`): each is still a key.
      for (const input of keys) this.press({ input });
      return;
    }
    if (s.dialog?.kind === 'form' || s.dialog?.kind === 'text') {
      if (action) return this.perform(action);
      return this.type(press);
    }
    if (action) this.perform(action);
  }

  /** Applies an action from the keymap. */
  perform(action: Action): void {
    const s = this.current;
    if (s.dialog) return this.answerDialog(s.dialog, action);
    // A new action clears the last one's message.
    if (s.error !== undefined || s.notice !== undefined) this.update({ error: undefined, notice: undefined });
    switch (action) {
      case 'quit':
        return this.update({ quit: true });
      case 'help':
        return this.update({ help: true, helpScroll: 0 });
      case 'panelContainers':
        return this.showPanel('containers');
      case 'panelImages':
        return this.showPanel('images');
      case 'panelVolumes':
        return this.showPanel('volumes');
      case 'panelDisk':
        return this.showPanel('disk');
      case 'jobs':
        return this.update({ jobsOpen: !s.jobsOpen });
      case 'cancelJob':
        if (!this.jobs.cancelNewest()) this.update({ notice: 'no pull, build or save is running' });
        return;
      case 'focusMain':
        if (s.panel === 'images') this.images.perform('focusDetails');
        return this.update({ focus: s.panel === 'containers' || s.panel === 'images' ? 'main' : 'side' });
      case 'focusSide':
        if (s.panel === 'images') this.images.perform('focusImages');
        return this.update({ focus: 'side' });
      case 'filter':
        if (s.focus === 'main' && s.panel === 'images' && this.images.state.tab === 'layers') {
          return this.update({ dialog: { kind: 'text', purpose: 'paths', text: this.images.state.layerView.filter } });
        }
        if (s.focus === 'main' && s.panel === 'containers' && this.containers.state.tab === 'logs') {
          return this.update({ dialog: { kind: 'text', purpose: 'search', text: this.containers.state.logs.query } });
        }
        if (s.panel === 'containers' || s.panel === 'images') {
          const text = s.panel === 'containers' ? this.containers.state.filter : this.images.state.filter;
          return this.update({ focus: 'side', dialog: { kind: 'text', purpose: 'filter', text } });
        }
        return;
      case 'refresh':
        void this.refreshContainers();
        void this.images.refresh();
        if (s.panel === 'disk') this.loadDisk();
        return;
      case 'nextTab':
      case 'prevTab':
        return this.switchTab(action === 'nextTab' ? 1 : -1);
    }
    if (s.panel === 'containers') return this.containerAction(action);
    if (s.panel === 'images') return this.imageAction(action);
    if (s.panel === 'volumes') return this.volumeAction(action);
    if (s.panel === 'disk') return this.diskAction(action);
  }

  private diskAction(action: Action): void {
    const s = this.current;
    if (action === 'up' || action === 'down') {
      return this.update({ diskSelected: Math.max(0, Math.min(pruneKinds.length - 1, s.diskSelected + (action === 'up' ? -1 : 1))) });
    }
    if (action !== 'pruneSelected' && action !== 'pruneAll') return;
    const kinds = action === 'pruneAll' ? pruneKinds : [pruneKinds[s.diskSelected]];
    this.cleanup.askPrune(kinds, s.disk.status === 'ready' ? s.disk.value : undefined, () => this.loadDisk());
  }

  private volumeAction(action: Action): void {
    const list = this.current.volumes.status === 'ready' ? this.current.volumes.value : [];
    const moves: Partial<Record<Action, number>> = { up: -1, down: 1, pageUp: -10, pageDown: 10, top: -list.length, bottom: list.length };
    const step = moves[action];
    if (step !== undefined) {
      const volumeSelected = Math.max(0, Math.min(list.length - 1, this.current.volumeSelected + step));
      if (volumeSelected !== this.current.volumeSelected) {
        this.update({ volumeSelected });
        this.loadVolumeUsers();
      }
      return;
    }
    if (action === 'createVolume') return this.cleanup.askCreateVolume(() => this.loadVolumes());
    if (action === 'pruneVolumes') {
      return void this.track(
        this.unusedVolumes(list.map((v) => v.Name)).then(
          (unused) => this.cleanup.askPruneVolumes(unused, () => this.loadVolumes()),
          (e: unknown) => this.update({ error: messageOf(e) }),
        ),
      );
    }
    const volume = list[this.current.volumeSelected];
    if (action === 'removeVolume' && volume && this.engine.removeVolume) {
      const remove = this.engine.removeVolume.bind(this.engine);
      this.update({
        dialog: {
          kind: 'confirm',
          message: `Remove volume ${volume.Name}?`,
          onConfirm: () =>
            this.runTask(`removing volume ${volume.Name}`, async () => {
              await remove(volume.Name);
              // Not every engine announces volume removals on its event stream.
              this.loadVolumes();
            }),
        },
      });
    }
  }

  /** The volumes of `names` no container uses. */
  private async unusedVolumes(names: string[]): Promise<string[]> {
    const use = await this.volumeUseOf(names);
    return names.filter((n) => (use[n] ?? []).length === 0);
  }

  /** Who uses each volume of `names` (no one, for an engine that cannot say). */
  private async volumeUseOf(names: string[]): Promise<Record<string, string[]>> {
    const users = this.engine.volumeUsers?.bind(this.engine);
    if (!users) return {};
    const ids = await Promise.all(names.map((n) => users(n)));
    return Object.fromEntries(names.map((n, i) => [n, ids[i]]));
  }

  private loadVolumes(): void {
    const list = this.engine.listVolumes?.bind(this.engine);
    if (!list) return this.update({ volumes: { status: 'failed', error: 'this engine has no volumes' } });
    if (this.current.volumes.status !== 'ready') this.update({ volumes: { status: 'loading' } });
    void this.track(
      list().then(
        (r) => {
          const value = [...r.Volumes].sort((a, b) => (a.Name < b.Name ? -1 : 1));
          this.update({ volumes: { status: 'ready', value }, volumeSelected: Math.min(this.current.volumeSelected, Math.max(0, value.length - 1)) });
          this.loadVolumeUsers();
          void this.track(this.volumeUseOf(value.map((v) => v.Name)).then((volumeUse) => this.update({ volumeUse }), () => undefined));
        },
        (e: unknown) => this.update({ volumes: { status: 'failed', error: messageOf(e) } }),
      ),
    );
  }

  private loadVolumeUsers(): void {
    const volume = this.current.volumes.status === 'ready' ? this.current.volumes.value[this.current.volumeSelected] : undefined;
    const users = this.engine.volumeUsers?.bind(this.engine);
    if (!volume || !users) return this.update({ volumeUsers: { status: 'idle' } });
    this.update({ volumeUsers: { status: 'loading' } });
    void this.track(
      users(volume.Name).then(
        (value) => this.update({ volumeUsers: { status: 'ready', value } }),
        (e: unknown) => this.update({ volumeUsers: { status: 'failed', error: messageOf(e) } }),
      ),
    );
  }

  private showPanel(panel: PanelId): void {
    if (panel !== 'images') this.images.perform('focusImages');
    this.update({ panel, focus: 'side' });
    if (panel === 'disk') this.loadDisk();
    if (panel === 'volumes') this.loadVolumes();
  }

  private switchTab(step: 1 | -1): void {
    if (this.current.panel === 'images') return this.images.perform(step === 1 ? 'nextTab' : 'prevTab');
    if (this.current.panel !== 'containers') return;
    const at = containerTabs.indexOf(this.containers.state.tab);
    this.containers.setTab(containerTabs[(at + step + containerTabs.length) % containerTabs.length]);
  }

  private containerAction(action: Action): void {
    const c = this.containers;
    const moves: Partial<Record<Action, { step: number } | 'top' | 'bottom' | { page: number }>> = {
      up: { step: -1 },
      down: { step: 1 },
      top: 'top',
      bottom: 'bottom',
    };
    if (this.current.focus === 'main') {
      const pages: Partial<Record<Action, { page: number }>> = { pageUp: { page: -1 }, pageDown: { page: 1 } };
      const move = moves[action] ?? pages[action];
      if (move) return c.scroll(move);
      if (action === 'follow') return c.toggleFollow();
      if (action === 'nextMatch') return c.jumpMatch(1);
      if (action === 'prevMatch') return c.jumpMatch(-1);
      if (action === 'saveLogs' && c.state.tab === 'logs') return this.saveLogs();
      if (action === 'copyLogs' && c.state.tab === 'logs') return this.copyLogs();
    } else {
      const move = moves[action];
      if (move && move !== 'top' && move !== 'bottom' && 'step' in move) return c.moveSelection(move);
      if (move === 'top' || move === 'bottom') return c.moveSelection(move);
      if (action === 'pageUp' || action === 'pageDown') return c.moveSelection({ step: action === 'pageUp' ? -10 : 10 });
    }
    const row = c.selectedRow;
    if (!row) return;
    const name = row.name;
    switch (action) {
      case 'start':
        return this.runTask(`starting ${name}`, () => this.engine.startContainer(row.id));
      case 'stop':
        return this.runTask(`stopping ${name}`, () => this.engine.stopContainer(row.id));
      case 'restart':
        return this.runTask(`restarting ${name}`, () => this.engine.restartContainer(row.id));
      case 'kill':
        return this.runTask(`killing ${name}`, () => this.engine.killContainer(row.id));
      case 'pause':
        return row.state === 'paused'
          ? this.runTask(`unpausing ${name}`, () => this.engine.unpauseContainer(row.id))
          : this.runTask(`pausing ${name}`, () => this.engine.pauseContainer(row.id));
      case 'shell':
      case 'attach':
        if (row.state !== 'running') return this.update({ error: `Container ${row.id.slice(0, 12)} is ${row.state === 'paused' ? 'paused, unpause the container before exec' : 'not running'}` });
        return this.update({ handover: { kind: action, containerId: row.id, name } });
      case 'commit': {
        const commit = this.engine.commitContainer?.bind(this.engine);
        if (!commit) return this.update({ error: 'this engine cannot commit containers' });
        return this.update({
          dialog: commitForm(name, (request) => {
            const id = ++this.taskIds;
            this.runTask(
              `committing ${name}${request.reference ? ` to ${request.reference}` : ''}`,
              async () => {
                const changes = await this.engine.containerChanges?.(row.id).catch(() => undefined);
                if (changes) this.setTaskProgress(id, `${changes.length} changed paths to a new layer`);
                const image = await commit(row.id, request.options);
                this.update({ notice: `Committed ${name}: ${image}${request.reference ? ` (${request.reference})` : ''}` });
              },
              id,
            );
          }, (message) => this.update({ error: message })),
        });
      }
      case 'remove': {
        const running = row.state === 'running' || row.state === 'paused' || row.state === 'restarting';
        return this.update({
          dialog: {
            kind: 'confirm',
            message: running ? `Container ${name} is ${row.state}. Kill and remove it?` : `Remove container ${name}?`,
            onConfirm: () => this.runTask(`removing ${name}`, () => this.engine.removeContainer(row.id, { force: running })),
          },
        });
      }
    }
  }

  /** The terminal is the app's again after a shell or attach: say how it ended, and reload what it may have changed. */
  endHandover(outcome: SessionOutcome): void {
    this.update({ handover: undefined, ...(outcome.failed ? { error: outcome.message, notice: undefined } : { notice: outcome.message, error: undefined }) });
    void this.refreshContainers().then(() => this.containers.reloadDetails());
  }

  private copyLogs(): void {
    const copy = this.options.copyToClipboard;
    const row = this.containers.selectedRow;
    if (!copy || !row) return this.update({ error: 'copying needs a terminal: save the logs to a file with w instead' });
    const { lines, matches, query } = this.containers.state.logs;
    const chosen = linesToCopy(lines, matches, query);
    if (chosen.length === 0) return this.update({ notice: `no log lines of ${row.name} to copy` });
    const { lines: copied } = copy(chosen);
    const searched = query !== '' && matches.length > 0;
    const count = copied < chosen.length ? `the last ${copied} of ${chosen.length}` : `${copied}`;
    const kind = `${searched ? '' : 'log '}line${chosen.length === 1 ? '' : 's'}${searched ? ` matching /${query}/` : ''}`;
    const what = `${count} ${kind}`;
    // The terminal never says whether it took the text: say how to get it when it did not.
    this.update({ notice: `copied ${what} of ${row.name} to the clipboard (OSC 52; none there? tmux needs set-clipboard on, or save with w)`, error: undefined });
  }

  private saveLogs(): void {
    const save = this.options.saveText;
    const row = this.containers.selectedRow;
    if (!save || !row) return this.update({ error: 'saving files is not available here' });
    const lines = this.containers.state.logs.lines;
    this.update({
      dialog: {
        kind: 'form',
        title: `Write the ${lines.length} log lines of ${row.name} to a file`,
        fields: [{ name: 'path', label: 'File', value: `${row.name}.log` }],
        field: 0,
        onSubmit: (v) =>
          this.runTask(`writing the logs of ${row.name}`, async () => {
            const written = await save(v.path.trim(), logsText(lines));
            this.update({ notice: `Wrote ${lines.length} lines to ${written}` });
          }),
      },
    });
  }

  private imageAction(action: Action): void {
    if (action === 'aggregate' || action === 'hideUnchanged' || action === 'sortTree') return this.images.perform(action);
    if (action === 'pull') return this.imageWork.askPull();
    if (action === 'build') return this.imageWork.askBuild();
    if (action === 'allImages') {
      void this.track(this.images.toggleAll());
      return this.update({ notice: this.images.state.all ? 'listing intermediate images too (docker images -a)' : 'intermediate images hidden, as docker images does' });
    }
    const navigation: Partial<Record<Action, 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom'>> = {
      up: 'up',
      down: 'down',
      pageUp: 'pageUp',
      pageDown: 'pageDown',
      top: 'top',
      bottom: 'bottom',
    };
    const move = navigation[action];
    if (move) return this.images.perform(move);
    if (action === 'load') {
      return this.update({
        dialog: {
          kind: 'form',
          title: 'Load images from a docker save archive',
          fields: [{ name: 'path', label: 'Archive', value: '', placeholder: 'image.tar (plain, gzip, bzip2 or xz)' }],
          field: 0,
          onSubmit: (v) => this.load(v.path),
        },
      });
    }
    const row = this.images.selectedRow;
    if (!row) return;
    const reference = row.repository === '<none>' ? row.imageId : `${row.repository}:${row.tag}`;
    switch (action) {
      case 'save':
        return this.imageWork.askSave(reference);
      case 'extract': {
        const report = this.images.state.analysis;
        // The first path the Layers filter shows is the likely one to extract.
        const tree = report.status === 'ready' ? shownTree(layerTree(report.value, this.images.state.layerCursor, true), this.images.state.layerView) : [];
        const suggested = this.images.state.layerView.filter ? (tree.find((l) => l.kind !== 'd' && l.change !== 'removed')?.path ?? '') : '';
        return this.imageWork.askExtract(row.imageId, reference, suggested ? `/${suggested.replace(/^\/+/, '')}` : '');
      }
      case 'run':
        return this.update({
          dialog: {
            kind: 'form',
            title: `Run a container from ${reference}`,
            fields: [
              { name: 'name', label: 'Name', value: '', placeholder: 'a random name' },
              { name: 'command', label: 'Command', value: '', placeholder: "the image's CMD" },
              { name: 'env', label: 'Env', value: '', placeholder: 'KEY=value KEY2="with spaces"' },
              { name: 'ports', label: 'Ports', value: '', placeholder: 'HOST:CONTAINER[/udp] ..., e.g. 8080:80' },
              { name: 'volumes', label: 'Volumes', value: '', placeholder: 'NAME:/path or /host/path:/path[:ro] ...' },
            ],
            field: 0,
            onSubmit: (v) => this.run(reference, v),
          },
        });
      case 'tag':
        return this.update({
          dialog: {
            kind: 'form',
            title: `Tag ${reference}`,
            fields: [{ name: 'target', label: 'New tag', value: '', placeholder: 'repository[:tag]' }],
            field: 0,
            onSubmit: (v) => this.tag(reference, v.target),
          },
        });
      case 'removeImage':
        return this.update({
          dialog: {
            kind: 'confirm',
            message: `Remove image ${reference}?`,
            onConfirm: () =>
              this.runTask(`removing ${reference}`, async () => {
                const items = await this.engine.removeImage(reference);
                this.update({ notice: items.map((i) => ('Untagged' in i ? `Untagged: ${i.Untagged}` : `Deleted: ${i.Deleted}`)).join('  ') });
              }),
          },
        });
    }
  }

  private run(reference: string, values: Record<string, string>): void {
    let request: ReturnType<typeof runRequest>;
    try {
      request = runRequest(reference, values);
    } catch (e) {
      return this.update({ error: messageOf(e) });
    }
    const name = request.name ?? '';
    this.runTask(`running ${name || reference}`, async () => {
      const created = await this.engine.createContainer(request.body, name ? { name } : {});
      // Shown in the Containers panel as soon as it is listed, even if it fails to start.
      this.wantedContainer = created.Id;
      this.update({ panel: 'containers', focus: 'side' });
      this.images.perform('focusImages');
      await this.refreshContainers();
      await this.engine.startContainer(created.Id);
    });
  }

  private tag(reference: string, target: string): void {
    const trimmed = target.trim();
    const colon = trimmed.lastIndexOf(':');
    const [repo, tag] = colon > trimmed.lastIndexOf('/') ? [trimmed.slice(0, colon), trimmed.slice(colon + 1)] : [trimmed, undefined];
    this.runTask(`tagging ${reference}`, () => this.engine.tagImage(reference, repo, tag));
  }

  private load(path: string): void {
    const open = this.options.openArchive;
    if (!open) return this.update({ error: 'loading archives is not available here' });
    const id = ++this.taskIds;
    const label = `loading ${path}`;
    this.runTask(
      label,
      async () => {
        const archive = await open(path.trim());
        const onProgress = (m: ProgressMessage) => {
          const text = m.stream?.trim() || [m.status, m.progress].filter(Boolean).join(' ');
          if (text) this.setTaskProgress(id, text);
        };
        const result = await this.engine.loadImages(archive, { onProgress });
        this.update({ notice: result.messages.join('  ') });
      },
      id,
    );
  }

  private answerDialog(dialog: Dialog, action: Action): void {
    if (dialog.kind === 'confirm') {
      if (action === 'confirm') {
        this.update({ dialog: undefined });
        dialog.onConfirm();
      } else if (action === 'cancel') this.update({ dialog: undefined });
      return;
    }
    if (dialog.kind === 'text') {
      if (action === 'cancel') this.applyText({ ...dialog, text: '' });
      if (action === 'submit' || action === 'cancel') this.update({ dialog: undefined, focus: dialog.purpose === 'filter' ? 'side' : 'main' });
      return;
    }
    const count = dialog.fields.length;
    switch (action) {
      case 'cancel':
        return this.update({ dialog: undefined });
      case 'nextField':
      case 'prevField':
        return this.update({ dialog: { ...dialog, field: (dialog.field + (action === 'nextField' ? 1 : count - 1)) % count } });
      case 'submit': {
        this.update({ dialog: undefined });
        dialog.onSubmit(Object.fromEntries(dialog.fields.map((f) => [f.name, f.value])));
        return;
      }
    }
  }

  /** Typed characters and backspace in a form field or in the filter/search text. */
  private type(press: KeyPress): void {
    const dialog = this.current.dialog;
    if (!dialog || dialog.kind === 'confirm') return;
    const current = dialog.kind === 'text' ? dialog.text : dialog.fields[dialog.field].value;
    let next = current;
    if (press.backspace || press.delete) next = [...current].slice(0, -1).join('');
    else if (press.ctrl && press.input === 'w') next = current.replace(/\S*\s*$/, '');
    else if (press.ctrl && press.input === 'u') next = '';
    else if (!press.ctrl && !press.meta && press.input && !press.escape && !press.return && !press.tab) {
      // Fast typing and pastes arrive as one input: a tab in it moves to the next field and a
      // newline submits, as the keys would one by one.
      const control = press.input.search(/[\t\r\n]/);
      const text = (control >= 0 ? press.input.slice(0, control) : press.input).replace(/[\u0000-\u001f\u007f]/g, '');
      if (control >= 0) {
        if (text !== '') this.type({ input: text });
        this.perform(press.input[control] === '\t' ? 'nextField' : 'submit');
        const rest = press.input.slice(control + 1);
        if (rest !== '') this.type({ input: rest });
        return;
      }
      next = current + text;
    }
    if (next === current) return;
    if (dialog.kind === 'text') {
      const changed = { ...dialog, text: next };
      this.update({ dialog: changed });
      this.applyText(changed);
    } else {
      const fields = dialog.fields.map((f, i) => (i === dialog.field ? { ...f, value: next } : f));
      this.update({ dialog: { ...dialog, fields } });
    }
  }

  private applyText(dialog: Extract<Dialog, { kind: 'text' }>): void {
    if (dialog.purpose === 'search') return this.containers.search(dialog.text);
    if (dialog.purpose === 'paths') return this.images.setLayerFilter(dialog.text);
    if (this.current.panel === 'containers') this.containers.setFilter(dialog.text);
    else if (this.current.panel === 'images') this.images.setFilter(dialog.text);
  }

  /** Runs `work` in the background: listed as a task while it runs, its failure shown as the engine's message. */
  private runTask(label: string, work: () => Promise<unknown>, id = ++this.taskIds): void {
    this.update({ tasks: [...this.current.tasks, { id, label }] });
    void this.track(
      (async () => {
        try {
          await work();
        } catch (e) {
          // A 304 from the engine (already started, already stopped) is not a failure to the user.
          if (hasErrorKind(e, 'not-modified')) this.update({ notice: `${label}: nothing to do (${messageOf(e) || 'already in that state'})` });
          else this.update({ error: messageOf(e) });
        } finally {
          this.update({ tasks: this.current.tasks.filter((t) => t.id !== id) });
        }
      })(),
    );
  }

  private setTaskProgress(id: number, progress: string): void {
    this.update({ tasks: this.current.tasks.map((t) => (t.id === id ? { ...t, progress } : t)) });
  }

  private loadDisk(): void {
    if (this.current.disk.status !== 'ready') this.update({ disk: { status: 'loading' } });
    void this.track(
      this.engine.diskUsage().then(
        (value) => this.update({ disk: { status: 'ready', value } }),
        (e: unknown) => this.update({ disk: { status: 'failed', error: messageOf(e) } }),
      ),
    );
  }

  private async refreshContainers(): Promise<void> {
    try {
      await this.containers.refresh();
      const wanted = this.wantedContainer;
      if (wanted) {
        const index = this.containers.state.rows.findIndex((r) => r.id === wanted);
        if (index >= 0) {
          this.wantedContainer = undefined;
          if (!this.containers.state.visible.includes(index)) this.containers.setFilter('');
          const at = this.containers.state.visible.indexOf(index);
          this.containers.moveSelection('top');
          this.containers.moveSelection({ step: at });
        }
      }
    } catch (e) {
      this.update({ error: messageOf(e) });
    }
  }

  private async followEvents(): Promise<void> {
    const signal = this.eventsAbort.signal;
    try {
      // No `since`: the engine's clock may not be this process's (tests run on a fake one); the
      // embedded engine then replays its recent past once, which costs one coalesced refresh.
      for await (const event of this.engine.events({ signal })) {
        if (signal.aborted) return;
        this.onEvent(event);
      }
    } catch (e) {
      if (!signal.aborted) this.update({ error: `engine events stopped: ${messageOf(e)}` });
    }
  }

  private onEvent(event: EngineEvent): void {
    if (event.Type === 'container') {
      this.dirty.containers = true;
      if (event.Actor.ID === this.containers.selectedRow?.id) {
        this.dirty.details = true;
        if (event.Action === 'start' || event.Action === 'restart') this.dirty.restartLogs = true;
      }
    } else if (event.Type === 'image') {
      this.dirty.images = true;
    } else if (event.Type !== 'volume') return;
    // One refresh for a burst of events (create, attach, start arrive together): a one-shot delay, not a poll.
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      const dirty = this.dirty;
      this.dirty = { containers: false, images: false, details: false, restartLogs: false };
      if (dirty.containers) {
        void this.track(
          this.refreshContainers().then(() => {
            if (dirty.details) this.containers.reloadDetails(dirty.restartLogs);
          }),
        );
      }
      if (dirty.images) void this.track(this.images.refresh());
      if (this.current.panel === 'disk') this.loadDisk();
      if (this.current.panel === 'volumes') this.loadVolumes();
    }, 50);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
  }

  private update(change: Partial<WorkbenchState>): void {
    this.current = { ...this.current, ...change };
    this.emit();
  }

  private emit(): void {
    this.changes++;
    for (const listener of this.listeners) listener();
  }
}
