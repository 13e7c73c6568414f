// The phase of the release the active Service points at, persisted as annotations on that Service
// and written in the same guarded replace that moves its selector: a switch without a recorded
// phase cannot happen, and any rerun, from any machine, knows whether a soak is still owed.

export const PHASE = 'trading.dev/phase';
export const PHASE_SINCE = 'trading.dev/phase-since';
export const PHASE_REASON = 'trading.dev/phase-reason';
/** The last release taken off traffic by analysis or rollback; a deploy does not retry it silently. */
export const ABORTED_RELEASE = 'trading.dev/aborted-release';
export const ABORTED_REASON = 'trading.dev/aborted-reason';

/** The annotations that mark `release` as taken off traffic for `reason`. */
export const abortedAnnotations = (release: string, reason: string): Record<string, string> => ({
  [ABORTED_RELEASE]: release,
  [ABORTED_REASON]: reason.slice(0, 250),
});

/**
 * Soaking: live, soak owed. Halted: live, the soak could not judge it (a rerun soaks it again).
 * Promoted: judged (or deliberately not: see the reason). Aborted: taken off traffic by analysis
 * or deploy:abort. RolledBack: taken off traffic by deploy:rollback.
 */
export type Phase = 'Soaking' | 'Halted' | 'Promoted' | 'Aborted' | 'RolledBack';
const PHASES: readonly Phase[] = ['Soaking', 'Halted', 'Promoted', 'Aborted', 'RolledBack'];
/** Phases in which the live release has not been judged yet. */
export const UNJUDGED: readonly Phase[] = ['Soaking', 'Halted'];
/** How the reason of a release promoted without analysis (no soak configured, --skipAnalysis) starts. */
export const NOT_ANALYSED = 'not analysed';

export interface ReleaseState {
  phase: Phase;
  since: number;
  reason: string;
}

/** The persisted phase from a Service's annotations; null for a Service no phase was written to. */
export function parseState(annotations: Record<string, string> | undefined): ReleaseState | null {
  const phase = annotations?.[PHASE] as Phase | undefined;
  if (!phase || !PHASES.includes(phase)) return null;
  const since = Date.parse(annotations?.[PHASE_SINCE] ?? '');
  return { phase, since: Number.isNaN(since) ? 0 : since, reason: annotations?.[PHASE_REASON] ?? '' };
}

/** The annotations that record `phase` from `at` on. */
export function stateAnnotations(phase: Phase, at: Date, reason = ''): Record<string, string> {
  return { [PHASE]: phase, [PHASE_SINCE]: at.toISOString(), [PHASE_REASON]: reason };
}
