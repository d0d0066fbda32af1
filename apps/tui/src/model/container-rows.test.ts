import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '@strata/core';
import { containerCells, containerRows, portsText } from './container-rows.js';

const summary = (over: Partial<ContainerSummary>): ContainerSummary => ({
  Id: 'a'.repeat(64),
  Names: ['/web'],
  Image: 'busybox:local',
  ImageID: 'sha256:' + 'b'.repeat(64),
  Command: 'sh',
  Created: 1_700_000_000,
  Ports: [],
  Labels: {},
  State: 'running',
  Status: 'Up 2 minutes',
  HostConfig: { NetworkMode: 'default' },
  NetworkSettings: { Networks: {} },
  Mounts: [],
  ...over,
});

describe('container rows', () => {
  it('writes ports as docker ps does', () => {
    expect(
      portsText([
        { PrivatePort: 443, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      ]),
    ).toBe('127.0.0.1:8080->80/tcp, [::]:8080->80/tcp, 443/tcp');
  });

  it('lists newest first with state, name, image, ports and age', () => {
    const rows = containerRows([summary({}), summary({ Id: 'c'.repeat(64), Names: ['/db'], State: 'exited', Created: 1_700_000_100 })]);
    expect(rows.map((r) => r.name)).toEqual(['db', 'web']);
    expect(containerCells(rows[1], (1_700_000_000 + 300) * 1000)).toEqual(['▶ running', 'web', 'busybox:local', '', '5 minutes ago']);
    expect(containerCells(rows[0], (1_700_000_000 + 300) * 1000)[0]).toBe('■ exited');
  });
});
