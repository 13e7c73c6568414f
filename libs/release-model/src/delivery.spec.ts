import { deliveryMetrics, formatDuration, medianOrNull } from './delivery';
import type { Release } from './history';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const entry = (revision: number, kind: Release['kind'], outcome: Release['outcome'], time: string, commitTime?: string): Release => ({
  revision,
  image: `reg/svc@sha256:${String(revision).repeat(64).slice(0, 64)}`,
  gitSha: `sha${revision}`,
  color: revision % 2 ? 'blue' : 'green',
  time,
  actor: 'ci',
  outcome,
  kind,
  ...(commitTime ? { commitTime } : {}),
});

// A recorded month, by hand:
//  r1  deploy   Nov 01 10:00, committed 09:00            superseded (outside 30 days of Dec 04 12:00)
//  r2  deploy   Nov 20 10:00, committed Nov 20 08:00     superseded
//  r3  deploy   Nov 26 12:00, committed Nov 26 11:00     superseded
//  r4  deploy   Dec 01 10:00, committed Dec 01 09:30     rolled back (a soak's switch-back)
//  r5  rollback Dec 01 10:12 (restores r3)               superseded          -> restore 12 min
//  r6  deploy   Dec 02 15:00 (canary failed)             failed: never live, not a deployment
//  r7  deploy   Dec 03 09:00, committed Dec 03 08:00     rolled back (an alert)
//  r8  rollback Dec 03 09:03                             superseded          -> restore 3 min
//  r9  deploy   Dec 04 11:00, no commit time recorded    live
const history: Release[] = [
  entry(1, 'deploy', 'superseded', '2026-11-01T10:00:00Z', '2026-11-01T09:00:00Z'),
  entry(2, 'deploy', 'superseded', '2026-11-20T10:00:00Z', '2026-11-20T08:00:00Z'),
  entry(3, 'deploy', 'superseded', '2026-11-26T12:00:00Z', '2026-11-26T11:00:00Z'),
  entry(4, 'deploy', 'rolled-back', '2026-12-01T10:00:00Z', '2026-12-01T09:30:00Z'),
  entry(5, 'rollback', 'superseded', '2026-12-01T10:12:00Z'),
  entry(6, 'deploy', 'failed', '2026-12-02T15:00:00Z', '2026-12-02T14:00:00Z'),
  entry(7, 'deploy', 'rolled-back', '2026-12-03T09:00:00Z', '2026-12-03T08:00:00Z'),
  entry(8, 'rollback', 'superseded', '2026-12-03T09:03:00Z'),
  entry(9, 'deploy', 'live', '2026-12-04T11:00:00Z'),
];

describe('delivery metrics from the release history', () => {
  it('over 7 days: deployments r4 r7 r9; two of them rolled back, restored in 12 and 3 min', () => {
    expect(deliveryMetrics(history, NOW, 7)).toEqual({
      days: 7,
      since: '2026-11-27T12:00:00.000Z',
      deployments: 3,
      perDay: 3 / 7,
      leadTimeSeconds: 2700, // r4 30 min, r7 60 min (r9 has no commit time): median 45 min
      failures: 2,
      changeFailureRate: 2 / 3,
      timeToRestoreSeconds: 450, // 12 and 3 min: median 7.5 min
    });
  });

  it('over 30 days: r2 r3 r4 r7 r9 (r1 is older, r6 never went live)', () => {
    const m = deliveryMetrics(history, NOW, 30);
    expect(m.deployments).toBe(5);
    expect(m.since).toBe('2026-11-04T12:00:00.000Z');
    expect(m.leadTimeSeconds).toBe(3600); // 2 h, 1 h, 30 min, 1 h: median 1 h
    expect(m.failures).toBe(2);
    expect(m.changeFailureRate).toBeCloseTo(0.4);
    expect(m.timeToRestoreSeconds).toBe(450);
  });

  it('a history younger than the window counts from its first entry; an empty one has no rates', () => {
    expect(deliveryMetrics(history.slice(6), NOW, 30).since).toBe('2026-12-03T09:00:00.000Z');
    expect(deliveryMetrics([], NOW, 7)).toEqual({
      days: 7,
      since: '2026-11-27T12:00:00.000Z',
      deployments: 0,
      perDay: 0,
      leadTimeSeconds: null,
      failures: 0,
      changeFailureRate: null,
      timeToRestoreSeconds: null,
    });
  });

  it('a failure still live is counted, not timed', () => {
    const open = [entry(1, 'deploy', 'superseded', '2026-12-04T08:00:00Z'), entry(2, 'deploy', 'rolled-back', '2026-12-04T10:00:00Z')];
    const m = deliveryMetrics(open, NOW, 7);
    expect([m.failures, m.timeToRestoreSeconds]).toEqual([1, null]);
  });

  it('medians and durations', () => {
    expect([medianOrNull([]), medianOrNull([3]), medianOrNull([5, 1, 3]), medianOrNull([4, 1, 3, 2])]).toEqual([null, 3, 3, 2.5]);
    expect([formatDuration(null), formatDuration(42), formatDuration(450), formatDuration(3 * 3600), formatDuration(3 * 86_400)]).toEqual([
      '-',
      '42 s',
      '7.5 min',
      '3.0 h',
      '3.0 d',
    ]);
  });
});
