import { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, tokenize, type AnsiCode } from '@alcalzone/ansi-tokenize';
import ansiStyles from 'ansi-styles';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

/** What Ink's Text passes along to restyle each line of a node's text (colors, inverse, ...). */
export type LineTransformer = (line: string, index: number) => string;

/** A rectangle writes are cut to; an undefined side does not cut. */
export interface FrameClip {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
}

type Operation = { kind: 'write'; x: number; y: number; text: string; transformers: LineTransformer[] } | { kind: 'clip'; clip: FrameClip } | { kind: 'unclip' };

/** One line of text split into cells: what each shows, its style (an id in the frame's StyleTable) and its width in columns. */
interface LineCells {
  values: string[];
  styles: number[];
  /** Undefined when every cell is one column wide. */
  widths: number[] | undefined;
}

// Printable ASCII, Latin-1 but the soft hyphen, punctuation, arrows, box drawing and shapes (the set of
// ../format/narrow-width.ts), between SGR escapes: each character is one grapheme and one column, so such a line
// needs neither grapheme segmentation nor string-width. Anything else goes the way Ink's own Output goes.
const narrowStyledLine = /^(?:[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc]|\x1b\[[0-9;]*m)*$/;
// The same characters without escapes: slice-ansi cuts such a line where String.slice does.
const narrowPlainLine = /^[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc]*$/;

// What ends each SGR code, as ansi-tokenize works it out (its getEndCode, which it does not export).
const sgrCloses = new Set<string>();
const sgrCloseOf = new Map<string, string>();
for (const [open, close] of ansiStyles.codes) {
  sgrCloses.add(ansiStyles.color.ansi(close));
  sgrCloseOf.set(ansiStyles.color.ansi(open), ansiStyles.color.ansi(close));
}

function sgrEndCode(code: string): string {
  if (sgrCloses.has(code)) return code;
  const close = sgrCloseOf.get(code);
  if (close !== undefined) return close;
  const parameters = code.slice(2);
  if (parameters.startsWith('38')) return ansiStyles.color.close;
  if (parameters.startsWith('48')) return ansiStyles.bgColor.close;
  const closing = ansiStyles.codes.get(parseInt(parameters, 10));
  return closing ? ansiStyles.color.ansi(closing) : ansiStyles.reset.open;
}

/**
 * The codes of one SGR escape (`\x1b[...m`), a compound one split as ansi-tokenize splits it: its tokenize would
 * do the same, but only after a grapheme segmenter, whose first use costs more than the rest of the frame.
 */
function sgrCodes(escape: string): AnsiCode[] {
  if (!escape.includes(';')) return [{ type: 'ansi', code: escape, endCode: sgrEndCode(escape) }];
  const parts = escape.slice(2, -1).split(';');
  const codes: AnsiCode[] = [];
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    // 8-bit and 24-bit colors keep their numbers together.
    if ((part === '38' || part === '48') && i + 2 < parts.length && parts[i + 1] === '5') {
      part = parts.slice(i, i + 3).join(';');
      i += 2;
    } else if ((part === '38' || part === '48') && i + 4 < parts.length && parts[i + 1] === '2') {
      part = parts.slice(i, i + 5).join(';');
      i += 4;
    }
    const code = `\x1b[${part}m`;
    codes.push({ type: 'ansi', code, endCode: sgrEndCode(code) });
  }
  return codes;
}

/**
 * The style combinations of one frame, each a reduced list of SGR codes known by a small number, with the escapes
 * that go from one to another remembered: a frame has a handful of styles and thousands of cells.
 */
class StyleTable {
  private readonly ids = new Map<string, number>([['', 0]]);
  private readonly codes: AnsiCode[][] = [[]];
  private readonly afterEscape = new Map<string, number>();
  private readonly transitions = new Map<number, string>();

  /** The id of a reduced code list. */
  idOf(codes: AnsiCode[]): number {
    const key = codes.map((c) => `${c.code}\u0000${c.endCode}`).join('\u0001');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.codes.length;
      this.codes.push(codes);
      this.ids.set(key, id);
    }
    return id;
  }

  /** The style after `escape` (one SGR sequence) is applied to style `from`. */
  apply(from: number, escape: string): number {
    const key = `${from}\u0000${escape}`;
    let id = this.afterEscape.get(key);
    if (id === undefined) {
      id = this.idOf(reduceAnsiCodesIncremental(this.codes[from], sgrCodes(escape)));
      this.afterEscape.set(key, id);
    }
    return id;
  }

  /** The escapes that switch from style `from` to style `to`; `from` -1 is the start of a line. */
  transition(from: number, to: number): string {
    if (from === to) return '';
    const key = (from + 1) * 65536 + to;
    let escapes = this.transitions.get(key);
    if (escapes === undefined) {
      escapes = ansiCodesToString(from < 0 ? this.codes[to] : diffAnsiCodes(this.codes[from], this.codes[to]));
      this.transitions.set(key, escapes);
    }
    return escapes;
  }
}

/**
 * The grid Ink composes a frame into (a drop-in for ink/build/output.js, swapped in by build/ink-frame-grid.ts):
 * the same operations and the same output string, byte for byte. Ink's Output keeps an object with its own
 * style list per cell and works out the escapes between every two neighbouring cells (a few sets and arrays
 * each), which made composing the first frame the biggest part of the app's start-up; this one keeps a
 * string and a style number per cell and the escapes per pair of styles.
 */
