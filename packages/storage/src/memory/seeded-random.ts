import type { Random } from '@strata/core';

/** A deterministic Random (xorshift128+), so IDs in tests repeat from run to run. Not for real use. */
export class SeededRandom implements Random {
  private s0: bigint;
  private s1: bigint;

  constructor(seed = 1) {
    const mask = (1n << 64n) - 1n;
    // splitmix64 spreads a small seed over both state words (xorshift must not start at zero).
    let x = BigInt(seed) & mask;
    const next = () => {
      x = (x + 0x9e3779b97f4a7c15n) & mask;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      return z ^ (z >> 31n);
    };
    this.s0 = next();
    this.s1 = next();
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const mask = (1n << 64n) - 1n;
    for (let i = 0; i < n; i += 8) {
      let a = this.s0;
      const b = this.s1;
      this.s0 = b;
      a = (a ^ (a << 23n)) & mask;
      this.s1 = a ^ b ^ (a >> 17n) ^ (b >> 26n);
      let v = (this.s1 + b) & mask;
      for (let j = i; j < Math.min(i + 8, n); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  }
}
