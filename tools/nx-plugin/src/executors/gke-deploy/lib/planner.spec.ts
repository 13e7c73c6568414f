import { describe as describeStep, nextStep, targetColor, type ColorState, type Desired, type Observed, type Step } from './planner';

const NEW = 'reg/svc@sha256:new';
const OLD = 'reg/svc@sha256:old';
const desired: Desired = { image: NEW, replicas: 2, scaleDownDelayMs: 30_000 };
const ready = (image: string, extra: Partial<ColorState> = {}): ColorState => ({
  image, replicas: 2, generation: 3, observedGeneration: 3, podReplicas: 2, updatedReplicas: 2, availableReplicas: 2, readyEndpoints: 0, ...extra,
});
const obs = (o: Partial<Observed>): Observed => ({ active: null, preview: null, deployments: {}, switchedAt: null, now: 100_000, ...o });

// Every transition of the blue-green reconciliation: observed state -> next step.
const table: Array<[string, Observed, Step]> = [
  ['first deploy: nothing exists -> create blue', obs({}), { kind: 'apply', color: 'blue', reason: 'create' }],
  ['blue created, rollout not observed yet', obs({ deployments: { blue: ready(NEW, { observedGeneration: 2 }) } }),
    { kind: 'wait-rollout', color: 'blue', detail: '2/2 available, 2 updated, generation 2/3' }],
  ['blue rolling out: too few available', obs({ deployments: { blue: ready(NEW, { availableReplicas: 1 }) } }),
    { kind: 'wait-rollout', color: 'blue', detail: '1/2 available, 2 updated, generation 3/3' }],
  // Issue 17, scenario 1: a colour rolled onto a new release still runs a pod of the old one; the
  // Deployment-wide counts (2 updated, 2 available: 1 new + 1 old) would pass. Wait until the old
  // ReplicaSet is gone, so no pod of another release ever sits behind the preview or the switch.
  ['green rolled onto the new release, one old pod still up -> wait, never point preview',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD), green: ready(NEW, { podReplicas: 3, availableReplicas: 2 }) } }),
    { kind: 'wait-rollout', color: 'green', detail: '2/2 available, 2 updated, 1 pod(s) of an earlier template left, generation 3/3' }],
  ['blue rolled out, preview missing -> point preview', obs({ deployments: { blue: ready(NEW) } }), { kind: 'point-preview', color: 'blue' }],
  ['preview on blue, endpoints not ready -> health gate waits', obs({ preview: 'blue', deployments: { blue: ready(NEW, { readyEndpoints: 1 }) } }),
    { kind: 'wait-endpoints', color: 'blue', ready: 1, want: 2 }],
  ['gate passed, no active Service -> switch (none) -> blue', obs({ preview: 'blue', deployments: { blue: ready(NEW, { readyEndpoints: 2 }) } }),
    { kind: 'switch', from: null, to: 'blue' }],
  ['live on blue with the desired image, no other colour -> done', obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(NEW) } }),
    { kind: 'done', active: 'blue' }],
  ['new release while blue is live -> apply to green', obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD) } }),
    { kind: 'apply', color: 'green', reason: 'create' }],
  ['green holds an older image -> update green', obs({ active: 'blue', deployments: { blue: ready(OLD), green: ready('reg/svc@sha256:older', { replicas: 0 }) } }),
    { kind: 'apply', color: 'green', reason: 'image reg/svc@sha256:older -> reg/svc@sha256:new' }],
  ['green has the image but was scaled down -> scale it up', obs({ active: 'blue', deployments: { blue: ready(OLD), green: ready(NEW, { replicas: 0 }) } }),
    { kind: 'apply', color: 'green', reason: 'scale 0 -> 2' }],
  ['green rolled out, preview still on blue -> point preview at green', obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'point-preview', color: 'green' }],
  ['gate passed on green -> switch blue -> green', obs({ active: 'blue', preview: 'green', deployments: { blue: ready(OLD), green: ready(NEW, { readyEndpoints: 2 }) } }),
    { kind: 'switch', from: 'blue', to: 'green' }],
  ['switched 10 s ago: keep blue up for rollback', obs({ active: 'green', switchedAt: 90_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'wait-scale-down', color: 'blue', remainingMs: 20_000 }],
  ['delay over -> scale blue down', obs({ active: 'green', switchedAt: 60_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'scale-down', color: 'blue' }],
  ['no switch time recorded -> scale the old colour down', obs({ active: 'green', deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'scale-down', color: 'blue' }],
  ['old colour already down -> done', obs({ active: 'green', deployments: { blue: ready(OLD, { replicas: 0 }), green: ready(NEW) } }),
    { kind: 'done', active: 'green' }],
];

describe('nextStep', () => {
  it.each(table)('%s', (_name, observed, step) => {
    expect(nextStep(observed, desired)).toEqual(step);
  });

  it('never switches to a colour whose rollout or endpoints are not ready', () => {
    for (const [, observed] of table) {
      const step = nextStep(observed, desired);
      if (step.kind === 'switch') {
        const state = observed.deployments[step.to]!;
        expect(state.availableReplicas).toBeGreaterThanOrEqual(desired.replicas);
        expect(state.readyEndpoints).toBeGreaterThanOrEqual(desired.replicas);
      }
    }
  });

  it('targets the live colour when it already runs the desired image, else the idle one', () => {
    expect(targetColor(obs({ active: 'green', deployments: { green: ready(NEW) } }), desired)).toBe('green');
    expect(targetColor(obs({ active: 'green', deployments: { green: ready(OLD) } }), desired)).toBe('blue');
    expect(targetColor(obs({}), desired)).toBe('blue');
  });

  it('describes every step for the progress log', () => {
    const texts = table.map(([, o]) => describeStep(nextStep(o, desired)));
    expect(texts).toContain('switch traffic blue -> green');
    expect(texts).toContain('switch traffic (none) -> blue');
    expect(texts).toContain('keeping blue up for rollback, 20 s left');
    expect(texts).toContain('health gate: 1/2 ready endpoints behind the preview (blue)');
    expect(texts.every((t) => t.length > 0)).toBe(true);
  });
});
