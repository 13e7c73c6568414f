import type { EndpointFigures } from './oha';
import type { Judged, Verdict } from './verdict';

export interface EndpointResult extends Judged {
  /** The endpoint's label: its path, with the method when it is not GET. */
  path: string;
  /** The arrival rate asked of it. */
  rate: number;
  figures: EndpointFigures;
}

const MARK: Record<Verdict, string> = { passed: 'PASS', failed: 'FAIL', invalid: 'INVALID' };

/** The run as a Markdown table (the terminal and the GitHub step summary). */
export function renderLoad(
  project: string,
  target: { rate: number; users: number; durationSeconds: number; p95Ms: number },
  results: EndpointResult[],
  verdict: Verdict,
): string {
  const rows = results.map((r) => {
    const f = r.figures;
    return `| \`${r.path}\` | ${MARK[r.verdict]} | ${r.rate} | ${f.achievedRate} | ${f.p50Ms} | ${f.p95Ms} | ${f.p99Ms} | ${f.maxMs} | ${f.errors}/${f.requests} |`;
  });
  const reasons = results.flatMap((r) => r.reasons.map((reason) => `- \`${r.path}\`: ${reason}`));
  return [
    `### Load test of ${project}: ${MARK[verdict]}`,
    '',
    `${target.users} users, each endpoint at its arrival rate for ${target.durationSeconds} s, open model (oha, latency from each request's scheduled start); bar: p95 under ${target.p95Ms} ms, no error, rate within 1%.`,
    '',
    '| endpoint | verdict | req/s asked | req/s achieved | p50 ms | p95 ms | p99 ms | max ms | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(reasons.length ? ['', ...reasons] : []),
    '',
  ].join('\n');
}
