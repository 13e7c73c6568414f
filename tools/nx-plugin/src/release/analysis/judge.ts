import type { FailWhen, MetricSpec, ServiceAnalysis } from './schema';

/** One measurement of one metric: a value, or why there is none (unreachable, no data, NaN). */
export type Measurement = { metric: string; at: number } & ({ value: number } | { inconclusive: string });

export interface MetricTally {
  measurements: number;
  failures: number;
  consecutiveInconclusive: number;
  last?: Measurement;
}

export type Verdict = { status: 'running' } | { status: 'failed'; metric: string; reason: string } | { status: 'inconclusive'; metric: string; reason: string };

export interface Tally {
  metrics: Record<string, MetricTally>;
  verdict: Verdict;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** Fills a query template; an unknown placeholder is an error, not an empty string. */
export function renderQuery(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`query placeholder {{${name}}} is not one of ${Object.keys(vars).join(', ')}`);
    return vars[name];
  });
}

/** PromQL label matchers from label values, escaped. */
export const matchers = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');

export const promDuration = (seconds: number) => (Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`);

export function breaches(value: number, failWhen: FailWhen): boolean {
  return (failWhen.above !== undefined && value > failWhen.above) || (failWhen.below !== undefined && value < failWhen.below);
}

export function formatValue(value: number, unit: MetricSpec['unit']): string {
  if (unit === 'ratio') return `${(value * 100).toFixed(2)}%`;
  if (unit === 'seconds') return `${(value * 1000).toFixed(0)} ms`;
  return String(Number(value.toPrecision(6)));
}

export function describeCondition(failWhen: FailWhen, unit: MetricSpec['unit']): string {
  const parts = [];
  if (failWhen.above !== undefined) parts.push(`> ${formatValue(failWhen.above, unit)}`);
  if (failWhen.below !== undefined) parts.push(`< ${formatValue(failWhen.below, unit)}`);
  return parts.join(' or ');
}

/** The metrics that apply to a service: its selection of the templates, with its own thresholds. */
export function metricsFor(all: MetricSpec[], service: ServiceAnalysis | undefined, serviceName: string): MetricSpec[] {
  const names = new Set(all.map((m) => m.name));
  for (const n of [...(service?.metrics ?? []), ...Object.keys(service?.failWhen ?? {})]) {
    if (!names.has(n)) throw new Error(`service ${serviceName}: analysis metric "${n}" is not defined in analysis.yaml (defined: ${[...names].join(', ')})`);
  }
  // By default the Prometheus metrics; the load generator's measures only for a service that names them.
  const chosen = service?.metrics ? all.filter((m) => service.metrics!.includes(m.name)) : all.filter((m) => m.provider === 'prometheus');
  return chosen.map((m) => (service?.failWhen[m.name] ? { ...m, failWhen: service.failWhen[m.name] } : m));
}

export const emptyTally = (metrics: MetricSpec[]): Tally => ({
  metrics: Object.fromEntries(metrics.map((m) => [m.name, { measurements: 0, failures: 0, consecutiveInconclusive: 0 }])),
  verdict: { status: 'running' },
});

/**
 * Adds one round of measurements. A value breaching the metric's condition is a failure; more
 * failures than its failureLimit fail the analysis. No value is inconclusive; more consecutive
 * inconclusive measurements than inconclusiveLimit make the analysis inconclusive. Never passes
 * by itself: the caller decides that the duration is over while the verdict is still running.
 */
export function addRound(tally: Tally, metrics: MetricSpec[], round: Measurement[], inconclusiveLimit: number): Tally {
  if (tally.verdict.status !== 'running') return tally;
  const next: Tally = { metrics: { ...tally.metrics }, verdict: tally.verdict };
  for (const m of round) {
    const spec = metrics.find((s) => s.name === m.metric);
    if (!spec) throw new Error(`measurement of unknown metric ${m.metric}`);
    const prev = next.metrics[m.metric];
    const t: MetricTally = { ...prev, measurements: prev.measurements + 1, last: m };
    if ('value' in m) {
      t.consecutiveInconclusive = 0;
      if (breaches(m.value, spec.failWhen)) {
        t.failures += 1;
        if (t.failures > spec.failureLimit && next.verdict.status === 'running') {
          next.verdict = {
            status: 'failed',
            metric: spec.name,
            reason: `${spec.name} ${formatValue(m.value, spec.unit)} ${describeCondition(spec.failWhen, spec.unit)} (${t.failures} failed measurement(s), limit ${spec.failureLimit})`,
          };
        }
      }
    } else {
      t.consecutiveInconclusive += 1;
      if (t.consecutiveInconclusive > inconclusiveLimit && next.verdict.status === 'running') {
        next.verdict = {
          status: 'inconclusive',
          metric: spec.name,
          reason: `${spec.name}: ${m.inconclusive} (${t.consecutiveInconclusive} measurement(s) in a row)`,
        };
      }
    }
    next.metrics[m.metric] = t;
  }
  return next;
}

/** One line per metric: last value, failures, measurements. */
export function summarise(tally: Tally, metrics: MetricSpec[]): string {
  return metrics
    .map((spec) => {
      const t = tally.metrics[spec.name];
      const last = t.last ? ('value' in t.last ? formatValue(t.last.value, spec.unit) : `inconclusive (${t.last.inconclusive})`) : 'not measured';
      return `${spec.name}: last ${last}, fail ${describeCondition(spec.failWhen, spec.unit)}, ${t.failures}/${t.measurements} failed`;
    })
    .join('; ');
}
