import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { narrowWidth } from './narrow-width.js';

/** The string-width Ink measures with: the one beside Ink in pnpm's store (Ink depends on it, the app does not). */
async function inksStringWidth(): Promise<(text: string) => number> {
  const ink = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/ink'));
  const module = (await import(pathToFileURL(join(dirname(ink), 'string-width', 'index.js')).href)) as { default: (text: string) => number };
  return module.default;
}

describe('the width of one-column text', () => {
  it('is what string-width says for every character it answers for, and it leaves the rest to string-width', async () => {
    const stringWidth = await inksStringWidth();
    let answered = 0;
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCodePoint(c);
      const ours = narrowWidth(ch);
      if (ours === undefined) continue;
      answered++;
      expect(ours, `U+${c.toString(16)}`).toBe(stringWidth(ch));
    }
    expect(answered).toBe(626);
    expect(narrowWidth('○ created   bench-999   bench/image-199:v1   15 minutes ago')).toBe(stringWidth('○ created   bench-999   bench/image-199:v1   15 minutes ago'));
    expect(narrowWidth('╭──╮ ↑/k up … «é»')).toBe(17);
    // Wide, emoji, combining and escapes other than SGR: string-width's to answer.
    for (const text of ['中文', '✅ done', 'e\u0301', '\u001b[2Kred', '\u001b]8;;u\u0007l\u001b]8;;\u0007', '\u001b[31m中\u001b[39m', '\u001b[12345m', '\u009b31mx', '◽', 'soft\u00adhyphen']) {
      expect(narrowWidth(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('counts no columns for SGR escapes, as string-width does, and leaves the rest to it', async () => {
    const stringWidth = await inksStringWidth();
    expect(narrowWidth('\u001b[1m↑/k\u001b[22m up  \u001b[36m←\u001b[39m tabs')).toBe(14);
    const pieces = ['a', '─', '●', '…', 'é', ' ', '\u001b[31m', '\u001b[39m', '\u001b[m', '\u001b[1;;2m', '\u001b[38;2;255;0;0m', '\u001b[48;5;202m', '\u001b[0m', '\u001b[12345m', '\u001b[2K', '\u001b[;1m', 'm', '5', ';'];
    let answered = 0;
    for (let seed = 1; seed <= 5000; seed++) {
      let text = '';
      for (let i = 0, n = (seed * 7) % 9; i <= n; i++) text += pieces[(seed * 31 + i * 17 + ((seed >> i) & 7)) % pieces.length];
      const ours = narrowWidth(text);
      if (ours === undefined) continue;
      answered++;
      expect(ours, JSON.stringify(text)).toBe(stringWidth(text));
    }
    expect(answered).toBeGreaterThan(2000);
  });
});
