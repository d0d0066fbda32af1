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
    // Wide, emoji, combining and escape sequences: string-width's to answer.
    for (const text of ['中文', '✅ done', 'e\u0301', '\u001b[31mred\u001b[39m', '◽', 'soft\u00adhyphen']) expect(narrowWidth(text), text).toBeUndefined();
  });
});
