import { invalid } from '../errors/index.js';

/** Docker's default detach sequence: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = Uint8Array.of(16, 17);

const CTRL_NAMES = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'];

/**
 * Bytes of a `--detach-keys` value as moby's term.ToBytes reads it: comma-separated keys, each a
 * single character or `ctrl-<c>` with `<c>` one of a-z @ [ \ ] ^ _. Empty = the default sequence.
 */
export function parseDetachKeys(text: string | undefined): Uint8Array {
  if (!text) return DEFAULT_DETACH_KEYS;
  const codes: number[] = [];
  for (const key of text.split(',')) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const ctrl = key.startsWith('ctrl-') ? CTRL_NAMES.indexOf(key.slice(5)) : -1;
    if (key.length !== 6 || ctrl < 0) throw invalid(`Invalid detachKeys (${text}) provided: ${key.startsWith('ctrl-') ? 'Unknown key' : 'Unknown character'}: '${key}'`);
    codes.push(ctrl);
  }
  return Uint8Array.from(codes);
}

/**
 * Watches a stdin byte stream for the detach sequence, as moby's EscapeProxy does: bytes that may
 * start the sequence are held back, handed on when the sequence breaks, and swallowed when it completes.
 */
export class DetachKeyScanner {
  private matched = 0;

  constructor(private readonly keys: Uint8Array) {}

  /** The bytes to pass to the process, and whether the sequence completed (bytes after it are dropped). */
  feed(chunk: Uint8Array): { forward: Uint8Array; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched += 1;
        if (this.matched === this.keys.length) return { forward: Uint8Array.from(out), detached: true };
        continue;
      }
      // The held-back prefix was ordinary input after all.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Uint8Array.from(out), detached: false };
  }
}
