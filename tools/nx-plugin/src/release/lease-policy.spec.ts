import { renewalLost, takeover } from './lease-policy';

describe('renewalLost', () => {
  it('keeps a lease through failed renewals until its duration has passed since the last good one', () => {
    expect(renewalLost({ takenOver: false }, 0, 5_000, 30_000)).toBe(false);
    expect(renewalLost({ takenOver: false }, 0, 29_999, 30_000)).toBe(false);
    expect(renewalLost({ takenOver: false }, 0, 30_000, 30_000)).toBe(true);
  });

  it('loses it at once to another holder', () => {
    expect(renewalLost({ takenOver: true }, 0, 1, 30_000)).toBe(true);
  });
});

describe('takeover (issue 17, scenario 5: expiry judged on the contender\'s clock)', () => {
  const lease = { renewedMs: 100_000, durationMs: 15_000, resourceVersion: '7' };
  it('refuses a lease whose own timestamps say it is valid', () => {
    expect(takeover(lease, null, 110_000)).toBe('held');
  });
  it('does not trust a lease that only looks expired by its holder\'s clock: it watches it for a whole duration', () => {
    expect(takeover(lease, null, 200_000)).toBe('watch');
    expect(takeover(lease, { resourceVersion: '7', atMs: 200_000 }, 214_999)).toBe('watch');
    expect(takeover(lease, { resourceVersion: '7', atMs: 200_000 }, 215_000)).toBe('expired');
  });
  it('calls a lease held as soon as its record changes while watched (a holder with a slow clock, renewing)', () => {
    expect(takeover({ ...lease, resourceVersion: '8' }, { resourceVersion: '7', atMs: 200_000 }, 201_000)).toBe('held');
  });
});
