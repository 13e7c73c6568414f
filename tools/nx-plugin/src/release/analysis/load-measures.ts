import type { QueryResult } from './prometheus';
import type { LoadMeasure } from './schema';

/**
 * What the analysis' load generator (tools/load/traffic.mjs with --per-second) saw, for services
 * without request metrics of their own (the dashboard, the cache server): Flagger's
 * request-success and request-duration from its load tester. The generator prints one line per
 * second of the requests that ended in it; the analysis judges the requests of its window.
 */
export { LOAD_MEASURES, type LoadMeasure } from './schema';

/** The requests that ended within one second: each one's milliseconds, and how many failed (no answer or 5xx). */
export interface LoadSecond {
  at: number;
  ms: number[];
  failed: number;
}

const PREFIX = 'traffic-second ';

/** One generator line: a second's requests, or null for any other line (its summary, an error). */
export function parseLoadLine(line: string): LoadSecond | null {
  if (!line.startsWith(PREFIX)) return null;
  try {
    const value = JSON.parse(line.slice(PREFIX.length)) as Partial<LoadSecond>;
    if (typeof value.at !== 'number' || !Array.isArray(value.ms) || typeof value.failed !== 'number') return null;
    if (!value.ms.every((n) => typeof n === 'number') || value.failed > value.ms.length) return null;
    return { at: value.at, ms: value.ms, failed: value.failed };
  } catch {
    return null;
  }
}

/** The line the generator prints for one second (the inverse of parseLoadLine). */
export const loadLine = (second: LoadSecond): string => `${PREFIX}${JSON.stringify(second)}`;

/**
 * One measure over the seconds in [fromMs, toMs): the failed share of all requests (a ratio), or
 * the 95th percentile of their durations (seconds, nearest rank). No request in the window is no
 * data: inconclusive, never a pass.
 */
export function measureLoad(seconds: LoadSecond[], measure: LoadMeasure, fromMs: number, toMs: number): QueryResult {
  const window = seconds.filter((s) => s.at >= fromMs && s.at < toMs);
  const ms = window.flatMap((s) => s.ms);
  if (ms.length === 0) return { inconclusive: `the load generator finished no request in the last ${((toMs - fromMs) / 1000).toFixed(0)} s` };
  if (measure === 'error-rate') return { value: window.reduce((n, s) => n + s.failed, 0) / ms.length };
  const sorted = [...ms].sort((a, b) => a - b);
  return { value: sorted[Math.ceil(0.95 * sorted.length) - 1] / 1000 };
}
