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
