/**
 * The one randomness source of every program and input generator here: a small deterministic
 * PRNG (mulberry32), so a failing case is reproduced from its seed. Property tests that want
 * fast-check's shrinking let it choose the seed (`seedArb`) and build from `new Rng(seed)`.
 */
import fc from 'fast-check';

/** A seeded mulberry32 generator with the draws the generators use. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Returns the next 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Returns an integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }
  /** Returns an integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  /** Returns true with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  /** Returns one entry of `xs`, each as likely. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  /** Returns an entry with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let roll = this.int(entries.reduce((sum, [w]) => sum + w, 0));
    for (const [w, value] of entries) {
      if (roll < w) return value;
      roll -= w;
    }
    return entries[entries.length - 1]![1];
  }
}

/** Returns the stream of a new `Rng(seed)` as a bare function (the eBPF generator's interface). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.u32();
}

/** A seed for fast-check to choose (and shrink) when a property builds its case from an Rng. */
export const seedArb: fc.Arbitrary<number> = fc.nat({ max: 0xffffffff });
