/**
 * When a failed renewal means the deploy lease is lost, as client-go's leader election judges it:
 * at once when someone else holds the lease; otherwise (an API error, a timeout) only once the
 * lease duration has passed since the holder's own last successful renewal, by the holder's own
 * clock. Until then the holder keeps retrying: one failed request is not a lost lease.
 */
export function renewalLost(error: { takenOver: boolean }, lastRenewedMs: number, nowMs: number, durationMs: number): boolean {
  return error.takenOver || nowMs - lastRenewedMs >= durationMs;
}

/**
 * Whether the holder may still write, as client-go's leader election judges it with its renew
 * deadline: only while its last successful renewal is younger than two thirds of the lease's
 * duration. A contender waits a whole duration after it last saw the record change before taking
 * over, so a holder that stops writing at the deadline never writes beside a new holder, with a
 * third of the duration to spare for a slow clock or a write already on the wire.
 */
export function mayWrite(lastRenewedMs: number, nowMs: number, durationMs: number): boolean {
  return nowMs - lastRenewedMs < (durationMs * 2) / 3;
}

export type Takeover = 'held' | 'watch' | 'expired';

/**
 * Whether a contender may take another holder's lease, judged as client-go's leader election
 * does: never from the holder's clock alone. A lease whose own timestamps say it is still valid is
 * held. One that looks expired is watched: if its record (resourceVersion) changes, the holder is
 * alive and it is held; only a record unchanged for a whole lease duration on the contender's own
 * clock, since the contender first saw it, has expired.
 */
export function takeover(
  lease: { renewedMs: number; durationMs: number; resourceVersion: string },
  seen: { resourceVersion: string; atMs: number } | null,
  nowMs: number,
): Takeover {
  if (seen && seen.resourceVersion !== lease.resourceVersion) return 'held';
  if (!seen && lease.renewedMs + lease.durationMs > nowMs) return 'held';
  if (!seen) return 'watch';
  return nowMs - seen.atMs >= lease.durationMs ? 'expired' : 'watch';
}
