import { describe as describeStep, nextStep, targetColor, type ColorState, type Desired, type Observed, type Step } from './planner';

const NEW = 'reg/svc@sha256:new';
const OLD = 'reg/svc@sha256:old';
// Releases are pod-template hashes; by default the image decides them (the test's shorthand).
const rel = (image: string) => `r-${image.split(':').pop()}`;
const desired: Desired = { image: NEW, release: rel(NEW), replicas: 2, scaleDownDelayMs: 30_000, soakMs: 0, retryAborted: false };
const ready = (image: string, extra: Partial<ColorState> = {}): ColorState => ({
  image,
  release: rel(image),
  replicas: 2,
  generation: 3,
  observedGeneration: 3,
  podReplicas: 2,
  updatedReplicas: 2,
  availableReplicas: 2,
  readyEndpoints: 0,
  ...extra,
});
/** Services select the release of the colour they point at unless the case says otherwise. */
const obs = (o: Partial<Observed>): Observed => {
  const base: Observed = {
    active: null,
    preview: null,
    activeRelease: '',
    previewRelease: '',
    state: null,
    abortedRelease: null,
    abortedReason: '',
    deployments: {},
    switchedAt: null,
    now: 100_000,
    ...o,
  };
  if (o.activeRelease === undefined && base.active) base.activeRelease = base.deployments[base.active]?.release ?? '';
  if (o.previewRelease === undefined && base.preview) base.previewRelease = base.deployments[base.preview]?.release ?? '';
  return base;
};
const soaking = (since: number) => ({ phase: 'Soaking' as const, since, reason: '' });
const analysed: Desired = { ...desired, soakMs: 60_000 };

