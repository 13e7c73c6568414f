import picomatch from 'picomatch';
import { type Counter, type FileCoverage, METRICS, type Metric, addCounters } from './model';

/** Minimum percentages. A metric left out is not gated; one the report does not measure fails unless opted out. */
export type Thresholds = Partial<Record<Metric, number>>;

export interface Rule extends Thresholds {
  /** Shown in the output, e.g. "risk management". Defaults to the globs. */
  name?: string;
  /** Repository-relative globs of the files the rule holds to its thresholds, each file on its own. */
  include: string | string[];
}

export interface Check {
  scope: string;
  metric: Metric;
  covered: number;
  total: number;
  threshold: number;
  passed: boolean;
  /** False when the report does not measure the metric for this scope (passed only when opted out). */
  measured?: false;
}

export interface Evaluation {
  passed: boolean;
  /** Project totals per metric; absent where the report format does not measure it. */
  totals: Partial<Record<Metric, Counter>>;
  checks: Check[];
  /** Problems that fail the gate on their own: rules that match nothing, no lines at all. */
  errors: string[];
}

export function percent(c: Counter): number {
  return c.total === 0 ? 100 : (c.covered * 100) / c.total;
}

/** covered/total >= threshold%, in integers so that 79.99...% never rounds up to 80%. */
export function meets(c: Counter, threshold: number): boolean {
  return c.covered * 100 >= threshold * c.total;
}

function check(scope: string, metric: Metric, counter: Counter | undefined, threshold: number | undefined, optedOut: boolean): Check | undefined {
  if (threshold === undefined) return undefined;
  if (counter === undefined) return { scope, metric, covered: 0, total: 0, threshold, passed: optedOut, measured: false };
  return { scope, metric, covered: counter.covered, total: counter.total, threshold, passed: meets(counter, threshold) };
}

const unmeasured = (metric: Metric, threshold: number) =>
  `${metric} is gated at ${threshold}% but the report does not measure it: make the test report it, or list "${metric}" in the coverage target's notMeasured option`;

export function totalsOf(files: FileCoverage[]): Partial<Record<Metric, Counter>> {
  const totals: Partial<Record<Metric, Counter>> = {};
  for (const file of files) {
    for (const metric of METRICS) totals[metric] = addCounters(totals[metric], file[metric]);
  }
  return totals;
}

/**
 * Gate `files` (paths relative to the repository) on project-wide `thresholds` and per-file
 * `rules`. Failing checks come first. Nothing passes by default: no lines, a rule whose globs
 * match no covered file, or a threshold on a metric the report does not measure (unless the
 * metric is listed in `notMeasured`, the project's explicit opt-out) is an error.
 */
export function evaluateThresholds(files: FileCoverage[], thresholds: Thresholds, rules: Rule[] = [], notMeasured: Metric[] = []): Evaluation {
  const errors: string[] = [];
  const checks: Check[] = [];
  const totals = totalsOf(files);
  const optedOut = (metric: Metric) => notMeasured.includes(metric);
  if (!totals.lines || totals.lines.total === 0) {
    errors.push('the coverage report has no executable lines');
  }
  for (const metric of METRICS) {
    if (metric === 'lines' && !totals.lines) continue; // no files at all: the error above says so
    const c = check('total', metric, totals[metric], thresholds[metric], optedOut(metric));
    if (!c) continue;
    checks.push(c);
    if (c.measured === false && !c.passed) errors.push(unmeasured(metric, c.threshold));
  }
  for (const rule of rules) {
    const globs = Array.isArray(rule.include) ? rule.include : [rule.include];
    const name = rule.name ?? globs.join(', ');
    const matches = picomatch(globs, { dot: true });
    const matched = files.filter((f) => matches(f.path));
    if (matched.length === 0) {
      errors.push(`rule "${name}" matches no covered file (globs: ${globs.join(', ')}): fix the globs or the report`);
      continue;
    }
    const reported = new Set<Metric>();
    for (const file of matched) {
      for (const metric of METRICS) {
        const c = check(file.path, metric, file[metric], rule[metric], optedOut(metric));
        if (!c) continue;
        checks.push(c);
        if (c.measured === false && !c.passed && !reported.has(metric)) {
          reported.add(metric);
          errors.push(`rule "${name}": ${unmeasured(metric, c.threshold)}`);
        }
      }
    }
  }
  checks.sort((a, b) => Number(a.passed) - Number(b.passed));
  return { passed: errors.length === 0 && checks.every((c) => c.passed), totals, checks, errors };
}
