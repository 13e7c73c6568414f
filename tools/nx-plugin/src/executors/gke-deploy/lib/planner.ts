import { type Color, other } from './manifests';

/** What the loop observed of one colour's Deployment. */
export interface ColorState {
  image: string;
  replicas: number;
  generation: number;
  observedGeneration: number;
  /** Pods of every ReplicaSet of the Deployment (status.replicas), old templates included. */
  podReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  /** Ready endpoints behind the preview Service when it selects this colour. */
  readyEndpoints: number;
}

export interface Observed {
  /** Colour the active Service selects; null when the Service does not exist yet. */
  active: Color | null;
  preview: Color | null;
  deployments: Partial<Record<Color, ColorState>>;
  /** When the active Service last switched (ms since epoch), from its annotation. */
  switchedAt: number | null;
  now: number;
}

export interface Desired {
  image: string;
  replicas: number;
  scaleDownDelayMs: number;
}

export type Step =
  | { kind: 'apply'; color: Color; reason: string }
  | { kind: 'wait-rollout'; color: Color; detail: string }
  | { kind: 'point-preview'; color: Color }
  | { kind: 'wait-endpoints'; color: Color; ready: number; want: number }
  | { kind: 'switch'; from: Color | null; to: Color }
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

/** The colour that should carry the desired release: the live one if it already does, else the idle one. */
export function targetColor(observed: Observed, desired: Desired): Color {
  const { active } = observed;
  if (active && observed.deployments[active]?.image === desired.image) return active;
  return active ? other(active) : 'blue';
}

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
    if (!state) return { kind: 'apply', color: target, reason: 'create' };
    if (state.image !== desired.image) return { kind: 'apply', color: target, reason: `image ${state.image} -> ${desired.image}` };
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
    if (observed.preview !== target) return { kind: 'point-preview', color: target };
    if (state.readyEndpoints < desired.replicas) return { kind: 'wait-endpoints', color: target, ready: state.readyEndpoints, want: desired.replicas };
    return { kind: 'switch', from: observed.active, to: target };
  }

  // The release is live on `target`. Keep the previous colour up for the delay, then scale it down.
  const old = observed.deployments[other(target)];
  if (old && old.replicas > 0) {
    const elapsed = observed.switchedAt === null ? Infinity : observed.now - observed.switchedAt;
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
    case 'wait-scale-down':
      return `keeping ${step.color} up for rollback, ${Math.ceil(step.remainingMs / 1000)} s left`;
    case 'scale-down':
      return `scale ${step.color} down`;
    case 'done':
      return `live on ${step.active}`;
  }
}
