import type { Release } from './history';

// Delivery metrics (DORA's four keys, as Google's Four Keys computes them) of one service in one
// environment, from its release history alone: what the deploy engine records is the only source.
// - Deployments: deploys that went live (traffic moved to them) in the window. A deploy whose
//   canary or rollout failed never served users: not a deployment, and not a change failure.
// - Lead time for changes: from the commit's time (the image record's `created`, recorded as
//   `commitTime`) to the deploy going live; the median over the window's deployments that have it.
// - Change failure rate: the share of those deployments later taken back (outcome rolled-back: a
//   soak's switch-back, an alert's or an operator's rollback).
// - Time to restore: from a failed deployment going live to the rollback entry that restored the
//   previous release; the median. (A failure still live has no restore yet: counted, not timed.)
// The history keeps HISTORY_LIMIT entries per service, so a busy service's 30 days may be cut
// short: `since` says from when the figures count.

export interface DeliveryMetrics {
  days: number;
  /** The window's start, or the oldest history entry's time when the history starts later. */
  since: string;
  deployments: number;
  /** Deployments per day over the window. */
  perDay: number;
  /** Median lead time in seconds; null when no deployment in the window recorded its commit time. */
  leadTimeSeconds: number | null;
  failures: number;
  /** failures / deployments; null without deployments. */
  changeFailureRate: number | null;
  /** Median time to restore in seconds; null when no failure in the window was restored. */
  timeToRestoreSeconds: number | null;
}

const at = (time: string) => Date.parse(time);

/** The median, or null for no values. */
export function medianOrNull(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Pure: the service's delivery metrics over the `days` before `now` (ms since epoch). */
export function deliveryMetrics(history: Release[], now: number, days: number): DeliveryMetrics {
  const from = now - days * 86_400_000;
  const dated = history.filter((r) => Number.isFinite(at(r.time))); // an entry without a readable time counts nowhere
  const oldest = dated.length ? Math.min(...dated.map((r) => at(r.time))) : from;
  const deployments = dated.filter((r) => r.kind === 'deploy' && r.outcome !== 'failed' && at(r.time) >= from && at(r.time) <= now);
  const failed = deployments.filter((r) => r.outcome === 'rolled-back');
  const restoredAt = (r: Release) => dated.find((later) => later.revision > r.revision && later.kind === 'rollback')?.time;
  const restores = failed.flatMap((r) => {
    const restored = restoredAt(r);
    return restored ? [(at(restored) - at(r.time)) / 1000] : [];
  });
  const leadTimes = deployments.flatMap((r) => (r.commitTime ? [(at(r.time) - at(r.commitTime)) / 1000] : []));
  return {
    days,
    since: new Date(Math.max(from, oldest)).toISOString(),
    deployments: deployments.length,
    perDay: deployments.length / days,
    leadTimeSeconds: medianOrNull(leadTimes),
    failures: failed.length,
    changeFailureRate: deployments.length ? failed.length / deployments.length : null,
    timeToRestoreSeconds: medianOrNull(restores),
  };
}

/** A duration for a table: 42 s, 7.5 min, 3.2 h, 2.1 d. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
