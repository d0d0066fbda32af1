import { describe, expect, it } from 'vitest';
import { nodeRandom } from '../../test-support/node.js';
import { isContainerId, newContainerId } from './container-id.js';
import { canonicalContainerName, chooseContainerName, generateContainerName } from './container-name.js';
import { NAME_ADJECTIVES, NAME_SURNAMES } from './name-words.js';

/** A random source replaying given bytes (to steer the generator). */
const replay = (bytes: number[]) => {
  let i = 0;
  return { bytes: (n: number) => Uint8Array.from({ length: n }, () => bytes[i++ % bytes.length]) };
};
const index = (n: number) => [0, 0, 0, n];

describe('container IDs and names', () => {
  it('IDs are 64 hex and never have an all-digit short form', () => {
    for (let i = 0; i < 200; i++) expect(isContainerId(newContainerId(nodeRandom))).toBe(true);
    const digits = new Array(32).fill(0x11);
    const id = newContainerId(replay([...digits, ...new Array(32).fill(0xab)]));
    expect(id).toBe('ab'.repeat(32));
  });

  it('generates adjective_surname from moby\'s lists (the captured unruffled_kalam is one)', () => {
    expect(NAME_ADJECTIVES).toContain('unruffled');
    expect(NAME_SURNAMES).toContain('kalam');
    expect(NAME_ADJECTIVES.length).toBe(108);
    expect(NAME_SURNAMES.length).toBe(236);
    for (let i = 0; i < 500; i++) {
      const [a, s, ...rest] = generateContainerName(nodeRandom).split('_');
      expect(rest).toEqual([]);
      expect(NAME_ADJECTIVES).toContain(a);
      expect(NAME_SURNAMES).toContain(s);
    }
  });

  it('never says boring_wozniak, and adds a digit on retries', () => {
    const boring = NAME_ADJECTIVES.indexOf('boring');
    const wozniak = NAME_SURNAMES.indexOf('wozniak');
    const kalam = NAME_SURNAMES.indexOf('kalam');
    expect(generateContainerName(replay([...index(boring), ...index(wozniak), ...index(boring), ...index(kalam)]))).toBe('boring_kalam');
    expect(generateContainerName(replay([...index(boring), ...index(kalam), ...index(7)]), 1)).toBe('boring_kalam7');
  });

  it('retries on collisions and falls back to the short ID as dockerd does', () => {
    const id = 'f'.repeat(64);
    expect(chooseContainerName(nodeRandom, id, () => true)).toBe('/ffffffffffff');
    let calls = 0;
    const name = chooseContainerName(nodeRandom, id, () => ++calls < 3);
    expect(name).toMatch(/^\/[a-z]+_[a-z]+\d$/);
  });

  it('validates names as [a-zA-Z0-9][a-zA-Z0-9_.-]+', () => {
    expect(canonicalContainerName('web')).toBe('/web');
    expect(canonicalContainerName('/a.b-c_d')).toBe('/a.b-c_d');
    for (const bad of ['a', '-web', 'we b', 'wé', '_x']) {
      expect(() => canonicalContainerName(bad)).toThrow(`Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
  });
});
