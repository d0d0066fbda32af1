/** One line of container output. */
export interface LogLine {
  text: string;
  stderr: boolean;
}

/** How many lines the Logs tab keeps; older ones scroll away. */
export const maxLogLines = 10_000;

/** A piece of a line: matched by the search or not. */
export interface Segment {
  text: string;
  match: boolean;
}

/**
 * Adds decoded output to `lines`. `partial` is the unfinished last line of each stream, kept
 * apart until its newline arrives so a line split across two records is shown once.
 */
export function appendOutput(lines: LogLine[], partial: { stdout: string; stderr: string }, text: string, stderr: boolean): LogLine[] {
  const key = stderr ? 'stderr' : 'stdout';
  const pieces = (partial[key] + text).split('\n');
  partial[key] = pieces.pop() ?? '';
  // Terminals send \r\n; a bare \r at the end would move the cursor, not show anything.
  const added = pieces.map((p) => ({ text: p.replace(/\r$/, ''), stderr }));
  const next = lines.concat(added);
  return next.length > maxLogLines ? next.slice(next.length - maxLogLines) : next;
}

/** Indexes of the lines containing `query` (case-insensitive); none for an empty query. */
export function findMatches(lines: readonly LogLine[], query: string): number[] {
  if (query === '') return [];
  const q = query.toLowerCase();
  const found: number[] = [];
  lines.forEach((l, i) => {
    if (l.text.toLowerCase().includes(q)) found.push(i);
  });
  return found;
}

/** Splits `text` around every case-insensitive occurrence of `query`, for highlighting. */
export function highlightSegments(text: string, query: string): Segment[] {
  if (query === '') return [{ text, match: false }];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const segments: Segment[] = [];
  let at = 0;
  for (let found = lower.indexOf(q); found >= 0; found = lower.indexOf(q, found + q.length)) {
    if (found > at) segments.push({ text: text.slice(at, found), match: false });
    segments.push({ text: text.slice(found, found + q.length), match: true });
    at = found + q.length;
  }
  if (at < text.length) segments.push({ text: text.slice(at), match: false });
  return segments;
}
