/** Coverage data as every parser returns it, before paths are resolved to repository files. */

export type Metric = 'lines' | 'branches' | 'functions';
export const METRICS: readonly Metric[] = ['lines', 'branches', 'functions'];

export interface Counter {
  total: number;
  covered: number;
}

/** One source file's coverage. A metric the format does not carry is absent, not zero. */
export interface FileCoverage {
  path: string;
  lines: Counter;
  branches?: Counter;
  functions?: Counter;
}

export type ReportFormat = 'lcov' | 'cobertura' | 'istanbul-summary' | 'istanbul-final';

export interface CoverageReport {
  format: ReportFormat;
  /** The report file, as given to the parser. */
  source: string;
  files: FileCoverage[];
  /** Directories a Cobertura report names in <sources>, for resolving relative file names. */
  sourceRoots: string[];
}

/** A report that cannot be trusted: names the file and the line or element that is wrong. */
export class ReportError extends Error {
  constructor(
    readonly source: string,
    readonly where: string,
    detail: string,
  ) {
    super(`${source}${where ? ` (${where})` : ''}: ${detail}`);
    this.name = 'ReportError';
  }
}

export function addCounters(a: Counter | undefined, b: Counter | undefined): Counter | undefined {
  if (!a) return b && { ...b };
  if (!b) return { ...a };
  return { total: a.total + b.total, covered: a.covered + b.covered };
}

/** A counter no producer can honestly write: negative, fractional, or more covered than exist. */
export function impossibleCounter(c: Counter): boolean {
  return !Number.isInteger(c.total) || !Number.isInteger(c.covered) || c.total < 0 || c.covered < 0 || c.covered > c.total;
}

/**
 * One file reported twice (by two reports, or under an absolute and a relative path) becomes one
 * entry. Without per-line data the union is unknown, so the better of the two counts is kept, which
 * never overstates; two different totals for one file mean the reports disagree: an error.
 */
export function mergeFile(a: FileCoverage, b: FileCoverage): FileCoverage | string {
  const merged: FileCoverage = { path: a.path, lines: a.lines };
  for (const metric of METRICS) {
    const x = a[metric];
    const y = b[metric];
    if (x && y && x.total !== y.total) return `${a.path} is reported twice with different ${metric} totals (${x.total} and ${y.total})`;
    const best = x && y ? (x.covered >= y.covered ? x : y) : (x ?? y);
    if (best) merged[metric] = { ...best };
  }
  return merged;
}
