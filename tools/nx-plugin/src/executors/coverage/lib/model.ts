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
  /** The path as the report wrote it (set when resolved to a repository path). */
  reportedAs?: string;
  /** Per-line detail, read only for files that need it (one file in two reports): hits by line. */
  lineHits?: Map<number, number>;
  /** Per-branch detail: LCOV's line:block:branch (total 1 each), or Cobertura's line (its counts). */
  branchHits?: Map<string, Counter>;
}

/** Which files a parser keeps per-line detail for, by the path the report writes. */
export type KeepDetail = (reportedPath: string) => boolean;

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

/**
 * One file from several reports with per-line detail: a line is covered when any report covered it
 * (hits add up), a branch when any report took it. Reports that disagree on which lines or branches
 * exist are not runs of one instrumented file: an error.
 */
export function uniteFiles(path: string, parts: FileCoverage[]): FileCoverage | string {
  const lineHits = new Map<number, number>();
  const branchHits = new Map<string, Counter>();
  parts.forEach((part) => {
    for (const [line, hits] of part.lineHits ?? []) lineHits.set(line, (lineHits.get(line) ?? 0) + hits);
    for (const [key, c] of part.branchHits ?? []) {
      const seen = branchHits.get(key);
      branchHits.set(key, seen ? { total: Math.max(seen.total, c.total), covered: Math.max(seen.covered, c.covered) } : { ...c });
    }
  });
  const uneven = [...lineHits.keys()].filter((line) => parts.some((part) => !part.lineHits?.has(line))).sort((a, b) => a - b);
  if (uneven.length)
    return `${path} is reported twice with different executable lines (${uneven.length > 1 ? 'lines' : 'line'} ${uneven.join(', ')} not in every report)`;
  for (const part of parts) {
    if (part.branchHits && part.branchHits.size > 0) {
      const other = [...branchHits.keys()].find((key) => !part.branchHits?.has(key));
      if (other !== undefined) return `${path} is reported twice with different branches (${other} in one report only)`;
      for (const [key, c] of part.branchHits) {
        if (c.total !== branchHits.get(key)?.total) return `${path} is reported twice with different branch counts on line ${key}`;
      }
    }
  }
  const hasBranches = parts.some((p) => p.branchHits && p.branchHits.size > 0);
  const merged: FileCoverage = {
    path,
    lines: { total: lineHits.size, covered: [...lineHits.values()].filter((h) => h > 0).length },
  };
  if (hasBranches) {
    merged.branches = [...branchHits.values()].reduce((sum, c) => ({ total: sum.total + c.total, covered: sum.covered + c.covered }), { total: 0, covered: 0 });
  }
  const functions = parts.map((p) => p.functions).filter((f): f is Counter => f !== undefined);
  if (functions.length) merged.functions = functions.reduce((best, f) => (f.covered > best.covered ? f : best));
  return merged;
}
