import { mayWrite, renewalLost, takeover } from './lease-policy';

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

describe("takeover (issue 17, scenario 5: expiry judged on the contender's clock)", () => {
  const lease = { renewedMs: 100_000, durationMs: 15_000, resourceVersion: '7' };
  it('refuses a lease whose own timestamps say it is valid', () => {
    expect(takeover(lease, null, 110_000)).toBe('held');
  });
  it("does not trust a lease that only looks expired by its holder's clock: it watches it for a whole duration", () => {
    expect(takeover(lease, null, 200_000)).toBe('watch');
    expect(takeover(lease, { resourceVersion: '7', atMs: 200_000 }, 214_999)).toBe('watch');
    expect(takeover(lease, { resourceVersion: '7', atMs: 200_000 }, 215_000)).toBe('expired');
  });
  it('calls a lease held as soon as its record changes while watched (a holder with a slow clock, renewing)', () => {
    expect(takeover({ ...lease, resourceVersion: '8' }, { resourceVersion: '7', atMs: 200_000 }, 201_000)).toBe('held');
  });
});

describe('mayWrite (issue 17: every write checks the lease first)', () => {
  it('lets the holder write only until two thirds of the duration after its last good renewal', () => {
    expect(mayWrite(0, 0, 15_000)).toBe(true);
    expect(mayWrite(0, 9_999, 15_000)).toBe(true);
    expect(mayWrite(0, 10_000, 15_000)).toBe(false);
    expect(mayWrite(0, 14_999, 15_000)).toBe(false); // renewals failing, not yet lost: no writes either
  });
  it('stops writing before any contender could take over (it waits a whole duration)', () => {
    const durationMs = 30_000;
    for (const nowMs of [0, 10_000, 19_999, 20_000, 29_999, 30_000]) {
      if (
        !renewalLost({ takenOver: false }, 0, nowMs, durationMs) &&
        takeover({ renewedMs: 0, durationMs, resourceVersion: '1' }, { resourceVersion: '1', atMs: 0 }, nowMs) === 'expired'
      ) {
        throw new Error('a contender could take over while the holder still counts the lease as kept');
      }
      if (mayWrite(0, nowMs, durationMs))
        expect(takeover({ renewedMs: 0, durationMs, resourceVersion: '1' }, { resourceVersion: '1', atMs: 0 }, nowMs)).not.toBe('expired');
    }
  });
});
