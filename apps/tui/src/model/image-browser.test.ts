import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core';
import { ImageBrowser } from './image-browser.js';
import { RecordedEngine, recordedImage } from '../testing/fixture-engine.js';

const whiteout = recordedImage('02-whiteout');
const perms = recordedImage('05-perms');

async function browserOn(engine: RecordedEngine): Promise<ImageBrowser> {
  const browser = new ImageBrowser(engine, { viewportHeight: 5 });
  await browser.refresh();
  await browser.settled();
  return browser;
}

describe('ImageBrowser', () => {
  it('lists one row per tag and loads inspect and history of the first', async () => {
    const browser = await browserOn(new RecordedEngine([whiteout, perms]));
    const s = browser.state;
    expect(s.rows.map((r) => `${r.repository}:${r.tag}`)).toEqual(['fixture/02-whiteout:v1', 'fixture/05-perms:v1']);
    expect(s.selected).toBe(0);
    expect(s.inspect.status).toBe('ready');
    expect(s.inspectLines.slice(0, 3)).toEqual(['[', '    {', '        "Id": "sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291",']);
    expect(s.history.status === 'ready' && s.history.value.map((h) => h.Id)).toEqual([whiteout.inspect.Id, '<missing>', '<missing>']);
  });

  it('moves the selection with up/down, clamped to the list, and fetches the new details', async () => {
    const engine = new RecordedEngine([whiteout, perms]);
    const browser = await browserOn(engine);
    browser.perform('down');
    browser.perform('down');
    await browser.settled();
    expect(browser.state.selected).toBe(1);
    expect(browser.state.inspect.status === 'ready' && browser.state.inspect.value.RepoTags).toEqual(['fixture/05-perms:v1']);
    browser.perform('up');
    browser.perform('up');
    expect(browser.state.selected).toBe(0);
    expect(engine.calls.filter((c) => c.startsWith('inspectImage'))).toEqual([
      `inspectImage ${whiteout.inspect.Id}`,
      `inspectImage ${perms.inspect.Id}`,
      `inspectImage ${whiteout.inspect.Id}`,
    ]);
  });

  it('keeps the row the user moved to while a list was on its way, and its details', async () => {
    const engine = new RecordedEngine([whiteout, perms]);
    const browser = await browserOn(engine);
    // The next list waits, as the first one does while the engine's code loads after the first frame.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const list = engine.listImages.bind(engine);
    engine.listImages = async () => (await gate, list());
    const refreshed = browser.refresh();
    browser.perform('down');
    release();
    await refreshed;
    await browser.settled();
    expect(browser.state.selected).toBe(1);
    expect(browser.state.inspect.status === 'ready' && browser.state.inspect.value.RepoTags).toEqual(['fixture/05-perms:v1']);
  });

  it('switches tabs both ways and scrolls the focused details panel', async () => {
    const browser = await browserOn(new RecordedEngine([whiteout]));
    browser.perform('nextTab');
    expect(browser.state.tab).toBe('history');
    browser.perform('nextTab');
    expect(browser.state.tab).toBe('layers');
    browser.perform('nextTab');
    expect(browser.state.tab).toBe('inspect');
    browser.perform('prevTab');
    expect(browser.state.tab).toBe('layers');
    // The recorded engine has no layer analysis: the tab says so.
    await browser.settled();
    expect(browser.state.analysis).toEqual({ status: 'failed', error: 'this engine has no layer analysis' });
    browser.perform('prevTab');
    browser.perform('prevTab');

    browser.perform('focusDetails');
    browser.perform('down');
    browser.perform('pageDown');
    expect(browser.state.selected).toBe(0);
    expect(browser.state.inspectScroll).toBe(6);
    browser.perform('bottom');
    expect(browser.state.inspectScroll).toBe(browser.state.inspectLines.length - 5);
    browser.perform('top');
    expect(browser.state.inspectScroll).toBe(0);

    browser.perform('nextTab');
    browser.perform('bottom');
    expect(browser.state.historyCursor).toBe(2);
    browser.perform('focusImages');
    expect(browser.state.focus).toBe('images');
  });

  it('shows an engine error in the state and stays usable', async () => {
    const engine = new RecordedEngine([whiteout, perms]);
    engine.failNext('listImages', new StrataError('unavailable', 'data root is being repaired'));
    const browser = await browserOn(engine);
    expect(browser.state.list).toEqual({ status: 'failed', error: 'data root is being repaired' });
    expect(browser.state.error).toBe('data root is being repaired');

    browser.perform('refresh');
    await browser.settled();
    expect(browser.state.error).toBeUndefined();
    expect(browser.state.rows).toHaveLength(2);

    engine.failNext('imageHistory', new StrataError('not-found', `No such image: ${perms.inspect.Id}`));
    browser.perform('down');
    await browser.settled();
    expect(browser.state.history).toEqual({ status: 'failed', error: `No such image: ${perms.inspect.Id}` });
    expect(browser.state.inspect.status).toBe('ready');
    expect(browser.state.error).toBe(`No such image: ${perms.inspect.Id}`);
  });

  it('drops answers for a selection the user already left', async () => {
    const engine = new RecordedEngine([whiteout, perms]);
    const browser = await browserOn(engine);
    const release = engine.hold();
    browser.perform('down');
    browser.perform('up');
    browser.perform('down');
    release();
    await browser.settled();
    expect(browser.state.selected).toBe(1);
    expect(browser.state.inspect.status === 'ready' && browser.state.inspect.value.Id).toBe(perms.inspect.Id);
  });

  it('keeps the selected tag selected across a refresh', async () => {
    const images = [whiteout, perms];
    const engine = new RecordedEngine(images);
    const browser = await browserOn(engine);
    browser.perform('down');
    images.reverse();
    await browser.refresh();
    await browser.settled();
    expect(browser.state.selected).toBe(0);
    expect(browser.state.rows[0].repository).toBe('fixture/05-perms');
  });

  it('filters the list by words and moves only among the rows left', async () => {
    const browser = await browserOn(new RecordedEngine([whiteout, perms]));
    browser.setFilter('PERMS');
    await browser.settled();
    expect(browser.state.visible).toEqual([1]);
    expect(browser.state.selected).toBe(1);
    expect(browser.state.inspect.status === 'ready' && browser.state.inspect.value.Id).toBe(perms.inspect.Id);
    browser.perform('up');
    expect(browser.state.selected).toBe(1);
    browser.setFilter('fixture v1');
    expect(browser.state.visible).toEqual([0, 1]);
    browser.setFilter('nothing-like-this');
    expect(browser.state.visible).toEqual([]);
    expect(browser.selectedRow).toBeUndefined();
  });
});
