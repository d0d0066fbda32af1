/** What a key press asks the app to do. */
export type Action =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'nextTab'
  | 'prevTab'
  | 'focusMain'
  | 'focusSide'
  | 'panelContainers'
  | 'panelImages'
  | 'panelVolumes'
  | 'panelDisk'
  | 'filter'
  | 'refresh'
  | 'help'
  | 'quit'
  // Containers
  | 'start'
  | 'stop'
  | 'restart'
  | 'pause'
  | 'kill'
  | 'remove'
  | 'shell'
  | 'attach'
  | 'commit'
  // Images
  | 'run'
  | 'tag'
  | 'load'
  | 'removeImage'
  | 'pull'
  | 'build'
  | 'save'
  | 'allImages'
  // Volumes
  | 'removeVolume'
  | 'createVolume'
  | 'pruneVolumes'
  // Disk usage
  | 'pruneSelected'
  | 'pruneAll'
  // The jobs panel (pull, build, save, prune, extract)
  | 'jobs'
  | 'cancelJob'
  // Logs tab
  | 'follow'
  | 'nextMatch'
  | 'prevMatch'
  | 'saveLogs'
  | 'copyLogs'
  // Layers tab
  | 'aggregate'
  | 'hideUnchanged'
  | 'sortTree'
  | 'extract'
  // Dialogs: confirmation, forms, typed text (filter, search)
  | 'confirm'
  | 'cancel'
  | 'submit'
  | 'nextField'
  | 'prevField';

/**
 * Where a binding works. `list` is any panel on the left, `main` the panel on the right;
 * `containers`/`images` add their actions whether the list or its main panel has the focus;
 * `logs` is the Logs tab; `confirm`, `form` and `text` are dialogs that take every key.
 */
export type Scope = 'list' | 'main' | 'containers' | 'images' | 'volumes' | 'disk' | 'logs' | 'layers' | 'confirm' | 'form' | 'text' | 'global';

/** Every scope, in the order the help overlay lists them. */
export const scopes: readonly Scope[] = ['list', 'main', 'containers', 'images', 'volumes', 'disk', 'logs', 'layers', 'global', 'confirm', 'form', 'text'];

/** Ink's named keys (`useInput`'s second argument) that bindings use. */
export type NamedKey =
  | 'upArrow'
  | 'downArrow'
  | 'leftArrow'
  | 'rightArrow'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backspace'
  | 'delete';

/** One key: a named key or a typed character, with the modifiers it needs. */
export interface KeyStroke {
  key?: NamedKey;
  input?: string;
  ctrl?: boolean;
  shift?: boolean;
  meta?: boolean;
}

export interface KeyBinding {
  action: Action;
  scope: Scope;
  /** The keys as written in the table and in keys.json (`up`, `k`, `ctrl+u`, `shift+tab`). */
  specs: string[];
  keys: KeyStroke[];
  /** How the key bar and the help overlay write the keys (`↑/k`). */
  label: string;
  /** The help overlay's words. */
  description: string;
  /** The key bar's word; bindings without one appear only in the help overlay. */
  hint?: string;
}

const named: Record<string, { key: NamedKey; label: string }> = {
  up: { key: 'upArrow', label: '↑' },
  down: { key: 'downArrow', label: '↓' },
  left: { key: 'leftArrow', label: '←' },
  right: { key: 'rightArrow', label: '→' },
  pgup: { key: 'pageUp', label: 'pgup' },
  pgdn: { key: 'pageDown', label: 'pgdn' },
  home: { key: 'home', label: 'home' },
  end: { key: 'end', label: 'end' },
  enter: { key: 'return', label: 'enter' },
  esc: { key: 'escape', label: 'esc' },
  tab: { key: 'tab', label: 'tab' },
  backspace: { key: 'backspace', label: 'backspace' },
  delete: { key: 'delete', label: 'del' },
};

/** Parses a key as keys.json writes it: `k`, `G`, `?`, `space`, `enter`, `ctrl+u`, `shift+tab`, `meta+x`. */
export function parseKeySpec(spec: string): KeyStroke {
  const parts = spec === '+' ? ['+'] : spec.split('+');
  const base = parts.pop() ?? '';
  const stroke: KeyStroke = {};
  for (const modifier of parts) {
    if (modifier === 'ctrl') stroke.ctrl = true;
    else if (modifier === 'shift') stroke.shift = true;
    else if (modifier === 'meta' || modifier === 'alt') stroke.meta = true;
    else throw new Error(`unknown modifier "${modifier}" in key "${spec}"`);
  }
  const name = named[base.toLowerCase()];
  if (name) stroke.key = name.key;
  else if (base === 'space') stroke.input = ' ';
  else if ([...base].length === 1) stroke.input = base;
  else throw new Error(`unknown key "${spec}" (a single character, or one of ${[...Object.keys(named), 'space'].join(', ')})`);
  return stroke;
}

