import { describe, expect, it } from 'vitest';
import type { HistoryEntry, ImageSummary } from '@strata/core';
import { readCapture } from '../testing/docker-capture.js';
import { formatTable } from './table.js';
import { imageCells, imageColumns, imageRows } from '../model/image-rows.js';
import { historyCells, historyColumns } from '../model/history-rows.js';

// The docker CLI formatted these tables from these bodies; ours must print the same lines.
describe('tables as the docker CLI printed them', () => {
  it.each(['images', 'image_ls_a', 'images_now'])('docker images (%s)', (name) => {
    const capture = readCapture(name);
    expect(capture.bodies).toHaveLength(1);
    const rows = imageRows(capture.bodies[0] as ImageSummary[]);
    const table = formatTable([imageColumns, ...rows.map((r) => imageCells(r, capture.date))]);
    expect(table).toEqual(capture.screen);
  });

  it.each(['history', 'history_build'])('docker history (%s)', (name) => {
    const capture = readCapture(name);
    expect(capture.bodies).toHaveLength(1);
    const entries = capture.bodies[0] as HistoryEntry[];
    const table = formatTable([historyColumns, ...entries.map((e) => historyCells(e, capture.date))]);
    expect(table).toEqual(capture.screen);
  });
});
