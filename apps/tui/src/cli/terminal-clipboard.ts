import type { ClipboardCopy } from '../model/clipboard.js';

/**
 * Bytes of base64 one OSC 52 sequence carries at most: terminals cap it (hterm at 100,000, others
 * near there) and drop a longer one whole, so a long log goes as its last lines that fit.
 */
export const osc52Limit = 100_000;

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The OSC 52 escape sequence that sets the clipboard ("c") to `text`. */
export function osc52(text: string): string {
  return `\u001b]52;c;${base64(text)}\u0007`;
}

/** The last of `lines` (newline-terminated) whose base64 fits in `limit` bytes. */
export function clipboardLines(lines: readonly string[], limit = osc52Limit): string[] {
  let bytes = 0;
  let first = lines.length;
  while (first > 0) {
    const next = bytes + Buffer.byteLength(`${lines[first - 1]}\n`, 'utf8');
    if (Math.ceil(next / 3) * 4 > limit) break;
    bytes = next;
    first--;
  }
  return lines.slice(first);
}

/**
 * Copies lines to the clipboard of the terminal on `out` with OSC 52, which xterm, kitty, iTerm2,
 * WezTerm, Windows Terminal and tmux (with `set-clipboard on`) understand and others ignore.
 */
export function terminalClipboard(out: { write(text: string): unknown }): (lines: readonly string[]) => ClipboardCopy {
  return (lines) => {
    const kept = clipboardLines(lines);
    out.write(osc52(kept.map((l) => `${l}\n`).join('')));
    return { lines: kept.length };
  };
}
