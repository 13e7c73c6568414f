import { z } from 'zod';
import type { SeriesResult } from './baseline-judge';
import { TokenError } from './prometheus-token';

/** Prometheus' instant-query answer (GET /api/v1/query), as far as the analysis reads it. */
const answerSchema = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.string(),
      result: z.union([
        z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
        z.tuple([z.number(), z.string()]),
      ]),
    })
    .optional(),
});

export type QueryResult = { value: number } | { inconclusive: string };

/** The analysis' only view of Prometheus: one number per query, or why there is none. */
export interface MetricsSource {
  query(promql: string): Promise<QueryResult>;
  /** One series over [startSec, endSec] at stepSec (the canary-versus-baseline judgement). */
  queryRange?(promql: string, startSec: number, endSec: number, stepSec: number): Promise<SeriesResult>;
}

const rangeSchema = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
    })
    .optional(),
});

/**
 * Instant queries against the Prometheus HTTP API. An unreachable server, an error answer, an
 * empty result, several series or NaN are inconclusive, never a value: a gate must not pass on
 * missing data.
 */
export class PrometheusSource implements MetricsSource {
  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
    /** A bearer token for each request (prometheus-token.ts), for a Prometheus behind authentication. */
    private readonly token?: () => Promise<string>,
  ) {}

  /** POSTs a query; the answer's text, or why there is none. */
  private async post(path: string, params: Record<string, string>): Promise<{ status: number; text: string } | { inconclusive: string }> {
    const endpoint = new URL(path, this.url.endsWith('/') ? this.url : `${this.url}/`);
    let headers: Record<string, string> = {};
    try {
      if (this.token) headers = { authorization: `Bearer ${await this.token()}` };
    } catch (error) {
      if (error instanceof TokenError) return { inconclusive: error.message };
      throw error;
    }
    // The time-out covers the whole exchange, the body included: a server that sends headers and
    // then stalls is as unreachable as one that never answers.
    try {
      const response = await fetch(endpoint, { method: 'POST', headers, body: new URLSearchParams(params), signal: AbortSignal.timeout(this.timeoutMs) });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        const fix = this.token ? 'its token was not accepted' : "it wants a token: set the environment's analysis.prometheusToken";
        return { inconclusive: `Prometheus at ${this.url} refused the query (HTTP ${response.status}): ${fix}` };
      }
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      const why = timedOut ? `no answer within ${this.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
      return { inconclusive: `Prometheus at ${this.url} unreachable (${why})` };
    }
  }

  /** POSTs a query and reads its answer's data with `schema`, or says why there is none. */
  private async ask<D>(
    path: string,
    params: Record<string, string>,
    schema: z.ZodType<{ status: 'success' | 'error'; error?: string; data?: D }>,
    what: string,
  ): Promise<D | { inconclusive: string }> {
    const answer = await this.post(path, params);
    if ('inconclusive' in answer) return answer;
    const { status, text } = answer;
    let parsed: { status: 'success' | 'error'; error?: string; data?: D };
    try {
      parsed = schema.parse(JSON.parse(text));
    } catch {
      return { inconclusive: `Prometheus at ${this.url} answered HTTP ${status} with something that is not ${what}: ${text.slice(0, 120)}` };
    }
    if (parsed.status === 'error' || !parsed.data) return { inconclusive: `Prometheus rejected the query (HTTP ${status}): ${parsed.error ?? 'no data'}` };
    return parsed.data;
  }

  async query(promql: string): Promise<QueryResult> {
    const data = await this.ask('api/v1/query', { query: promql }, answerSchema, 'a query result');
    if ('inconclusive' in data) return data;
    const { resultType, result } = data;
    let sample: string;
    if (resultType === 'scalar') {
      sample = (result as [number, string])[1];
    } else {
      const series = result as { value: [number, string] }[];
      if (series.length === 0) return { inconclusive: 'no data (the query matched no series)' };
      if (series.length > 1) return { inconclusive: `the query returned ${series.length} series; aggregate it to one (sum, histogram_quantile)` };
      sample = series[0].value[1];
    }
    const value = Number(sample);
    if (!Number.isFinite(value)) return { inconclusive: `no data (the query evaluated to ${sample}: no requests in the window)` };
    return { value };
  }

  /** A range query's one series; steps without a finite value (no requests in the window) are left out. */
  async queryRange(promql: string, startSec: number, endSec: number, stepSec: number): Promise<SeriesResult> {
    const params = { query: promql, start: String(startSec), end: String(endSec), step: String(stepSec) };
    const data = await this.ask('api/v1/query_range', params, rangeSchema, 'a range result');
    if ('inconclusive' in data) return data;
    const series = data.result;
    if (series.length === 0) return { inconclusive: 'no data (the query matched no series)' };
    if (series.length > 1) return { inconclusive: `the query returned ${series.length} series; aggregate it to one` };
    return { values: series[0].values.map(([, v]) => Number(v)).filter(Number.isFinite) };
  }
}
