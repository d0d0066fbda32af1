import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '@strata/core';
import { historyTable } from './history-rows.js';
import { readCapture } from '../testing/docker-capture.js';

describe('historyTable', () => {
  const capture = readCapture('history_build');
  const entries = capture.bodies[0] as HistoryEntry[];

  it('is docker history itself when the panel is as wide as its table', () => {
    const width = Math.max(...capture.screen.map((l) => [...l].length));
    expect(historyTable(entries, capture.date, width)).toEqual(capture.screen);
  });

  it('cuts CREATED BY shorter to fit a narrow panel and longer when there is room', () => {
    const narrow = historyTable(entries, capture.date, 90);
    expect(Math.max(...narrow.map((l) => [...l].length))).toBe(90);
    expect(narrow[1]).toContain('   /bin/sh -c #(nop)  CMD ["cat"…   0B');
    const wide = historyTable(entries, capture.date, 200);
    expect(wide[3]).toContain('COPY file:c0375e5a290319c74a69d88aa5b577aff3e450b6bdf6aa93892529f5646a7cdc in /app/hello.txt ');
  });
});
