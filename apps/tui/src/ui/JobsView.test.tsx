import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { classicBuildText, progressBar } from '@strata/core';
import { JobBoard, applyPullMessage, buildLines, type LayerProgress } from '../model/index.js';
import { JobsView } from './JobsView.js';
import { renderWide } from '../testing/wide-render.js';

afterEach(() => cleanup());

describe('JobsView', () => {
  it('gives the newest job its layer rows and log; older ones a line each, failures in their words', async () => {
    const board = new JobBoard();
    await board.run('build ./app -t app:v1', async (report) => {
      for (const line of buildLines({ kind: 'step', step: 1, total: 2, instruction: 'FROM busybox:local' }, classicBuildText)) report.line(line);
      for (const line of buildLines({ kind: 'cache' }, classicBuildText)) report.line(line);
      throw new Error('COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist');
    });
    await board.run('save busybox:local', async (report) => {
      report.line({ text: 'a line an older job never shows', tone: 'plain' });
      return 'saved busybox:local to busybox.tar (1.98MB)';
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    void board.run('pull 127.0.0.1:5000/busybox:local', async (report) => {
      let layers: LayerProgress[] = [];
      for (const m of [
        { status: 'Pulling from busybox', id: 'local' },
        { status: 'Pulling fs layer', id: '0d733fea8f7d' },
        { status: 'Downloading', id: '0d733fea8f7d', progressDetail: { current: 500_000, total: 1_982_333 }, progress: progressBar(500_000, 1_982_333) },
      ]) {
        const next = applyPullMessage(layers, m);
        layers = next.layers;
        if (next.line) report.line({ text: next.line, tone: 'plain' });
      }
      report.layers(layers);
      report.summary('0/1 layers done, 500kB of 1.982MB');
      await held;
      return 'done';
    });
    const app = renderWide(<JobsView jobs={board.jobs} width={120} height={16} />, 120);
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('Jobs (1 running)');
    expect(frame).toContain('… pull 127.0.0.1:5000/busybox:local  0/1 layers done, 500kB of 1.982MB');
    expect(frame).toContain(`0d733fea8f7d: Downloading ${progressBar(500_000, 1_982_333)}`);
    expect(frame).toContain('500kB/1.982MB');
    expect(frame).toContain('local: Pulling from busybox');
    expect(frame).toContain('✓ save busybox:local  saved busybox:local to busybox.tar (1.98MB)');
    expect(frame).not.toContain('a line an older job never shows');
    expect(frame).toContain('✗ build ./app -t app:v1  COPY failed: file not found in build context');
    expect(frame).not.toContain('Step 1/2');
    release();
    await board.settled();
  });
});
