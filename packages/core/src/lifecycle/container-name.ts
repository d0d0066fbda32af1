import { conflict, invalid } from '../errors/index.js';
import { type RandomSource, shortContainerId } from './container-id.js';
import { NAME_ADJECTIVES, NAME_SURNAMES } from './name-words.js';

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A uniform integer in [0, n) from the random source (rejection sampling, no modulo bias). */
function randomBelow(random: RandomSource, n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const b = random.bytes(4);
    const v = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
    if (v < limit) return v % n;
  }
}

/**
 * A name as moby's namesgenerator makes it: `adjective_surname`, never `boring_wozniak`; on a
 * retry (`retry` > 0) a digit 0-9 is appended.
 */
export function generateContainerName(random: RandomSource, retry = 0): string {
  for (;;) {
    const name = `${NAME_ADJECTIVES[randomBelow(random, NAME_ADJECTIVES.length)]}_${NAME_SURNAMES[randomBelow(random, NAME_SURNAMES.length)]}`;
    // Steve Wozniak is not boring.
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${randomBelow(random, 10)}` : name;
  }
}

/**
 * Pick a free generated name (with its leading `/`) as dockerd does: six tries, then the short ID.
 * `taken` says whether a `/name` is in use.
 */
export function chooseContainerName(random: RandomSource, id: string, taken: (name: string) => boolean): string {
  for (let i = 0; i < 6; i++) {
    const name = `/${generateContainerName(random, i)}`;
    if (!taken(name)) return name;
  }
  return `/${shortContainerId(id)}`;
}

/** Validate a user-given name and return it with the leading `/` Docker stores. */
export function canonicalContainerName(name: string): string {
  if (!VALID_NAME.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}

/** dockerd's 409 when a name is taken. */
export function nameInUse(name: string, holderId: string) {
  return conflict(
    `Conflict. The container name "${name}" is already in use by container "${holderId}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}
