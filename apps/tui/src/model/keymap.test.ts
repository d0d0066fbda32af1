import { describe, expect, it } from 'vitest';
import { actionFor, bindingsFor, keymap } from './keymap.js';

describe('keymap', () => {
  it('maps arrows and vim keys to the same actions', () => {
    expect(actionFor({ input: '', downArrow: true }, 'images')).toBe('down');
    expect(actionFor({ input: 'j' }, 'images')).toBe('down');
    expect(actionFor({ input: 'k' }, 'details')).toBe('up');
  });

  it('tells tab from shift-tab and ctrl-c from c', () => {
    expect(actionFor({ input: '', tab: true }, 'images')).toBe('nextTab');
    expect(actionFor({ input: '', tab: true, shift: true }, 'images')).toBe('prevTab');
    expect(actionFor({ input: 'c', ctrl: true }, 'details')).toBe('quit');
    expect(actionFor({ input: 'c' }, 'details')).toBeUndefined();
  });

  it('binds panel keys only in their panel', () => {
    expect(actionFor({ input: '', return: true }, 'images')).toBe('focusDetails');
    expect(actionFor({ input: '', return: true }, 'details')).toBeUndefined();
    expect(actionFor({ input: '', escape: true }, 'details')).toBe('focusImages');
    expect(bindingsFor('images').map((b) => b.label)).toEqual(['↑/k', '↓/j', 'g/home', 'G/end', 'enter', 'shift-tab/←', 'tab/→', 'r', '?', 'q']);
  });

  it('gives no key two meanings within one panel', () => {
    for (const scope of ['images', 'details'] as const) {
      const seen = new Set<string>();
      for (const b of bindingsFor(scope)) {
        for (const k of b.keys) {
          const id = `${k.key ?? k.input}/${k.ctrl ?? false}/${k.shift ?? 'any'}`;
          expect(seen.has(id), `${scope}: ${id}`).toBe(false);
          seen.add(id);
        }
      }
    }
    expect(keymap.length).toBeGreaterThan(10);
  });
});
