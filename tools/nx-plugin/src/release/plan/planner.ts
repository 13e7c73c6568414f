import type { ColorState, Observed } from '@trading/release-model';
import { type Color, other } from '../config/manifests';
import { UNJUDGED } from '../status/release-state';

// What the loop observes is the release model's (libs/release-model): the same reads the status uses.
export type { ColorState, Observed } from '@trading/release-model';

export interface Desired {
  image: string;
  release: string;
  replicas: number;
  scaleDownDelayMs: number;
  /** Soak owed after the switch; 0 when the deploy is not analysed. */
  soakMs: number;
  /** Deploy a release that analysis or a rollback took off traffic before (deliberately). */
  retryAborted: boolean;
}

export type Step =
  | { kind: 'apply'; color: Color; reason: string }
  | { kind: 'wait-rollout'; color: Color; detail: string }
  | { kind: 'point-preview'; color: Color }
  | { kind: 'wait-endpoints'; color: Color; ready: number; want: number }
  | { kind: 'switch'; from: Color | null; to: Color }
  | { kind: 'soak'; color: Color; from: Color; remainingMs: number }
  | { kind: 'refuse'; reason: string }
  | { kind: 'wait-scale-down'; color: Color; remainingMs: number }
  | { kind: 'scale-down'; color: Color }
  | { kind: 'done'; active: Color };

/**
 * The colour's new ReplicaSet is saturated and alone: the controller has seen the latest spec, every
 * desired pod runs the current template and is available, and no pod of an earlier template is
 * left (Deployment-wide counts alone would let an old pod stand in for a new one that never gets
 * ready, and then serve traffic behind a colour-only selector).
 */
export function rolloutComplete(state: ColorState, replicas: number): boolean {
  return (
    state.observedGeneration >= state.generation &&
    state.replicas === replicas &&
    state.updatedReplicas === replicas &&
    state.availableReplicas >= replicas &&
    state.podReplicas === replicas
  );
}

/** The desired release is what the active Service selects, on a colour whose template is that release. */
export const isLive = (observed: Observed, desired: Desired): boolean =>
  observed.active !== null && observed.activeRelease === desired.release && observed.deployments[observed.active]?.release === desired.release;

/** The colour that should carry the desired release: the live one if it already does, else the idle one. */
export function targetColor(observed: Observed, desired: Desired): Color {
  const { active } = observed;
  if (active && isLive(observed, desired)) return active;
  return active ? other(active) : 'blue';
}

const changeOf = (state: ColorState, desired: Desired) =>
  state.image !== desired.image ? `image ${state.image} -> ${desired.image}` : `config: release ${state.release || '(unlabelled)'} -> ${desired.release}`;

/**
 * The next step of a blue-green release, from what is observed now. Modelled on Argo
 * Rollouts' blue-green: bring the idle colour to the new image, wait for its rollout, point the
 * preview Service at it, gate on its ready endpoints, switch the active Service, and scale the
 * old colour down only after a delay. Pure and state-derived, so a crashed deploy reruns and
 * converges, and traffic never moves to a colour without ready pods.
 */