/** The key bar's way of writing a key spec: `↑`, `ctrl-u`, `shift-tab`. */
export function keyLabel(spec: string): string {
  const parts = spec === '+' ? ['+'] : spec.split('+');
  const base = parts.pop() ?? '';
  const shown = named[base.toLowerCase()]?.label ?? base;
  return [...parts, shown].join('-');
}

function binding(scope: Scope, action: Action, specs: string[], description: string, hint?: string): KeyBinding {
  return { scope, action, specs, keys: specs.map(parseKeySpec), label: specs.map(keyLabel).join('/'), description, ...(hint ? { hint } : {}) };
}

/** Every key of the app, in the order the help overlay lists them. Rebind them in keys.json (see key-config.ts). */
export const defaultKeymap: readonly KeyBinding[] = [
  binding('list', 'up', ['up', 'k'], 'previous item', 'up'),
  binding('list', 'down', ['down', 'j'], 'next item', 'down'),
  binding('list', 'pageUp', ['pgup', 'ctrl+u'], 'page up'),
  binding('list', 'pageDown', ['pgdn', 'ctrl+d'], 'page down'),
  binding('list', 'top', ['home', 'g'], 'first item'),
  binding('list', 'bottom', ['end', 'G'], 'last item'),
  binding('list', 'focusMain', ['enter'], 'focus the main panel', 'main'),
  binding('main', 'up', ['up', 'k'], 'scroll up / previous row', 'up'),
  binding('main', 'down', ['down', 'j'], 'scroll down / next row', 'down'),
  binding('main', 'pageUp', ['pgup', 'ctrl+u'], 'page up'),
  binding('main', 'pageDown', ['pgdn', 'ctrl+d'], 'page down'),
  binding('main', 'top', ['home', 'g'], 'top'),
  binding('main', 'bottom', ['end', 'G'], 'bottom'),
  binding('main', 'focusSide', ['esc'], 'back to the list', 'list'),
  binding('containers', 'start', ['u'], 'start the container', 'start'),
  binding('containers', 'stop', ['s'], 'stop the container', 'stop'),
  binding('containers', 'restart', ['r'], 'restart the container', 'restart'),
  binding('containers', 'pause', ['p'], 'pause / unpause the container', 'pause'),
  binding('containers', 'kill', ['K'], 'kill the container (SIGKILL)', 'kill'),
  binding('containers', 'remove', ['d'], 'remove the container (asks first)', 'remove'),
  binding('containers', 'shell', ['E'], 'open a shell in the container (exec -it)', 'shell'),
  binding('containers', 'attach', ['a'], 'attach to it (ctrl-p ctrl-q detaches)', 'attach'),
  binding('containers', 'commit', ['c'], 'commit it to an image (a form)', 'commit'),
  binding('images', 'run', ['r'], 'run a container from the image (a form)', 'run'),
  binding('images', 'tag', ['t'], 'tag the image', 'tag'),
  binding('images', 'load', ['L'], 'load a docker save archive', 'load'),
  binding('images', 'removeImage', ['d'], 'remove the image tag (asks first)', 'remove'),
  binding('images', 'pull', ['p'], 'pull an image (a form; live per-layer progress)', 'pull'),
  binding('images', 'build', ['b'], 'build an image from a context directory (a form)', 'build'),
  binding('images', 'save', ['S'], 'save the image to a docker save archive (a form)', 'save'),
  binding('images', 'allImages', ['A'], 'list intermediate images too, or not (docker images -a)'),
  binding('volumes', 'removeVolume', ['d'], 'remove the volume (asks first)', 'remove'),
  binding('volumes', 'createVolume', ['c'], 'create a volume (a form)', 'create'),
  binding('volumes', 'pruneVolumes', ['P'], 'remove every unused volume (asks first)', 'prune'),
  binding('disk', 'pruneSelected', ['p'], 'prune what the row lists as reclaimable (asks first)', 'prune'),
  binding('disk', 'pruneAll', ['P'], 'prune all four: docker system prune --volumes (asks first)', 'prune all'),
  binding('logs', 'follow', ['f'], 'follow the end of the logs on/off', 'follow'),
  binding('logs', 'nextMatch', ['n'], 'next search match', 'next'),
  binding('logs', 'prevMatch', ['N'], 'previous search match', 'prev'),
  binding('logs', 'saveLogs', ['w'], 'write the logs to a file (a form)', 'save'),
  binding('logs', 'copyLogs', ['y'], 'copy the logs to the clipboard (the matching lines while searching)', 'copy'),
  binding('layers', 'aggregate', ['a'], 'file tree: this layer only / every layer up to it', 'aggregate'),
  binding('layers', 'hideUnchanged', ['u'], 'hide / show what the layer did not change (aggregated tree)', 'unchanged'),
  binding('layers', 'sortTree', ['o'], 'sort the file tree by name / by size', 'sort'),
  binding('layers', 'extract', ['x'], 'extract a file of the image to the host (a form)', 'extract'),
  binding('global', 'panelContainers', ['1'], 'Containers panel'),
  binding('global', 'panelImages', ['2'], 'Images panel'),
  binding('global', 'panelVolumes', ['3'], 'Volumes panel'),
  binding('global', 'panelDisk', ['4'], 'Disk usage panel'),
  binding('global', 'prevTab', ['shift+tab', 'left', 'h'], 'previous tab', 'tabs'),
  binding('global', 'nextTab', ['tab', 'right', 'l'], 'next tab'),
  binding('global', 'filter', ['/'], 'filter the list (in Logs: search; in Layers: paths)', 'filter'),
  binding('global', 'jobs', ['J'], 'the jobs panel: pulls, builds, saves, prunes and their logs', 'jobs'),
  binding('global', 'cancelJob', ['X'], 'stop the newest running pull, build or save'),
  binding('global', 'refresh', ['ctrl+r'], 'reload from the engine'),
  binding('global', 'help', ['?'], 'all keys', 'help'),
  binding('global', 'quit', ['q', 'ctrl+c'], 'quit', 'quit'),
  binding('confirm', 'confirm', ['y', 'enter'], 'yes, do it', 'yes'),
  binding('confirm', 'cancel', ['n', 'esc'], 'no', 'no'),
  binding('form', 'submit', ['enter'], 'submit the form', 'submit'),
  binding('form', 'cancel', ['esc'], 'cancel', 'cancel'),
  binding('form', 'nextField', ['tab', 'down'], 'next field', 'next field'),
  binding('form', 'prevField', ['shift+tab', 'up'], 'previous field'),
  binding('text', 'submit', ['enter'], 'keep the filter / search', 'keep'),
  binding('text', 'cancel', ['esc'], 'clear it', 'clear'),
];

