import { type Color, other } from '../config/manifests';
import type { Observed } from './planner';

import { orphanedSince, type LeaseView } from '@trading/release-model';

export type { LeaseView };

export type ReconcileAction = { kind: 'remove-canary'; why: string } | { kind: 'abort'; why: string } | { kind: 'scale-down'; color: Color; why: string };

export interface ReconcilePlan {
  /** A run holds the lease and renews it: it owns the service, nothing is touched. */
  running: string | null;
  /** When the run that owed a verdict stopped (its lease's expiry); null when nothing is orphaned. */
  orphanedSince: number | null;
  actions: ReconcileAction[];
}

/**
 * Pure: what `deploy:reconcile` does to one service (issue 34, paths 6 and 11). A run's deadline is
 * its lease: renewed while it works, expired when it died. Once no run holds it:
 * - a canary (or baseline) left behind is removed: it serves live traffic nobody judges;
 * - a release still Soaking is taken off traffic (back to the judged-good colour): its soak's run
 *   is gone, so traffic would stay on an unjudged release until someone noticed;
 * - a Promoted release's previous colour is scaled down once its standby window, counted from the
 *   promotion (the soak's end), has passed: a hot standby while it lasts, no capacity after.
 * Halted is left alone: a run stopped there on purpose and an operator decides.
 */
export function reconcilePlan(input: { observed: Observed; canary: boolean; lease: LeaseView | null; standbyMs: number; now: number }): ReconcilePlan {
  const { observed, lease, now } = input;
  if (lease && lease.expiresAt > now) return { running: lease.holder, orphanedSince: null, actions: [] };
  const actions: ReconcileAction[] = [];
  const since = lease ? lease.expiresAt : null;
  const when = since === null ? 'no run holds its lease' : `its run stopped renewing its lease at ${new Date(since).toISOString()}`;
  if (input.canary) actions.push({ kind: 'remove-canary', why: `a canary is up and ${when}` });
  const phase = observed.state?.phase;
  if (observed.active && phase === 'Soaking')
    actions.push({ kind: 'abort', why: `release ${observed.activeRelease} is live and unjudged (Soaking), and ${when}` });
  if (observed.active && phase === 'Promoted') {
    const old = other(observed.active);
    const standbyFrom = Math.max(observed.state!.since, observed.switchedAt ?? 0);
    if ((observed.deployments[old]?.replicas ?? 0) > 0 && now - standbyFrom >= input.standbyMs)
      actions.push({ kind: 'scale-down', color: old, why: `its standby window (${Math.round(input.standbyMs / 1000)} s from the promotion) has passed` });
  }
  return { running: null, orphanedSince: orphanedSince(observed, input.canary, lease, now), actions };
}
