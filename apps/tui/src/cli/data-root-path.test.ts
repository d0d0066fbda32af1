import { describe, expect, it } from 'vitest';
import { defaultDataRoot } from '@strata/storage';
import { dataRootPath } from './data-root-path.js';

describe('the data root the app reads its first frame from', () => {
  it('is the one storage opens, for every way of choosing it', () => {
    const cases: Array<[NodeJS.ProcessEnv, number | undefined]> = [
      [{ STRATA_DATA_ROOT: 'relative/root', HOME: '/home/a' }, 1000],
      [{ HOME: '/home/a' }, 0],
      [{ XDG_DATA_HOME: '/xdg', HOME: '/home/a' }, 1000],
      [{ XDG_DATA_HOME: 'not/absolute', HOME: '/home/a' }, 1000],
      [{ HOME: '/home/b' }, 1000],
    ];
    for (const [env, uid] of cases) expect(dataRootPath(env, uid)).toBe(defaultDataRoot(env, uid));
    expect(dataRootPath({ HOME: '/home/b' }, 1000)).toBe('/home/b/.local/share/strata');
  });
});
