import type { Observed } from './planner';
import { rollbackCandidate } from './rollback-candidates';

const d = {
  image: 'i',
  release: 'r',
  replicas: 2,
  generation: 1,
  observedGeneration: 1,
  podReplicas: 2,
  updatedReplicas: 2,
  availableReplicas: 2,
  readyEndpoints: 0,
};
const obs = (o: Partial<Observed>): Observed => ({
  active: 'blue',
  preview: 'blue',
  activeRelease: 'r',
  previewRelease: 'r',
  state: { phase: 'Promoted', since: 0, reason: '' },
  abortedRelease: null,
  abortedReason: '',
  deployments: { blue: d },
  switchedAt: 0,
  now: 10 * 3_600_000,
  ...o,
});
const HOUR = 3_600_000;

describe('rollbackCandidate (issue 17, scenario 10: a bare rollback touches only what is recent or failing)', () => {
  it.each<[string, Observed, number, string | null]>([
    ['never deployed', obs({ active: null }), 0, null],
    ['promoted hours ago, healthy -> left alone', obs({}), 2, null],
    ['still soaking', obs({ state: { phase: 'Soaking', since: 0, reason: '' } }), 2, 'its release is still being judged (Soaking)'],
    ['halted', obs({ state: { phase: 'Halted', since: 0, reason: '' } }), 2, 'its release is still being judged (Halted)'],
    ['endpoints missing', obs({}), 1, 'failing: 1/2 ready endpoints'],
    ['switched 20 minutes ago', obs({ switchedAt: 10 * HOUR - 20 * 60_000 }), 2, 'recent: live for 20 min'],
  ])('%s', (_name, observed, ready, expected) => {
    expect(rollbackCandidate(observed, ready, HOUR)).toBe(expected);
  });
});