// Every transition of the blue-green reconciliation: observed state -> next step.
const table: Array<[string, Observed, Step]> = [
  ['first deploy: nothing exists -> create blue', obs({}), { kind: 'apply', color: 'blue', reason: 'create' }],
  [
    'blue created, rollout not observed yet',
    obs({ deployments: { blue: ready(NEW, { observedGeneration: 2 }) } }),
    { kind: 'wait-rollout', color: 'blue', detail: '2/2 available, 2 updated, generation 2/3' },
  ],
  [
    'blue rolling out: too few available',
    obs({ deployments: { blue: ready(NEW, { availableReplicas: 1 }) } }),
    { kind: 'wait-rollout', color: 'blue', detail: '1/2 available, 2 updated, generation 3/3' },
  ],
  // Issue 17, scenario 1: a colour rolled onto a new release still runs a pod of the old one; the
  // Deployment-wide counts (2 updated, 2 available: 1 new + 1 old) would pass. Wait until the old
  // ReplicaSet is gone, so no pod of another release ever sits behind the preview or the switch.
  [
    'green rolled onto the new release, one old pod still up -> wait, never point preview',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD), green: ready(NEW, { podReplicas: 3, availableReplicas: 2 }) } }),
    { kind: 'wait-rollout', color: 'green', detail: '2/2 available, 2 updated, 1 pod(s) of an earlier template left, generation 3/3' },
  ],
  ['blue rolled out, preview missing -> point preview', obs({ deployments: { blue: ready(NEW) } }), { kind: 'point-preview', color: 'blue' }],
  [
    'preview on blue, endpoints not ready -> health gate waits',
    obs({ preview: 'blue', deployments: { blue: ready(NEW, { readyEndpoints: 1 }) } }),
    { kind: 'wait-endpoints', color: 'blue', ready: 1, want: 2 },
  ],
  [
    'gate passed, no active Service -> switch (none) -> blue',
    obs({ preview: 'blue', deployments: { blue: ready(NEW, { readyEndpoints: 2 }) } }),
    { kind: 'switch', from: null, to: 'blue' },
  ],
  [
    'live on blue with the desired image, no other colour -> done',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(NEW) } }),
    { kind: 'done', active: 'blue' },
  ],
  [
    'new release while blue is live -> apply to green',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD) } }),
    { kind: 'apply', color: 'green', reason: 'create' },
  ],
  [
    'green holds an older image -> update green',
    obs({ active: 'blue', deployments: { blue: ready(OLD), green: ready('reg/svc@sha256:older', { replicas: 0 }) } }),
    { kind: 'apply', color: 'green', reason: 'image reg/svc@sha256:older -> reg/svc@sha256:new' },
  ],
  // Issue 17, scenario 7: a config-only change (env, probes, resources, replicas in the template)
  // is a new release with the same image; it goes through the idle colour like any other.
  [
    'config-only change while blue is live -> apply it to green',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(NEW, { release: 'r-oldconfig' }) } }),
    { kind: 'apply', color: 'green', reason: 'create' },
  ],
  [
    'config-only change, green holds the same image with the old config -> update green',
    obs({ active: 'blue', deployments: { blue: ready(NEW, { release: 'r-oldconfig' }), green: ready(NEW, { release: 'r-oldconfig', replicas: 0 }) } }),
    { kind: 'apply', color: 'green', reason: 'config: release r-oldconfig -> r-new' },
  ],
  // Scenario 1 at the Service: the preview still selects the colour with an older release.
  [
    'green rolled out, preview on green but selecting an older release -> point it at this release',
    obs({ active: 'blue', preview: 'green', previewRelease: 'r-older', deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'point-preview', color: 'green' },
  ],
  [
    'active Service on blue selects another release than blue runs -> not live: deploy to green',
    obs({ active: 'blue', activeRelease: 'r-older', deployments: { blue: ready(NEW) } }),
    { kind: 'apply', color: 'green', reason: 'create' },
  ],
  [
    'green has the image but was scaled down -> scale it up',
    obs({ active: 'blue', deployments: { blue: ready(OLD), green: ready(NEW, { replicas: 0 }) } }),
    { kind: 'apply', color: 'green', reason: 'scale 0 -> 2' },
  ],
  [
    'green rolled out, preview still on blue -> point preview at green',
    obs({ active: 'blue', preview: 'blue', deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'point-preview', color: 'green' },
  ],
  [
    'gate passed on green -> switch blue -> green',
    obs({ active: 'blue', preview: 'green', deployments: { blue: ready(OLD), green: ready(NEW, { readyEndpoints: 2 }) } }),
    { kind: 'switch', from: 'blue', to: 'green' },
  ],
  [
    'switched 10 s ago: keep blue up for rollback',
    obs({ active: 'green', switchedAt: 90_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'wait-scale-down', color: 'blue', remainingMs: 20_000 },
  ],
  [
    'delay over -> scale blue down',
    obs({ active: 'green', switchedAt: 60_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'scale-down', color: 'blue' },
  ],
  [
    'no switch time recorded -> scale the old colour down',
    obs({ active: 'green', deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'scale-down', color: 'blue' },
  ],
  [
    'scenario 7: only the replica count changed -> scale the live colour in place',
    obs({ active: 'green', deployments: { blue: ready(OLD, { replicas: 0 }), green: ready(NEW, { replicas: 3 }) } }),
    { kind: 'apply', color: 'green', reason: 'scale the live colour 3 -> 2' },
  ],
  [
    'old colour already down -> done',
    obs({ active: 'green', deployments: { blue: ready(OLD, { replicas: 0 }), green: ready(NEW) } }),
    { kind: 'done', active: 'green' },
  ],
];

// With analysis: the soak owed after a switch, persisted as the active Service's phase.
const analysedTable: Array<[string, Observed, Step]> = [
  [
    'just switched to green, phase Soaking -> soak the full time',
    obs({ active: 'green', state: soaking(100_000), switchedAt: 100_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'soak', color: 'green', from: 'blue', remainingMs: 60_000 },
  ],
  // Issue 17, scenario 2: the run was killed 20 s into the soak; the rerun owes the other 40 s and
  // neither scales blue down nor reports success before it.
  [
    'a rerun finds the soak pending since 20 s -> resume it for 40 s, blue stays up',
    obs({ active: 'green', state: soaking(80_000), switchedAt: 80_000, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'soak', color: 'green', from: 'blue', remainingMs: 40_000 },
  ],
  [
    'a soak pending for longer than its time is still owed (at least one round)',
    obs({ active: 'green', state: soaking(0), switchedAt: 0, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'soak', color: 'green', from: 'blue', remainingMs: 0 },
  ],
  [
    'the soak halted (no data) an hour ago -> a rerun owes the whole soak again',
    obs({ active: 'green', state: { phase: 'Halted', since: 0, reason: 'inconclusive' }, switchedAt: 0, deployments: { blue: ready(OLD), green: ready(NEW) } }),
    { kind: 'soak', color: 'green', from: 'blue', remainingMs: 60_000 },
  ],
  // Issue 34, path 11: the delay and the soak both counted from the switch, so the old colour went
  // as the soak passed and a rollback after the promotion was a cold start.
  [
    'soak passed just now (Promoted) -> the old colour stays up as a hot standby for the whole delay after the promotion',
    obs({
      active: 'green',
      state: { phase: 'Promoted', since: 100_000, reason: 'soak passed' },
      switchedAt: 40_000,
      deployments: { blue: ready(OLD), green: ready(NEW) },
    }),
    { kind: 'wait-scale-down', color: 'blue', remainingMs: 30_000 },
  ],
  [
    'promoted longer ago than the delay -> scale the standby down',
    obs({
      active: 'green',
      state: { phase: 'Promoted', since: 60_000, reason: 'soak passed' },
      switchedAt: 10_000,
      deployments: { blue: ready(OLD), green: ready(NEW) },
    }),
    { kind: 'scale-down', color: 'blue' },
  ],
  [
    'the soak switched back: release aborted, same template again -> refused',
    obs({
      active: 'blue',
      state: { phase: 'Aborted', since: 90_000, reason: 'automatic: soak analysis failed' },
      abortedRelease: rel(NEW),
      abortedReason: 'automatic: soak analysis failed',
      deployments: { blue: ready(OLD), green: ready(NEW, { replicas: 0 }) },
    }),
    {
      kind: 'refuse',
      reason: `release ${rel(NEW)} was taken off traffic before (automatic: soak analysis failed); build a new release, or pass --retryAborted to deploy it again on purpose`,
    },
  ],
];

describe('nextStep', () => {
  it.each(table)('%s', (_name, observed, step) => {
    expect(nextStep(observed, desired)).toEqual(step);
  });

  it.each(analysedTable)('with analysis: %s', (_name, observed, step) => {
    expect(nextStep(observed, analysed)).toEqual(step);
  });

  it('deploys an aborted release again only when told to', () => {
    const [, observed] = analysedTable.find(([name]) => name.startsWith('the soak switched back: release aborted'))!;
    expect(nextStep(observed, { ...analysed, retryAborted: true })).toEqual({ kind: 'apply', color: 'green', reason: 'scale 0 -> 2' });
  });

  it('never switches to a colour whose rollout or endpoints are not ready', () => {
    for (const [, observed] of [...table, ...analysedTable]) {
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
    const more = analysedTable.map(([, o]) => describeStep(nextStep(o, analysed)));
    expect(more).toContain('soak owed on green: 40 s left');
    expect(more.at(-1)).toMatch(/^refused: release r-new was taken off traffic before/);
  });
});
