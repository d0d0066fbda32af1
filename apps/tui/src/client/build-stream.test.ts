import { describe, expect, it } from 'vitest';
import { classicBuildText, type BuildEvent } from '@strata/core';
import { classicBuildEvent } from './build-stream.js';

describe('classicBuildEvent', () => {
  it("reads back every line the classic builder prints (strata's and dockerd's wording)", () => {
    const events: BuildEvent[] = [
      { kind: 'step', step: 2, total: 4, instruction: 'RUN apk add --no-cache curl' },
      { kind: 'cache' },
      { kind: 'image', id: '0123456789ab' },
      { kind: 'running', container: 'fedcba987654' },
      { kind: 'removing', container: 'fedcba987654' },
      { kind: 'triggers', count: 2 },
      { kind: 'built', id: '0123456789ab' },
      { kind: 'tagged', name: 'app:dev' },
      { kind: 'output', text: 'fetch https://dl-cdn.alpinelinux.org\n', stream: 'stdout' },
    ];
    for (const event of events) expect(classicBuildEvent(classicBuildText(event).replace(/\n$/, ''))).toEqual(event);
  });
});
