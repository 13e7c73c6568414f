import { colorState } from '../testing/color-state';
import type { Observed } from './planner';
import { reconcilePlan } from './reconcile-plan';

const up = (release: string, replicas = 2) => colorState(release, replicas);
const observed = (o: Partial<Observed>): Observed => ({
  active: 'green',
  preview: 'green',
  activeRelease: 'r2',
  previewRelease: 'r2',
  state: { phase: 'Promoted', since: 1_000_000, reason: 'soak passed' },
  abortedRelease: null,
  abortedReason: '',
  deployments: { blue: up('r1'), green: up('r2') },
  switchedAt: 400_000,
  now: 1_000_000,
  ...o,
});
const plan = (o: Partial<Observed>, extra: { canary?: boolean; lease?: { holder: string; expiresAt: number } | null; now?: number } = {}) =>
  reconcilePlan({ observed: observed(o), canary: extra.canary ?? false, lease: extra.lease ?? null, standbyMs: 900_000, now: extra.now ?? 1_000_000 });

describe('reconcilePlan (issue 34, paths 6 and 11: a run has a deadline, the standby follows the verdict)', () => {
  it('touches nothing while a run holds a valid lease, whatever it left half-done', () => {
    expect(plan({ state: { phase: 'Soaking', since: 0, reason: '' } }, { canary: true, lease: { holder: 'ci-7', expiresAt: 1_000_001 } })).toEqual({
      running: 'ci-7',
      orphanedSince: null,
      actions: [],
    });
  });

  it("a run that died in its canary: its canary is removed, orphaned since its lease's expiry", () => {
    const p = plan({}, { canary: true, lease: { holder: 'ci-7', expiresAt: 990_000 }, now: 2_000_000 });
    expect(p.orphanedSince).toBe(990_000);
    expect(p.actions[0]).toMatchObject({ kind: 'remove-canary' });
    expect(p.actions[0].why).toMatch(/its run stopped renewing its lease at 1970-01-01T00:16:30.000Z/);
  });

  it('a run that died in its soak: the unjudged release is taken off traffic', () => {
    const p = plan({ state: { phase: 'Soaking', since: 500_000, reason: '' } }, { lease: { holder: 'ci-7', expiresAt: 600_000 } });
    expect(p.orphanedSince).toBe(600_000);
    expect(p.actions).toEqual([
      { kind: 'abort', why: 'release r2 is live and unjudged (Soaking), and its run stopped renewing its lease at 1970-01-01T00:10:00.000Z' },
    ]);
    // Without any lease (an interrupted run released it), orphaned since the phase began.
    expect(plan({ state: { phase: 'Soaking', since: 500_000, reason: '' } }).orphanedSince).toBe(500_000);
  });

  it('keeps a hot standby for the window after the promotion, then scales it down; Halted waits for a person', () => {
    expect(plan({}, { now: 1_899_999 }).actions).toEqual([]);
    expect(plan({}, { now: 1_900_000 }).actions).toEqual([
      { kind: 'scale-down', color: 'blue', why: 'its standby window (900 s from the promotion) has passed' },
    ]);
    expect(plan({ deployments: { blue: up('r1', 0), green: up('r2') } }, { now: 9_000_000 }).actions).toEqual([]);
    expect(plan({ state: { phase: 'Halted', since: 0, reason: 'no data' } }, { now: 9_000_000 })).toEqual({ running: null, orphanedSince: null, actions: [] });
  });
});
