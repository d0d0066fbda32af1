import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import FrameGrid, { type FrameClip, type LineTransformer } from './frame-grid.js';
import { seededRandom } from '../testing/seeded-random.js';

// Ink's own Output and the chalk it styles text with, from beside Ink in pnpm's store (the app depends on neither directly).
const ink = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/ink'));
type Grid = Pick<FrameGrid, 'write' | 'clip' | 'unclip' | 'get'>;
let InkOutput: new (options: { width: number; height: number }) => Grid;
let chalk: Record<string, (...args: never[]) => unknown> & ((text: string) => string);

beforeAll(async () => {
  InkOutput = ((await import(pathToFileURL(join(ink, 'build', 'output.js')).href)) as { default: typeof InkOutput }).default;
  const { Chalk } = (await import(pathToFileURL(join(dirname(ink), 'chalk', 'source', 'index.js')).href)) as { Chalk: new (o: { level: number }) => typeof chalk };
  chalk = new Chalk({ level: 3 });
});

type Step = { write: [number, number, string, LineTransformer[]] } | { clip: FrameClip } | { unclip: true };

/** What Ink's Output and the frame grid make of the same steps. */
function both(width: number, height: number, steps: Step[]): { ink: string; ours: string; height: [number, number] } {
  const theirs = new InkOutput({ width, height });
  const ours = new FrameGrid({ width, height });
  for (const grid of [theirs, ours]) {
    for (const step of steps) {
      if ('write' in step) grid.write(step.write[0], step.write[1], step.write[2], { transformers: step.write[3] });
      else if ('clip' in step) grid.clip(step.clip);
      else grid.unclip();
    }
  }
  const a = theirs.get();
  const b = ours.get();
  return { ink: a.output, ours: b.output, height: [a.height, b.height] };
}

const styled = (style: string, text: string): string => {
  let paint: unknown = chalk;
  for (const part of style.split('.')) paint = (paint as Record<string, unknown>)[part];
  return (paint as (t: string) => string)(text);
};

