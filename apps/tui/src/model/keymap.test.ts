import { describe, expect, it } from 'vitest';
import { actionFor, bindingsIn, defaultKeymap, keyLabel, parseKeySpec, scopes, type Scope } from './keymap.js';
import { applyKeyConfig } from './key-config.js';

describe('keymap', () => {
  it('maps arrows and vim keys to the same actions', () => {
    expect(actionFor(defaultKeymap, { input: '', downArrow: true }, ['list', 'global'])).toBe('down');
    expect(actionFor(defaultKeymap, { input: 'j' }, ['list', 'global'])).toBe('down');
    expect(actionFor(defaultKeymap, { input: 'k' }, ['main', 'global'])).toBe('up');
  });

  it('tells tab from shift-tab, ctrl-c from c, ctrl-r from r', () => {
    expect(actionFor(defaultKeymap, { input: '', tab: true }, ['list', 'global'])).toBe('nextTab');
    expect(actionFor(defaultKeymap, { input: '', tab: true, shift: true }, ['list', 'global'])).toBe('prevTab');
    expect(actionFor(defaultKeymap, { input: 'c', ctrl: true }, ['main', 'global'])).toBe('quit');
    expect(actionFor(defaultKeymap, { input: 'c' }, ['main', 'global'])).toBeUndefined();
    expect(actionFor(defaultKeymap, { input: 'r', ctrl: true }, ['containers', 'global'])).toBe('refresh');
    expect(actionFor(defaultKeymap, { input: 'r' }, ['containers', 'global'])).toBe('restart');
    expect(actionFor(defaultKeymap, { input: 'r' }, ['images', 'global'])).toBe('run');
  });

  it('jumps to panels with number keys and lets the most specific scope win', () => {
    expect(['1', '2', '3', '4'].map((input) => actionFor(defaultKeymap, { input }, ['list', 'global']))).toEqual([
      'panelContainers',
      'panelImages',
      'panelVolumes',
      'panelDisk',
    ]);
    expect(actionFor(defaultKeymap, { input: '', return: true }, ['list', 'global'])).toBe('focusMain');
    expect(actionFor(defaultKeymap, { input: '', return: true }, ['confirm'])).toBe('confirm');
    expect(actionFor(defaultKeymap, { input: 'n' }, ['logs', 'main', 'containers', 'global'])).toBe('nextMatch');
    expect(actionFor(defaultKeymap, { input: 'q' }, ['form'])).toBeUndefined();
  });

  it('gives no key two meanings in any set of scopes that work together', () => {
    const together: Scope[][] = [
      ['list', 'containers', 'global'],
      ['list', 'images', 'global'],
      ['list', 'volumes', 'global'],
      ['logs', 'main', 'containers', 'global'],
      ['main', 'images', 'global'],
      ['layers', 'main', 'images', 'global'],
      ['confirm'],
      ['form'],
      ['text'],
    ];
    for (const active of together) {
      const seen = new Map<string, string>();
      for (const b of bindingsIn(defaultKeymap, active)) {
        for (const k of b.keys) {
          const id = JSON.stringify(k);
          // The same action under two scopes (up in list and main) is one meaning.
          const other = seen.get(id);
          expect(other === undefined || other === b.action, `${active.join('+')}: ${id} is ${other} and ${b.action}`).toBe(true);
          seen.set(id, b.action);
        }
      }
    }
    expect(new Set(defaultKeymap.map((b) => b.scope))).toEqual(new Set(scopes));
  });

  it('reads keys as keys.json writes them and labels them for the key bar', () => {
    expect(parseKeySpec('ctrl+u')).toEqual({ input: 'u', ctrl: true });
    expect(parseKeySpec('shift+tab')).toEqual({ key: 'tab', shift: true });
    expect(parseKeySpec('G')).toEqual({ input: 'G' });
    expect(parseKeySpec('space')).toEqual({ input: ' ' });
    expect(parseKeySpec('+')).toEqual({ input: '+' });
    expect(() => parseKeySpec('hyper+x')).toThrow('unknown modifier "hyper" in key "hyper+x"');
    expect(() => parseKeySpec('F13')).toThrow(/unknown key "F13"/);
    expect(['up', 'pgdn', 'ctrl+d', 'shift+tab', 'esc'].map(keyLabel)).toEqual(['↑', 'pgdn', 'ctrl-d', 'shift-tab', 'esc']);
  });
});

describe('keys.json', () => {
  it('rebinds by scope.action and reports what it cannot use', () => {
    const { keymap, problems } = applyKeyConfig(defaultKeymap, {
      'containers.stop': 'x',
      'global.quit': ['Q', 'ctrl+q'],
      'containers.explode': 'e',
      'images.tag': 'hyper+t',
      'images.run': 3,
    });
    expect(actionFor(keymap, { input: 'x' }, ['containers', 'global'])).toBe('stop');
    expect(actionFor(keymap, { input: 's' }, ['containers', 'global'])).toBeUndefined();
    expect(actionFor(keymap, { input: 'q', ctrl: true }, ['list', 'global'])).toBe('quit');
    expect(keymap.find((b) => b.scope === 'global' && b.action === 'quit')?.label).toBe('Q/ctrl-q');
    // The others keep their defaults.
    expect(actionFor(keymap, { input: 't' }, ['images', 'global'])).toBe('tag');
    expect(actionFor(keymap, { input: 'r' }, ['images', 'global'])).toBe('run');
    expect(problems).toEqual([
      'keys.json: no key binding is called "containers.explode"',
      'keys.json: "images.tag": unknown modifier "hyper" in key "hyper+t"',
      'keys.json: "images.run" needs a key or a list of keys',
    ]);
    expect(applyKeyConfig(defaultKeymap, [1]).problems).toEqual(['keys.json must hold an object like {"containers.stop": "x"}']);
  });
});
