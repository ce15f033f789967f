/**
 * A deterministic PRNG for property tests (mulberry32: small, fast, seedable), so a failure names the seed
 * that reproduces it. One copy for every property test (normaliser, CEL direct evaluator, lint).
 */
export interface SeededRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  /** `v()` with probability p, else undefined. */
  maybe<T>(p: number, v: () => T): T | undefined;
}

export function rng(seed: number): SeededRandom {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    maybe: (p, v) => (next() < p ? v() : undefined),
  };
}
