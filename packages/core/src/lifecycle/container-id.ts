/** Where container IDs and generated names draw their randomness (the engine's Random port). */
export interface RandomSource {
  bytes(n: number): Uint8Array;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * A new container ID: 64 lowercase hex. As moby's stringid does, an ID whose short form is all
 * digits is drawn again, so the 12-char form can never be mistaken for a number.
 */
export function newContainerId(random: RandomSource): string {
  for (;;) {
    const id = hex(random.bytes(32));
    if (!/^\d{12}$/.test(id.slice(0, 12))) return id;
  }
}

/** The 12-char form Docker prints (and uses as the default hostname). */
export const shortContainerId = (id: string): string => id.slice(0, 12);

/** True for a full container ID. */
export const isContainerId = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
