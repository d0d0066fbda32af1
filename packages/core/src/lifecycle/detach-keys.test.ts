import { describe, expect, it } from 'vitest';
import { DetachKeyScanner, parseDetachKeys } from './detach-keys.js';

const bytes = (...n: number[]) => Uint8Array.from(n);
const text = (s: string) => new TextEncoder().encode(s);

describe('detach keys', () => {
  it('reads Docker key names', () => {
    expect([...parseDetachKeys(undefined)]).toEqual([16, 17]);
    expect([...parseDetachKeys('')]).toEqual([16, 17]);
    expect([...parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-_')]).toEqual([1, 120, 0, 31]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow("Invalid detachKeys (ctrl-1) provided: Unknown key: 'ctrl-1'");
    expect(() => parseDetachKeys('ab')).toThrow("Unknown character: 'ab'");
  });

  it('swallows the sequence and stops at it', () => {
    const s = new DetachKeyScanner(parseDetachKeys('ctrl-p,ctrl-q'));
    const r = s.feed(bytes(104, 105, 16, 17, 120));
    expect([...r.forward]).toEqual([104, 105]);
    expect(r.detached).toBe(true);
  });

  it('holds a prefix across chunks and hands it on when the sequence breaks', () => {
    const s = new DetachKeyScanner(parseDetachKeys(undefined));
    expect(s.feed(bytes(97, 16))).toEqual({ forward: bytes(97), detached: false });
    expect(s.feed(bytes(98))).toEqual({ forward: bytes(16, 98), detached: false });
    expect(s.feed(bytes(16, 16))).toEqual({ forward: bytes(16), detached: false });
    expect(s.feed(bytes(17)).detached).toBe(true);
  });

  it('passes everything through when the sequence is empty of bytes', () => {
    const s = new DetachKeyScanner(new Uint8Array(0));
    expect(s.feed(text('a\x10\x11'))).toEqual({ forward: text('a\x10\x11'), detached: false });
  });
});
