import { describe, expect, it } from 'vitest';
import { clipboardLines, osc52, terminalClipboard } from './terminal-clipboard.js';

describe('the terminal clipboard (OSC 52)', () => {
  it('sends the text as UTF-8 in base64 between ESC ] 52 ; c ; and BEL', () => {
    expect(osc52('grüße\n')).toBe('\u001b]52;c;Z3LDvMOfZQo=\u0007');
  });

  it('writes the lines, each ending in a newline, to the terminal in one sequence', () => {
    const written: string[] = [];
    const copy = terminalClipboard({ write: (text: string) => written.push(text) });
    expect(copy(['hello line 1', 'good day'])).toEqual({ lines: 2 });
    expect(written).toEqual([osc52('hello line 1\ngood day\n')]);
    expect(Buffer.from(written[0].slice(7, -1), 'base64').toString('utf8')).toBe('hello line 1\ngood day\n');
  });

  it('keeps the last lines that fit when all of them would be more than a terminal takes', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(20)}`);
    const kept = clipboardLines(lines);
    expect(kept.length).toBeLessThan(lines.length);
    expect(kept.at(-1)).toBe(lines.at(-1));
    expect(osc52(kept.map((l) => `${l}\n`).join('')).length - 8).toBeLessThanOrEqual(100_000);
    expect(osc52(lines.slice(-kept.length - 1).map((l) => `${l}\n`).join('')).length - 8).toBeGreaterThan(100_000);
    expect(clipboardLines(['short'], 100)).toEqual(['short']);
  });
});
