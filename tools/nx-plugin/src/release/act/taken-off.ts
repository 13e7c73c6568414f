import { completeTakenOff } from '@trading/release-model';
import type { Kube } from './kube';

/**
 * Completes the history record of a switch-back or rollback whose run stopped between its Service
 * write and its history write (completeTakenOff), before a deploy or a rollback reads the
 * history (a switch-back against such a history refuses: its target is not the last good release). Writes nothing when the history agrees with the active Service.
 */
export async function completeInterruptedSwitchBack(kube: Kube, service: string, actor: string, log: (message: string) => void): Promise<void> {
  const observed = await kube.observe(service);
  let completed = false;
  await kube.updateHistory(service, (history) => {
    const next = completeTakenOff(history, observed, actor);
    completed = next !== null;
    return next ?? history;
  });
  if (completed)
    log(
      `the history still named ${observed.abortedRelease} live, which the active Service records as taken off (${observed.state?.phase}): ` +
        `recorded as rolled back, ${observed.activeRelease} live again`,
    );
}
