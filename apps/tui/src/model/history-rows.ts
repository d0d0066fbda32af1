import type { HistoryEntry } from '@strata/core';
import { createdSince, ellipsis, humanSize, shortId } from '../format/index.js';

/** Column titles of the History tab, as `docker history` prints them. */
export const historyColumns = ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'];

/** Width `docker history` cuts CREATED BY at (without `--no-trunc`). */
export const createdByWidth = 45;

/** The cells `docker history` prints for an entry at time `now` (milliseconds). */
export function historyCells(entry: HistoryEntry, now: number): string[] {
  return [
    shortId(entry.Id),
    createdSince(entry.Created, now),
    ellipsis(entry.CreatedBy.replaceAll('\t', ' '), createdByWidth),
    humanSize(entry.Size),
    entry.Comment,
  ];
}
