import { type AnalysisMetric, type AnalysisRecord, breached, progress } from '@trading/release-model';

// The analysis of the release being judged, as the deploy engine records it round by round: a
// progress bar with the time left, each metric's values against its threshold (a small chart), and
// the verdict once it is made.

const format = (metric: AnalysisMetric, value: number | null) =>
  value === null
    ? 'no data'
    : metric.unit === 'ratio'
      ? `${(value * 100).toFixed(2)}%`
      : metric.unit === 'seconds'
        ? `${Math.round(value * 1000)} ms`
        : String(Math.round(value * 100) / 100);

const condition = (metric: AnalysisMetric) =>
  [
    metric.failWhen.above !== undefined && `fails above ${format(metric, metric.failWhen.above)}`,
    metric.failWhen.below !== undefined && `fails below ${format(metric, metric.failWhen.below)}`,
  ]
    .filter(Boolean)
    .join(', ');

/** A metric's values over the rounds, its threshold as a dashed line; breaching points in red. */
export function Sparkline({ metric, values }: { metric: AnalysisMetric; values: (number | null)[] }) {
  const width = 120;
  const height = 36;
  const threshold = metric.failWhen.above ?? metric.failWhen.below ?? 0;
  const known = values.filter((v): v is number => v !== null);
  const top = Math.max(threshold * 1.25, ...known, Number.EPSILON);
  const x = (i: number) => (values.length <= 1 ? width / 2 : (i * (width - 6)) / (values.length - 1) + 3);
  const y = (v: number) => height - 3 - (v / top) * (height - 6);
  const points = values.flatMap((v, i) => (v === null ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`]));
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={`${metric.name}: ${values.length} round(s), ${condition(metric)}`}>
      <line x1={0} x2={width} y1={y(threshold)} y2={y(threshold)} className="threshold" />
      {points.length > 1 ? <polyline points={points.join(' ')} className="series" /> : null}
      {values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={2.5} className={breached(metric, v) ? 'breach' : 'point'} />))}
    </svg>
  );
}

export function AnalysisPanel({ record, now }: { record: AnalysisRecord; now: number }) {
  const done = progress(record, now);
  const left = Math.max(0, Math.round((Date.parse(record.deadline) - now) / 1000));
  const last = record.rounds.at(-1);
  return (
    <div className={`analysis ${record.verdict ? `verdict-${record.verdict.status}` : 'running'}`} data-testid="analysis">
      <p>
        <strong>{record.kind === 'canary' ? 'Canary' : 'Soak'}</strong> of release <code>{record.release}</code>:{' '}
        {record.verdict ? (
          <span data-testid="analysis-verdict">
            {record.verdict.status} after {record.rounds.length} round(s) — {record.verdict.reason}
          </span>
        ) : (
          <span data-testid="analysis-left">
            round {record.rounds.length}, {left} s left
          </span>
        )}
      </p>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(done * 100)}
        aria-label={`${record.kind} progress`}
      >
        <div style={{ width: `${Math.round(done * 100)}%` }} />
      </div>
      <div className="table-scroll">
        <table className="metrics">
          <thead>
            <tr>
              <th className="left">metric</th>
              <th>last</th>
              <th className="left">threshold</th>
              <th className="left">rounds</th>
            </tr>
          </thead>
          <tbody>
            {record.metrics.map((m) => {
              const value = last ? (last.values[m.name] ?? null) : null;
              return (
                <tr key={m.name} data-testid={`metric-${m.name}`}>
                  <td className="left">{m.name}</td>
                  <td className={breached(m, value) ? 'loss' : ''}>{last ? format(m, value) : '-'}</td>
                  <td className="left">{condition(m)}</td>
                  <td className="left">
                    <Sparkline metric={m} values={record.rounds.map((r) => r.values[m.name] ?? null)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {last?.health ? <p className="error">health: {last.health}</p> : null}
    </div>
  );
}
