/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), as Kayenta's canary judge uses it: does one sample
 * (the candidate's latencies, say) tend to be larger than another (the baseline's), without assuming
 * either is normal? Ranks with ties averaged; the p-value from the normal approximation with the tie
 * correction and a continuity correction, fine from about 20 values per side.
 */
export interface MannWhitney {
  /** U of the candidate: how many (baseline, candidate) pairs have the candidate larger (ties 1/2). */
  u: number;
  z: number;
  /** One-sided p-value of "the candidate is not larger" (small: the candidate is larger). */
  pGreater: number;
}

/** Standard normal upper tail, P(Z > z) (Abramowitz and Stegun 7.1.26 via erfc; error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export function mannWhitney(baseline: readonly number[], candidate: readonly number[]): MannWhitney {
  const n1 = baseline.length;
  const n2 = candidate.length;
  if (n1 === 0 || n2 === 0) throw new Error('Mann-Whitney needs values on both sides');
  const all = [...baseline.map((v) => ({ v, c: false })), ...candidate.map((v) => ({ v, c: true }))].sort((a, b) => a.v - b.v);
  let candidateRanks = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const rank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    const t = j - i;
    tieTerm += t * t * t - t;
    for (let k = i; k < j; k++) if (all[k].c) candidateRanks += rank;
    i = j;
  }
  const u = candidateRanks - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, pGreater: 0.5 }; // every value equal: no evidence either way
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, z, pGreater: normalUpperTail(z) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Comparison extends MannWhitney {
  baselineMedian: number;
  candidateMedian: number;
  /** candidate median / baseline median. */
  ratio: number;
  regression: boolean;
  reason: string;
}

/**
 * The verdict on two samples of the same measure, taken side by side: a regression when the
 * candidate is larger with significance (pGreater < alpha) and by more than the tolerance at the
 * median; either alone is noise or a difference too small to matter.
 */
export function compareSamples(
  baseline: readonly number[],
  candidate: readonly number[],
  { alpha, tolerance }: { alpha: number; tolerance: number },
): Comparison {
  const test = mannWhitney(baseline, candidate);
  const baselineMedian = median(baseline);
  const candidateMedian = median(candidate);
  const ratio = baselineMedian > 0 ? candidateMedian / baselineMedian : candidateMedian > 0 ? Infinity : 1;
  const significant = test.pGreater < alpha;
  const large = ratio > 1 + tolerance;
  const regression = significant && large;
  const pct = (r: number) => `${((r - 1) * 100).toFixed(1)}%`;
  const reason = regression
    ? `candidate slower: median ${candidateMedian.toFixed(2)} vs ${baselineMedian.toFixed(2)} (${pct(ratio)}, over the ${pct(1 + tolerance)} tolerance), Mann-Whitney p ${test.pGreater.toExponential(2)} < ${alpha}`
    : `no regression: median ${candidateMedian.toFixed(2)} vs ${baselineMedian.toFixed(2)} (${pct(ratio)}), Mann-Whitney p ${test.pGreater.toExponential(2)}${significant ? ' (significant, within the tolerance)' : ''}`;
  return { ...test, baselineMedian, candidateMedian, ratio, regression, reason };
}
