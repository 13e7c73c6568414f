import { compareSamples, mannWhitney, median, normalUpperTail } from './mann-whitney';

describe('Mann-Whitney U', () => {
  it('counts the pairs where the candidate is larger, ties as halves', () => {
    expect(mannWhitney([1, 2, 3], [4, 5]).u).toBe(6); // every pair
    expect(mannWhitney([4, 5], [1, 2, 3]).u).toBe(0);
    expect(mannWhitney([1, 2], [2, 3]).u).toBe(3.5); // (1,2)(1,3)(2,3) and (2,2) half
  });

  it("gives the normal approximation's p-value with the continuity correction", () => {
    // Every candidate above every baseline value: U = 5 x 4 = 20, mean 10, variance 5*4*10/12,
    // z = (20 - 10 - 0.5) / sqrt(16.667) = 2.327, one-sided p = 0.00998.
    const a = [19, 22, 16, 29, 24];
    const b = [40, 31, 37, 32];
    const test = mannWhitney(a, b);
    expect(test.u).toBe(20);
    expect(test.z).toBeCloseTo(2.327, 3);
    expect(test.pGreater).toBeCloseTo(0.00998, 4);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.6448536)).toBeCloseTo(0.05, 5);
    expect(normalUpperTail(-1.6448536)).toBeCloseTo(0.95, 5);
  });

  it('has no evidence when every value is equal, and refuses empty samples', () => {
    expect(mannWhitney([5, 5], [5, 5]).pGreater).toBe(0.5);
    expect(() => mannWhitney([], [1])).toThrow('both sides');
    expect(() => median([])).toThrow('no values');
    expect(median([3, 1, 2, 4])).toBe(2.5);
  });
});

describe('compareSamples', () => {
  const base = Array.from({ length: 200 }, (_, i) => 20 + (i % 10) * 0.3);
  it('flags a candidate 30% slower', () => {
    const c = compareSamples(
      base,
      base.map((v) => v * 1.3),
      { alpha: 0.01, tolerance: 0.1 },
    );
    expect(c.regression).toBe(true);
    expect(c.ratio).toBeCloseTo(1.3, 5);
    expect(c.reason).toMatch(/^candidate slower: median 27\.\d+ vs 21\.\d+ \(30\.0%, over the 10\.0% tolerance\)/);
  });

  it('does not flag the same release, nor a significant difference within the tolerance', () => {
    expect(compareSamples(base, [...base].reverse(), { alpha: 0.01, tolerance: 0.1 }).regression).toBe(false);
    const small = compareSamples(
      base,
      base.map((v) => v * 1.05),
      { alpha: 0.01, tolerance: 0.1 },
    );
    expect(small.regression).toBe(false);
    expect(small.reason).toMatch(/significant, within the tolerance/);
    expect(compareSamples([0, 0], [1, 1], { alpha: 0.5, tolerance: 0.1 }).ratio).toBe(Infinity);
    expect(compareSamples([0, 0], [0, 0], { alpha: 0.5, tolerance: 0.1 }).ratio).toBe(1);
  });
});
