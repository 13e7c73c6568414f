import type { Observed } from './planner';
import { UNJUDGED } from '../status/release-state';

/**
 * Pure: why a service's live release is a candidate for a rollback nobody narrowed down (no
 * --services, no --all, no alert), or null to leave it alone: it is still being judged, it went
 * live within `recentMs`, or it has fewer ready endpoints than its colour's replicas.
 */
export function rollbackCandidate(observed: Observed, activeReady: number, recentMs: number): string | null {
  if (!observed.active) return null;
  const phase = observed.state?.phase;
  if (phase && UNJUDGED.includes(phase)) return `its release is still being judged (${phase})`;
  const live = observed.deployments[observed.active];
  if (live && activeReady < live.replicas) return `failing: ${activeReady}/${live.replicas} ready endpoints`;
  if (observed.switchedAt !== null && observed.now - observed.switchedAt < recentMs) {
    return `recent: live for ${Math.round((observed.now - observed.switchedAt) / 60_000)} min`;
  }
  return null;
}
