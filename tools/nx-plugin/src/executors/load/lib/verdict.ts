/** The verdict on one endpoint's run: passed, failed (p95 at or over the bar, or any error), or
 * invalid (the generator did not achieve the rate asked, so the figures do not show the load). */
import type { EndpointFigures } from './oha';

/** How far below the target rate a run may fall and still count (the 1%). */
export const RATE_TOLERANCE = 0.01;

export type Verdict = 'passed' | 'failed' | 'invalid';

export interface Judged {
  verdict: Verdict;
  reasons: string[];
}

export function judge(figures: EndpointFigures, target: { rate: number; p95Ms: number }): Judged {
  const reasons: string[] = [];
  const floor = target.rate * (1 - RATE_TOLERANCE);
  if (figures.achievedRate < floor) {
    reasons.push(
      `achieved ${figures.achievedRate} req/s, more than ${RATE_TOLERANCE * 100}% below the ${target.rate} req/s asked: the run does not show that load`,
    );
  }
  if (figures.p95Ms >= target.p95Ms) reasons.push(`p95 ${figures.p95Ms} ms is not under ${target.p95Ms} ms`);
  if (figures.errors > 0) {
    const kinds = Object.entries(figures.errorKinds)
      .map(([k, n]) => `${k} x${n}`)
      .join(', ');
    reasons.push(`${figures.errors} of ${figures.requests} requests failed (${kinds})`);
  }
  const invalid = figures.achievedRate < floor;
  return { verdict: invalid ? 'invalid' : reasons.length > 0 ? 'failed' : 'passed', reasons };
}

/** A run passes only when every endpoint passed; an invalid endpoint makes the run invalid. */
export function overall(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('invalid')) return 'invalid';
  return verdicts.every((v) => v === 'passed') ? 'passed' : 'failed';
}