export function nextStep(observed: Observed, desired: Desired): Step {
  const target = targetColor(observed, desired);
  const state = observed.deployments[target];

  if (target !== observed.active) {
    // A new release never goes over a live one nobody judged: the idle colour holds the last
    // judged-good release, the only way back from it (issue 34).
    if (observed.active && observed.state && UNJUDGED.includes(observed.state.phase)) {
      return {
        kind: 'refuse',
        reason:
          `release ${observed.activeRelease || '(unlabelled)'} is live on ${observed.active} and not judged yet (${observed.state.phase}); ` +
          `judge it first (rerun its deploy), or decide with deploy:promote or deploy:abort, then deploy ${desired.release}`,
      };
    }
    if (observed.abortedRelease === desired.release && !desired.retryAborted) {
      return {
        kind: 'refuse',
        reason: `release ${desired.release} was taken off traffic before (${observed.abortedReason || 'no reason recorded'}); build a new release, or pass --retryAborted to deploy it again on purpose`,
      };
    }
    if (!state) return { kind: 'apply', color: target, reason: 'create' };
    if (state.release !== desired.release) return { kind: 'apply', color: target, reason: changeOf(state, desired) };
    if (state.replicas !== desired.replicas) return { kind: 'apply', color: target, reason: `scale ${state.replicas} -> ${desired.replicas}` };
    if (!rolloutComplete(state, desired.replicas)) {
      return {
        kind: 'wait-rollout',
        color: target,
        detail:
          `${state.availableReplicas}/${desired.replicas} available, ${state.updatedReplicas} updated, ` +
          (state.podReplicas > state.updatedReplicas ? `${state.podReplicas - state.updatedReplicas} pod(s) of an earlier template left, ` : '') +
          `generation ${state.observedGeneration}/${state.generation}`,
      };
    }
    if (observed.preview !== target || observed.previewRelease !== desired.release) return { kind: 'point-preview', color: target };
    if (state.readyEndpoints < desired.replicas) return { kind: 'wait-endpoints', color: target, ready: state.readyEndpoints, want: desired.replicas };
    return { kind: 'switch', from: observed.active, to: target };
  }

  // The release is live on `target`. A soak still owed (this run's, or one a crashed run left
  // pending) comes first, for the time it has left; only then is the release promoted.
  if (observed.state && UNJUDGED.includes(observed.state.phase)) {
    // A halted soak could not judge the release at all: it is owed in full again.
    const elapsed = observed.state.phase === 'Halted' ? 0 : Math.max(0, observed.now - observed.state.since);
    return { kind: 'soak', color: target, from: other(target), remainingMs: Math.max(0, desired.soakMs - elapsed) };
  }
  // A change of the replica count alone is no new release: the live colour is scaled in place.
  const liveState = observed.deployments[target];
  if (liveState && liveState.replicas !== desired.replicas)
    return { kind: 'apply', color: target, reason: `scale the live colour ${liveState.replicas} -> ${desired.replicas}` };
  // Keep the previous colour up for the delay, then scale it down. The delay is a hot standby
  // after the verdict: it counts from the promotion (a soak's end), not from the switch, so a
  // rollback soon after the soak passed is still one patch, not a cold start (issue 34, path 11).
  const old = observed.deployments[other(target)];
  if (old && old.replicas > 0) {
    const from = observed.state?.phase === 'Promoted' ? Math.max(observed.state.since, observed.switchedAt ?? 0) : observed.switchedAt;
    const elapsed = from === null ? Infinity : observed.now - from;
    if (elapsed < desired.scaleDownDelayMs) return { kind: 'wait-scale-down', color: other(target), remainingMs: desired.scaleDownDelayMs - elapsed };
    return { kind: 'scale-down', color: other(target) };
  }
  return { kind: 'done', active: target };
}

export function describe(step: Step): string {
  switch (step.kind) {
    case 'apply':
      return `apply ${step.color} (${step.reason})`;
    case 'wait-rollout':
      return `waiting for the ${step.color} rollout: ${step.detail}`;
    case 'point-preview':
      return `point the preview Service at ${step.color}`;
    case 'wait-endpoints':
      return `health gate: ${step.ready}/${step.want} ready endpoints behind the preview (${step.color})`;
    case 'switch':
      return `switch traffic ${step.from ?? '(none)'} -> ${step.to}`;
    case 'soak':
      return `soak owed on ${step.color}: ${Math.ceil(step.remainingMs / 1000)} s left`;
    case 'refuse':
      return `refused: ${step.reason}`;
    case 'wait-scale-down':
      return `keeping ${step.color} up for rollback, ${Math.ceil(step.remainingMs / 1000)} s left`;
    case 'scale-down':
      return `scale ${step.color} down`;
    case 'done':
      return `live on ${step.active}`;
  }
}
