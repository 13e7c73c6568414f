import type * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { mayWrite, renewalLost, takeover } from '../../plan/lease-policy';
import * as model from '@trading/release-model';
import { leaseName, type LeaseView } from '@trading/release-model';
import { type ClusterClient, KubeError, statusOf } from './client';
import { readerOf } from './observe';

/** The lease now names another holder. */
class TakenOver extends KubeError {}

/** Another holder has the lease and it has not expired. */
export class LeaseHeld extends KubeError {}

/** This run may no longer write: its lease was taken over, or not renewed in time. */
export class LeaseLost extends KubeError {}

export interface Lease {
  /** Set when a background renewal failed: someone else holds the lease now. */
  lost: Error | undefined;
  /** Throws LeaseLost unless this run may still write, by its own clock and renewals. */
  check(): void;
  /**
   * check(), then reads the lease: throws LeaseLost when another holder has it now (a rollback
   * that cancelled this run took it over). Before every write (Kube.holding): a fencing read, so a
   * run that was preempted writes nothing more, not even in the seconds before its next renewal.
   */
  verify(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the per-service deploy Lease, so two deploys cannot race. The holder renews it while
 * it works; a holder that crashed stops renewing, and its lease expires after `seconds`.
 */
export async function acquireLease(
  c: ClusterClient,
  service: string,
  seconds: number,
  holder = `${hostname()}-${process.pid}`,
  onWatch: (message: string) => void = () => undefined,
  watchPollMs = 1000,
  /**
   * Take the lease from its holder even while that holder keeps it valid (a rollback cancelling a
   * running deploy): the holder's next renewal finds it taken, and its writes stop (Lease.check).
   */
  preempt = false,
): Promise<Lease> {
  const { namespace } = c.target;
  const name = leaseName(service);
  const now = () => new c.k8s.V1MicroTime();
  const read = () => c.readOrNull('read the deploy lease', () => c.coordination.readNamespacedLease({ name, namespace }));
  // Another holder's lease: refused while its own timestamps say it is valid; one that only looks
  // expired is watched for a whole lease duration on this machine's clock before it is taken.
  const untilFree = async (lease: k8s.V1Lease | null): Promise<k8s.V1Lease | null> => {
    let seen: { resourceVersion: string; atMs: number } | null = null;
    while (lease?.spec?.holderIdentity && lease.spec.holderIdentity !== holder) {
      const other = lease.spec.holderIdentity;
      const renewedMs = lease.spec.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      const durationMs = (lease.spec.leaseDurationSeconds ?? 0) * 1000;
      const verdict = takeover({ renewedMs, durationMs, resourceVersion: lease.metadata?.resourceVersion ?? '' }, seen, Date.now());
      if (verdict === 'held') {
        throw new LeaseHeld(
          seen
            ? `another deploy of ${service} holds the lease (${other}): it renewed it while this run watched; wait for it to finish`
            : `another deploy of ${service} holds the lease (${other}, expires ${new Date(renewedMs + durationMs).toISOString()} unless renewed); wait for it to finish`,
        );
      }
      if (verdict === 'expired') break;
      if (!seen) {
        seen = { resourceVersion: lease.metadata?.resourceVersion ?? '', atMs: Date.now() };
        onWatch(`the deploy lease of ${service} (${other}) looks expired by its holder's clock; watching it for ${durationMs / 1000} s before taking it over`);
      }
      await new Promise((r) => setTimeout(r, watchPollMs));
      lease = await read();
    }
    return lease;
  };
  // Created, or taken over by a replace guarded by the resourceVersion just read: of two runs
  // racing for it, one gets a 409 (created or changed meanwhile) and judges the winner as above.
  const take = (lease: k8s.V1Lease | null): Promise<boolean> => {
    const spec = { holderIdentity: holder, leaseDurationSeconds: seconds, acquireTime: now(), renewTime: now() };
    const write = lease
      ? c.coordination.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } })
      : c.coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
    return write.then(
      () => true,
      (error: unknown) => {
        if (statusOf(error) === 409) return false;
        throw c.explain(error, lease ? 'take the deploy lease' : 'create the deploy lease');
      },
    );
  };
  const free = (lease: k8s.V1Lease | null) => (preempt ? Promise.resolve(lease) : untilFree(lease));
  let lease = await free(await read());
  while (!(await take(lease))) lease = await free(await read());
  const renew = async () => {
    const lease = await c.call('renew the deploy lease', () => c.coordination.readNamespacedLease({ name, namespace }));
    if (lease.spec?.holderIdentity !== holder) throw new TakenOver(`lost the deploy lease of ${service} to ${lease.spec?.holderIdentity}`);
    lease.spec.renewTime = now();
    await c.call('renew the deploy lease', () => c.coordination.replaceNamespacedLease({ name, namespace, body: lease }));
  };
  // Renewed in the background for as long as the holder works (a 15-minute soak included). A
  // failed renewal is retried at the next tick; the lease is lost (and the deploy loop stops at its
  // next step) when another holder has it, or when no renewal succeeded for the lease's duration.
  let lastRenewed = Date.now();
  let inflight: Promise<void> | null = null;
  const handle: Lease = {
    lost: undefined,
    check: () => {
      if (handle.lost) throw new LeaseLost(`${handle.lost.message}: nothing more is written by this run`);
      if (!mayWrite(lastRenewed, Date.now(), seconds * 1000)) {
        throw new LeaseLost(
          `the deploy lease of ${service} was last renewed ${((Date.now() - lastRenewed) / 1000).toFixed(1)} s ago (lease ${seconds} s): another run may take it over, so this run writes nothing more`,
        );
      }
    },
    verify: async () => {
      handle.check();
      const current = await read();
      if (current?.spec?.holderIdentity !== holder) {
        handle.lost ??= new TakenOver(`lost the deploy lease of ${service} to ${current?.spec?.holderIdentity ?? 'nobody (deleted)'}`);
        throw new LeaseLost(`${handle.lost.message}: nothing more is written by this run`);
      }
    },
    // Only while it is still ours: a holder that stalled past the lease's expiry and was taken
    // over must not delete the new holder's lease. The delete is guarded by the resourceVersion
    // just read. A renewal still in flight is awaited first: otherwise it lands between the read and
    // the delete, the delete fails on the changed resourceVersion, and the finished run leaves a
    // freshly renewed lease behind that the next deploy has to wait out.
    release: async () => {
      clearInterval(timer);
      await inflight;
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await c.readOrNull('read the deploy lease', () => c.coordination.readNamespacedLease({ name, namespace }));
        if (!current || current.spec?.holderIdentity !== holder) return;
        const resourceVersion = current.metadata?.resourceVersion;
        const deleted = await c
          .readOrNull('release the deploy lease', () => c.coordination.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } }))
          .then(
            () => true,
            (error: unknown) => {
              if (statusOf(error) !== 409) throw error; // 409: changed meanwhile; read again: taken over, or still ours
              return false;
            },
          );
        if (deleted) return;
      }
    },
  };
  const timer = setInterval(
    () => {
      if (inflight || handle.lost) return;
      inflight = renew()
        .then(() => {
          lastRenewed = Date.now();
        })
        .catch((error: Error) => {
          if (renewalLost({ takenOver: error instanceof TakenOver }, lastRenewed, Date.now(), seconds * 1000)) handle.lost = error;
        })
        .finally(() => {
          inflight = null;
        });
    },
    Math.max(1000, (seconds * 1000) / 5),
  );
  timer.unref();
  return handle;
}

/** The deploy lease of a service as it stands: its holder and when it expires unless renewed; null when none is held. */
export const readLease = (c: ClusterClient, service: string): Promise<LeaseView | null> => model.readLease(readerOf(c), service);