describe('the frame grid', () => {
  it('makes the frame Ink makes of a panel: a rounded colored border, a bold title, dim and inverse rows', () => {
    const border = (s: string) => styled('cyan', s);
    const steps: Step[] = [
      { write: [0, 0, border('╭' + '─'.repeat(38) + '╮'), []] },
      { write: [0, 1, Array.from({ length: 6 }, () => border('│')).join('\n'), []] },
      { write: [39, 1, Array.from({ length: 6 }, () => border('│')).join('\n'), []] },
      { write: [0, 7, border('╰' + '─'.repeat(38) + '╯'), []] },
      { clip: { x1: 1, x2: 39, y1: 1, y2: 7 } },
      { write: [2, 1, styled('bold', '[1] Containers (2)'), []] },
      { write: [2, 2, `${styled('green', '●')} running  web-1   nginx:latest   Up 3 minutes`, []] },
      { write: [2, 3, styled('inverse', '○ exited   db-1    postgres:16'), [(line) => styled('bgBlue.white', line)]] },
      { write: [2, 4, styled('dim', 'No images.'), []] },
      { unclip: true },
    ];
    const { ink, ours, height } = both(40, 8, steps);
    expect(ours).toBe(ink);
    expect(height).toEqual([8, 8]);
    // The clip cut the long row at the border, and the border kept its color.
    expect(ours.split('\n')[2]).toBe(`${styled('cyan', '│')} ${styled('green', '●')} running  web-1   nginx:latest   Up ${styled('cyan', '│')}`);
  });

  it('keeps Ink\'s wide characters, emoji, combining marks, links and stray escapes', () => {
    const link = '\u001B]8;;https://example.com\u0007site\u001B]8;;\u0007';
    for (const text of ['中文 wide', '✅ done 👍🏽 🇩🇪 ❤️', 'e\u0301 cafe\u0301', link, 'a\u001B[2Kb', 'x\u009B31my', 'tab\there', styled('red', '中') + 'z', styled('bold.dim', 'both') + styled('bold', 'b')]) {
      const { ink, ours } = both(12, 3, [
        { write: [0, 0, 'abcdefghijkl\nabcdefghijkl', []] },
        { write: [1, 0, text, []] },
        { write: [10, 1, text, []] },
      ]);
      expect(ours, JSON.stringify(text)).toBe(ink);
    }
  });

  it('drops what Ink drops: columns past the edge leave holes, columns left of it and a text above the top are lost', () => {
    const { ink, ours } = both(5, 3, [
      { write: [7, 0, 'far', []] },
      { write: [-1, 1, 'left', []] },
      { write: [0, -1, 'up\nup\nup', []] },
      { write: [3, 2, styled('red', 'wider'), []] },
    ]);
    expect(ours).toBe(ink);
    expect(ours.split('\n')).toEqual(['     far', 'eft', `   ${styled('red', 'wider')}`]);
  });

  it('gives the frame Ink gives for 2,000 random grids of styled, wide, clipped and transformed writes', () => {
    const words = ['hello', 'bench/image-19:v1', '╭──╮', '│', '↑/k up', '… «é»', '中文', '✅', '👍🏽', 'e\u0301', '   ', 'x', '\u001B]8;;u\u0007l\u001B]8;;\u0007', 'a\u001B[2Kb', '\t'];
    // SGR escapes chalk does not write: compound, bare, resets, short or odd color parameters.
    words.push('\u001B[1;31mX\u001B[22;39m', '\u001B[mY', '\u001B[0mZ', '\u001B[38;5;202;1;4mQ', '\u001B[38;5mR', '\u001B[48;2;1;2;3;7mS', '\u001B[38;2;1;2mT', '\u001B[;1mU', '\u001B[99mV', '\u001B[53;55mW');
    const styles = ['red', 'bold', 'dim', 'inverse', 'bgBlue', 'bgBlue.white', 'bold.dim', 'underline.green', 'ansi256(202)', 'hex("#33aa77")', 'italic.strikethrough'];
    const paint = (style: string, text: string): string => {
      const m = /^(ansi256|hex)\((.+)\)$/.exec(style);
      if (!m) return styled(style, text);
      const painter = chalk as unknown as Record<string, (v: unknown) => (t: string) => string>;
      return painter[m[1]](m[1] === 'ansi256' ? Number(m[2]) : JSON.parse(m[2]))(text);
    };
    for (let seed = 1; seed <= 2000; seed++) {
      const random = seededRandom(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
      const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
      const text = (): string => {
        const lines: string[] = [];
        for (let l = int(1, 3); l > 0; l--) {
          let line = '';
          for (let w = int(1, 4); w > 0; w--) {
            const word = pick(words);
            line += random() < 0.5 ? paint(pick(styles), random() < 0.3 ? word + paint(pick(styles), pick(words)) : word) : word;
            line += random() < 0.5 ? ' ' : '';
          }
          lines.push(line);
        }
        return lines.join('\n');
      };
      const width = int(1, 30);
      const height = int(1, 6);
      const steps: Step[] = [];
      let open = 0;
      for (let s = int(1, 10); s > 0; s--) {
        const r = random();
        if (r < 0.15) {
          const side = () => (random() < 0.8 ? int(-2, 32) : undefined);
          steps.push({ clip: { x1: side(), x2: side(), y1: side(), y2: side() } });
          open++;
        } else if (r < 0.22 && open > 0) {
          steps.push({ unclip: true });
          open--;
        } else {
          const style = pick(styles);
          const transformers: LineTransformer[] = random() < 0.3 ? [(line, index) => (index % 2 === 0 ? paint(style, line) : line)] : [];
          steps.push({ write: [int(-3, width + 3), int(-2, height + 2), text(), transformers] });
        }
      }
      const { ink, ours, height: heights } = both(width, height, steps);
      expect(ours, `seed ${seed}`).toBe(ink);
      expect(heights[1], `seed ${seed}`).toBe(heights[0]);
    }
  });
});
