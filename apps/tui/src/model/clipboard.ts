import type { LogLine } from './log-lines.js';

/** What a terminal clipboard write did: how many of the lines it carried (the last ones, when they did not all fit). */
export interface ClipboardCopy {
  lines: number;
}

/** Puts text on the clipboard of the terminal the app runs in (Node gives it: cli/terminal-clipboard.ts). */
export type CopyToClipboard = (lines: readonly string[]) => ClipboardCopy;

/** The Logs tab's lines to copy: those matching the search when there is one, else all of them. */
export function linesToCopy(lines: readonly LogLine[], matches: readonly number[], query: string): string[] {
  if (query !== '' && matches.length > 0) return matches.map((i) => lines[i].text);
  return lines.map((l) => l.text);
}
