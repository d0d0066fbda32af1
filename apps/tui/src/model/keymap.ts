/** What a key press asks the browser to do. */
export type Action =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'nextTab'
  | 'prevTab'
  | 'focusDetails'
  | 'focusImages'
  | 'refresh'
  | 'help'
  | 'quit';

/** Which panel a binding belongs to; `global` works everywhere. */
export type Scope = 'images' | 'details' | 'global';

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
  | 'tab';

/** One key: a named key or a typed character, with the modifiers it needs. */
export interface KeyStroke {
  key?: NamedKey;
  input?: string;
  ctrl?: boolean;
  shift?: boolean;
}

export interface KeyBinding {
  action: Action;
  scope: Scope;
  keys: KeyStroke[];
  /** How the key bar and the help overlay write the keys. */
  label: string;
  /** The help overlay's words. */
  description: string;
  /** The key bar's word; bindings without one appear only in the help overlay. */
  hint?: string;
}

const arrowsUp: KeyStroke[] = [{ key: 'upArrow' }, { input: 'k' }];
const arrowsDown: KeyStroke[] = [{ key: 'downArrow' }, { input: 'j' }];

/** Every key of the app, in the order the help overlay lists them. */
export const keymap: readonly KeyBinding[] = [
  { action: 'up', scope: 'images', keys: arrowsUp, label: '↑/k', description: 'previous image', hint: 'up' },
  { action: 'down', scope: 'images', keys: arrowsDown, label: '↓/j', description: 'next image', hint: 'down' },
  { action: 'top', scope: 'images', keys: [{ key: 'home' }, { input: 'g' }], label: 'g/home', description: 'first image' },
  { action: 'bottom', scope: 'images', keys: [{ key: 'end' }, { input: 'G' }], label: 'G/end', description: 'last image' },
  { action: 'focusDetails', scope: 'images', keys: [{ key: 'return' }], label: 'enter', description: 'focus details', hint: 'details' },
  { action: 'up', scope: 'details', keys: arrowsUp, label: '↑/k', description: 'scroll up', hint: 'up' },
  { action: 'down', scope: 'details', keys: arrowsDown, label: '↓/j', description: 'scroll down', hint: 'down' },
  { action: 'pageUp', scope: 'details', keys: [{ key: 'pageUp' }, { input: 'u', ctrl: true }], label: 'pgup/ctrl-u', description: 'page up' },
  { action: 'pageDown', scope: 'details', keys: [{ key: 'pageDown' }, { input: 'd', ctrl: true }], label: 'pgdn/ctrl-d', description: 'page down' },
  { action: 'top', scope: 'details', keys: [{ key: 'home' }, { input: 'g' }], label: 'g/home', description: 'top' },
  { action: 'bottom', scope: 'details', keys: [{ key: 'end' }, { input: 'G' }], label: 'G/end', description: 'bottom' },
  { action: 'focusImages', scope: 'details', keys: [{ key: 'escape' }], label: 'esc', description: 'back to images', hint: 'images' },
  {
    action: 'prevTab',
    scope: 'global',
    keys: [{ key: 'tab', shift: true }, { key: 'leftArrow' }, { input: 'h' }],
    label: 'shift-tab/←',
    description: 'previous tab', hint: 'prev tab',
  },
  { action: 'nextTab', scope: 'global', keys: [{ key: 'tab' }, { key: 'rightArrow' }, { input: 'l' }], label: 'tab/→', description: 'next tab', hint: 'next tab' },
  { action: 'refresh', scope: 'global', keys: [{ input: 'r' }], label: 'r', description: 'refresh', hint: 'refresh' },
  { action: 'help', scope: 'global', keys: [{ input: '?' }], label: '?', description: 'help', hint: 'help' },
  { action: 'quit', scope: 'global', keys: [{ input: 'q' }, { input: 'c', ctrl: true }], label: 'q', description: 'quit (ctrl-c too)', hint: 'quit' },
];

/** The key as Ink reports it: typed text plus flags for named keys and modifiers. */
export type KeyPress = { input: string } & Partial<Record<NamedKey | 'ctrl' | 'shift' | 'meta', boolean>>;

function matches(stroke: KeyStroke, press: KeyPress): boolean {
  if (stroke.shift !== undefined && Boolean(press.shift) !== stroke.shift) return false;
  if (stroke.key !== undefined) return Boolean(press[stroke.key]);
  return press.input === stroke.input && Boolean(press.ctrl) === Boolean(stroke.ctrl);
}

/** The bindings that work in a focused panel: its own, then the global ones. */
export function bindingsFor(scope: Exclude<Scope, 'global'>): KeyBinding[] {
  return keymap.filter((b) => b.scope === scope || b.scope === 'global');
}

/** The action a key press means in the focused panel, if any. */
export function actionFor(press: KeyPress, scope: Exclude<Scope, 'global'>): Action | undefined {
  return bindingsFor(scope).find((b) => b.keys.some((k) => matches(k, press)))?.action;
}