/** The key as Ink reports it: typed text plus flags for named keys and modifiers. */
export type KeyPress = { input: string } & Partial<Record<NamedKey | 'ctrl' | 'shift' | 'meta', boolean>>;

function matches(stroke: KeyStroke, press: KeyPress): boolean {
  if (stroke.key !== undefined) {
    if (stroke.shift !== undefined && Boolean(press.shift) !== stroke.shift) return false;
    // Ink reports a lone escape with meta set, so meta counts only when the binding asks for it.
    return Boolean(press[stroke.key]) && Boolean(press.ctrl) === Boolean(stroke.ctrl) && (!stroke.meta || Boolean(press.meta));
  }
  // Typed characters carry their case; Ink's shift flag on `G` says nothing more.
  return press.input === stroke.input && Boolean(press.ctrl) === Boolean(stroke.ctrl) && Boolean(press.meta) === Boolean(stroke.meta);
}

/** The bindings of `scopes`, in the keymap's order within each scope, scopes in the order given. */
export function bindingsIn(keymap: readonly KeyBinding[], active: readonly Scope[]): KeyBinding[] {
  return active.flatMap((scope) => keymap.filter((b) => b.scope === scope));
}

/** The action a key press means: the first scope of `active` (most specific first) with a matching key wins. */
export function actionFor(keymap: readonly KeyBinding[], press: KeyPress, active: readonly Scope[]): Action | undefined {
  return bindingsIn(keymap, active).find((b) => b.keys.some((k) => matches(k, press)))?.action;
}

/** A binding with other keys (from keys.json). */
export function rebind(b: KeyBinding, specs: string[]): KeyBinding {
  return { ...b, specs, keys: specs.map(parseKeySpec), label: specs.map(keyLabel).join('/') };
}
