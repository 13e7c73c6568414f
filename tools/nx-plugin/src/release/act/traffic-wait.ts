// After a switch the active Service selects the new colour at once, but clients reach it only once
// the EndpointSlice controller has listed its pods (and kube-proxy routes from that list). A
// brand-new Service (a first deploy) has no endpoints until then: its first clients are refused.
// The soak, and the load hook sending its traffic, start when the new colour's pods are listed, so
// the hook's requests and the verdict cover the same release; a wait that runs out is logged and
// the soak goes ahead (it judges what the pods serve).

export interface TrafficWait {
  /** The new colour's ready pods the active Service lists now. */
  count: () => Promise<number>;
  want: number;
  timeoutMs: number;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
  log: (message: string) => void;
}

/**
 * Waits until `count()` reaches `want`, polling every `pollMs` for at most `timeoutMs` (counted in
 * polls, so a test's instant sleep ends it too); never throws. Returns the last count.
 */
export async function waitForTraffic({ count, want, timeoutMs, pollMs, sleep, now = Date.now, log }: TrafficWait): Promise<number> {
  const started = now();
  const polls = Math.max(1, Math.ceil(timeoutMs / pollMs));
  let seen = 0;
  let error = '';
  for (let poll = 1; ; poll++) {
    try {
      seen = await count();
      error = '';
    } catch (e) {
      error = (e as Error).message.split('\n')[0];
    }
    const waited = ((now() - started) / 1000).toFixed(1);
    if (seen >= want) {
      log(`traffic: the active Service lists ${seen}/${want} ready pods of the new release (after ${waited} s)`);
      return seen;
    }
    if (poll >= polls) {
      log(
        `traffic: the active Service lists ${seen}/${want} ready pods of the new release after ${waited} s${error ? ` (${error})` : ''}; ` +
          'the soak starts anyway and judges what they serve',
      );
      return seen;
    }
    await sleep(pollMs);
  }
}
