/**
 * When a failed renewal means the deploy lease is lost, as client-go's leader election judges it:
 * at once when someone else holds the lease; otherwise (an API error, a timeout) only once the
 * lease duration has passed since the holder's own last successful renewal, by the holder's own
 * clock. Until then the holder keeps retrying: one failed request is not a lost lease.
 */
export function renewalLost(error: { takenOver: boolean }, lastRenewedMs: number, nowMs: number, durationMs: number): boolean {
  return error.takenOver || nowMs - lastRenewedMs >= durationMs;
}
