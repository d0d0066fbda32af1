import { describe, expect, it } from 'vitest';
import { JobBoard } from './job-board.js';

describe('JobBoard', () => {
  it('keeps a running job with its progress, then its result; newest first', async () => {
    const board = new JobBoard();
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const first = board.run('pull a', async (report) => {
      report.summary('1/2 layers done');
      report.line({ text: 'Digest: sha256:abc', tone: 'plain' });
      report.layers([{ id: 'l1', status: 'Pull complete' }]);
      await gate;
      return 'Downloaded newer image for a';
    });
    await Promise.resolve();
    expect(board.running.map((j) => [j.title, j.summary])).toEqual([['pull a', '1/2 layers done']]);
    const second = board.run('save b', async () => 'saved');
    await second;
    expect(board.jobs.map((j) => [j.title, j.state])).toEqual([
      ['save b', 'done'],
      ['pull a', 'running'],
    ]);
    finish();
    const done = await first;
    expect(done).toMatchObject({ state: 'done', summary: 'Downloaded newer image for a', layers: [{ id: 'l1', status: 'Pull complete' }] });
    expect(done.lines).toEqual([{ text: 'Digest: sha256:abc', tone: 'plain' }]);
  });

  it("ends a failed job with the error's message instead of throwing, and settles", async () => {
    const board = new JobBoard();
    void board.run('build x', async () => {
      throw new Error('Dockerfile parse error line 1: unknown instruction: FORM');
    });
    await board.settled();
    expect(board.jobs[0]).toMatchObject({ state: 'failed', summary: 'Dockerfile parse error line 1: unknown instruction: FORM' });
    expect(board.jobs[0].lines.at(-1)).toEqual({ text: 'Dockerfile parse error line 1: unknown instruction: FORM', tone: 'error' });
  });

  it('keeps the last eight finished jobs and forgets them on request', async () => {
    const board = new JobBoard();
    for (let i = 0; i < 12; i++) await board.run(`job ${i}`, async () => 'ok');
    // Trimming happens as a new job starts: eight finished plus the one that just ended.
    expect(board.jobs.length).toBe(9);
    expect(board.jobs[0].title).toBe('job 11');
    board.clearFinished();
    expect(board.jobs).toEqual([]);
  });
});
