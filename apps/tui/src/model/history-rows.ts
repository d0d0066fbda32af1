import type { HistoryEntry } from '@strata/core';
import { cellWidth, createdSince, ellipsis, formatTable, humanSize, shortId } from '../format/index.js';

/** Column titles of the History tab, as `docker history` prints them. */
export const historyColumns = ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'];

/** Width `docker history` cuts CREATED BY at (without `--no-trunc`). */
export const createdByWidth = 45;

/** The cells `docker history` prints for an entry at time `now` (milliseconds). */
export function historyCells(entry: HistoryEntry, now: number, createdByLimit = createdByWidth): string[] {
  return [
    shortId(entry.Id),
    createdSince(entry.Created, now),
    ellipsis(entry.CreatedBy.replaceAll('\t', ' '), createdByLimit),
    humanSize(entry.Size),
    entry.Comment,
  ];
}

/** Narrowest CREATED BY the TUI cuts to before it lets the table run past the panel. */
export const minCreatedByWidth = 16;

/**
 * The history table laid out for a panel `width` columns wide: `docker history`'s table, with
 * CREATED BY cut shorter than 45 when the panel is narrow and longer when there is room.
 */
export function historyTable(entries: HistoryEntry[], now: number, width: number): string[] {
  const layout = (limit: number) => formatTable([historyColumns, ...entries.map((e) => historyCells(e, now, limit))]);
  const docker = layout(createdByWidth);
  const widest = Math.max(...docker.map(cellWidth));
  const longest = Math.max(createdByWidth, ...entries.map((e) => cellWidth(e.CreatedBy)));
  const limit = Math.min(longest, Math.max(minCreatedByWidth, createdByWidth + width - widest));
  return limit === createdByWidth ? docker : layout(limit);
}
