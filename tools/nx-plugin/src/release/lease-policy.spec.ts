import { renewalLost } from './lease-policy';

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