export default class FrameGrid {
  readonly width: number;
  readonly height: number;
  private readonly operations: Operation[] = [];
  private readonly styles = new StyleTable();
  private readonly lineCells = new Map<string, LineCells>();
  private readonly widths = new Map<string, number>();
  private readonly blockWidths = new Map<string, number>();

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  /** Puts `text` (lines, with SGR escapes) at column x, row y, through `transformers`. */
  write(x: number, y: number, text: string, options: { transformers: LineTransformer[] }): void {
    if (!text) return;
    this.operations.push({ kind: 'write', x, y, text, transformers: options.transformers });
  }

  /** Cuts the writes that follow to `clip`, until unclip(). */
  clip(clip: FrameClip): void {
    this.operations.push({ kind: 'clip', clip });
  }

  /** Ends the latest clip(). */
  unclip(): void {
    this.operations.push({ kind: 'unclip' });
  }

  /** The frame: its lines joined by newlines, each without trailing blanks, and its height in rows. */
  get(): { output: string; height: number } {
    const rowValues: string[][] = [];
    const rowStyles: number[][] = [];
    for (let y = 0; y < this.height; y++) {
      rowValues.push(new Array<string>(this.width).fill(' '));
      rowStyles.push(new Array<number>(this.width).fill(0));
    }
    const clips: FrameClip[] = [];
    for (const operation of this.operations) {
      if (operation.kind === 'clip') clips.push(operation.clip);
      else if (operation.kind === 'unclip') clips.pop();
      else this.place(operation, clips.at(-1), rowValues, rowStyles);
    }
    const lines: string[] = [];
    for (let y = 0; y < rowValues.length; y++) lines.push(this.rowText(rowValues[y], rowStyles[y]));
    return { output: lines.join('\n'), height: rowValues.length };
  }

  // Ink's rules, kept as they are: a clip cuts lines with slice-ansi, and rows missing from the grid end the text.
  private place(operation: Extract<Operation, { kind: 'write' }>, clip: FrameClip | undefined, rowValues: string[][], rowStyles: number[][]): void {
    const { text, transformers } = operation;
    let { x, y } = operation;
    let lines = text.split('\n');
    if (clip) {
      const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
      const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
      if (clipHorizontally) {
        const width = this.widestLine(text);
        if (x + width < clip.x1! || x > clip.x2!) return;
      }
      if (clipVertically) {
        if (y + lines.length < clip.y1! || y > clip.y2!) return;
      }
      if (clipHorizontally) {
        lines = lines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0;
          const width = this.stringWidth(line);
          const to = x + width > clip.x2! ? clip.x2! - x : width;
          return narrowPlainLine.test(line) ? line.slice(from, to) : sliceAnsi(line, from, to);
        });
        if (x < clip.x1!) x = clip.x1!;
      }
      if (clipVertically) {
        const from = y < clip.y1! ? clip.y1! - y : 0;
        const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
        lines = lines.slice(from, to);
        if (y < clip.y1!) y = clip.y1!;
      }
    }
    let offsetY = 0;
    for (let index = 0; index < lines.length; index++) {
      const values = rowValues[y + offsetY];
      if (!values) continue;
      const styles = rowStyles[y + offsetY];
      let line = lines[index];
      for (const transformer of transformers) line = transformer(line, index);
      const cells = this.cellsOf(line);
      let column = x;
      for (let i = 0; i < cells.values.length; i++) {
        const width = cells.widths ? cells.widths[i] : 1;
        // Ink's Output stores cells in a plain array: a column that is not an index (negative, fractional) is lost.
        const stored = Number.isInteger(column) && column >= 0;
        if (stored) {
          values[column] = cells.values[i];
          styles[column] = cells.styles[i];
        }
        // The columns a wide character covers show nothing, in its style.
        for (let k = 1; k < width; k++) {
          if (!Number.isInteger(column + k) || column + k < 0) continue;
          values[column + k] = '';
          styles[column + k] = cells.styles[i];
        }
        column += width;
      }
      offsetY++;
    }
  }

  private cellsOf(line: string): LineCells {
    let cells = this.lineCells.get(line);
    if (cells !== undefined) return cells;
    cells = { values: [], styles: [], widths: undefined };
    if (narrowStyledLine.test(line)) {
      let style = 0;
      for (let i = 0; i < line.length; i++) {
        if (line.charCodeAt(i) === 0x1b) {
          const end = line.indexOf('m', i);
          style = this.styles.apply(style, line.slice(i, end + 1));
          i = end;
        } else {
          cells.values.push(line[i]);
          cells.styles.push(style);
        }
      }
    } else {
      const widths: number[] = [];
      for (const char of styledCharsFromTokens(tokenize(line))) {
        cells.values.push(char.value);
        cells.styles.push(this.styles.idOf(char.styles));
        widths.push(Math.max(1, this.stringWidth(char.value)));
      }
      cells.widths = widths;
    }
    this.lineCells.set(line, cells);
    return cells;
  }

  private rowText(values: string[], styles: number[]): string {
    let text = '';
    let previous = -1;
    for (let i = 0; i < values.length; i++) {
      // A hole: Ink's Output drops it from the row (a write past the right edge leaves them).
      if (values[i] === undefined) continue;
      text += this.styles.transition(previous, styles[i]) + values[i];
      previous = styles[i];
    }
    if (previous > 0) text += this.styles.transition(previous, 0);
    return text.trimEnd();
  }

  private stringWidth(text: string): number {
    let width = this.widths.get(text);
    if (width === undefined) {
      width = stringWidth(text);
      this.widths.set(text, width);
    }
    return width;
  }

  private widestLine(text: string): number {
    let width = this.blockWidths.get(text);
    if (width === undefined) {
      width = 0;
      for (const line of text.split('\n')) width = Math.max(width, this.stringWidth(line));
      this.blockWidths.set(text, width);
    }
    return width;
  }
}
