/** oha's command line for one endpoint, and its JSON report (`--output-format json`) as figures. */
import { z } from 'zod';

export interface EndpointRun {
  url: string;
  /** GET unless said; a POST sends `body` as JSON. */
  method?: 'GET' | 'POST';
  body?: unknown;
  rate: number;
  users: number;
  durationSeconds: number;
}

/** Constant arrival rate (-q) for a fixed time (-z), latency measured from each request's scheduled
 * start (--latency-correction: coordinated omission corrected), requests in flight at the end
 * awaited (-w; oha otherwise aborts them and counts "aborted due to deadline" errors that are the
 * run's own cut, not the service's), no TUI, JSON out. */
export function ohaArgs(run: EndpointRun): string[] {
  return [
    '--no-tui',
    '--output-format',
    'json',
    '--latency-correction',
    '-w',
    '-q',
    String(run.rate),
    '-c',
    String(run.users),
    '-z',
    `${run.durationSeconds}s`,
    ...(run.method && run.method !== 'GET' ? ['-m', run.method] : []),
    ...(run.body !== undefined ? ['-T', 'application/json', '-d', JSON.stringify(run.body)] : []),
    run.url,
  ];
}

const ohaReportSchema = z.object({
  summary: z.object({
    total: z.number(),
    requestsPerSec: z.number().nullable().optional(),
    successRate: z.number().nullable().optional(),
    slowest: z.number().nullable().optional(),
  }),
  latencyPercentiles: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  statusCodeDistribution: z.record(z.string(), z.number()),
  errorDistribution: z.record(z.string(), z.number()),
});

export interface EndpointFigures {
  requests: number;
  achievedRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 2xx, and requests that got no answer (connection errors, timeouts). */
  errors: number;
  errorKinds: Record<string, number>;
}

const ms = (seconds: number | null | undefined) => Math.round((seconds ?? 0) * 1000 * 100) / 100;

/** The figures of one run of `durationSeconds`: the rate achieved is the requests oha started in that
 * window over its length (with -w the run's total also holds the wait for the last answers, which
 * would read as a rate shortfall the length of one latency). */
export function parseOhaReport(text: string, durationSeconds: number): EndpointFigures {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`oha's report is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = ohaReportSchema.safeParse(json);
  if (!parsed.success) throw new Error(`oha's report has an unexpected shape: ${z.prettifyError(parsed.error)}`);
  const r = parsed.data;
  const answered = Object.values(r.statusCodeDistribution).reduce((a, b) => a + b, 0);
  const failedAnswers = Object.entries(r.statusCodeDistribution).filter(([code]) => !/^2\d\d$/.test(code));
  const unanswered = Object.values(r.errorDistribution).reduce((a, b) => a + b, 0);
  const errorKinds = Object.fromEntries([...failedAnswers.map(([code, n]) => [`HTTP ${code}`, n] as const), ...Object.entries(r.errorDistribution)]);
  const requests = answered + unanswered;
  return {
    requests,
    achievedRate: Math.round((requests / durationSeconds) * 100) / 100,
    p50Ms: ms(r.latencyPercentiles.p50),
    p95Ms: ms(r.latencyPercentiles.p95),
    p99Ms: ms(r.latencyPercentiles.p99),
    maxMs: ms(r.summary.slowest),
    errors: failedAnswers.reduce((a, [, n]) => a + n, 0) + unanswered,
    errorKinds,
  };
}
