import type { ServiceConfig } from '../config/config';
import { previousGood, recordFailed, recordRollback, sameRelease } from '@trading/release-model';
import type { Kube } from './kube';
import { type Color, SWITCHED_AT, other } from '../config/manifests';
import { rolloutComplete } from '../plan/planner';
import { abortedAnnotations, stateAnnotations, type Phase } from '../status/release-state';
import { switchActive } from './switch-active';

export interface SwitchBack {
  /** Seconds from the decision to the active Service selecting the previous colour. */
  seconds: number;
  from: Color;
  to: Color;
  /** The release taken off traffic, and the one now live. */
  aborted: string;
  restored: string;
}

/** Why traffic cannot go back: no saturated previous colour, so it stays on the live release. */
export class NoWayBack extends Error {}

/**
 * Takes the live release off traffic now: the active Service goes back to the other colour, only
 * if that colour is saturated with the history's last judged-good release (never to a colour
 * without ready pods, nor to a release a running deploy put there and nobody judged), in
 * one guarded replace that records `phase` (Aborted by analysis or an operator) and the release
 * taken off; then the history records the rollback and the aborted colour is scaled down.
 * Shared by the soak's automatic switch-back and `deploy:abort`.
 */
export async function switchBack(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  reason: string,
  actor: string,
  phase: Phase = 'Aborted',
): Promise<SwitchBack> {
  const started = Date.now();
  const observed = await kube.observe(service.name);
  const from = observed.active;
  if (!from) throw new NoWayBack(`${service.name}: no active Service; nothing is live to switch back from`);
  const to = other(from);
  const previous = observed.deployments[to];
  const replicas = service.replicas[environment];
  if (!previous || !previous.release || !rolloutComplete(previous, replicas)) {
    throw new NoWayBack(
      `${service.name}: there is no saturated previous colour to return to (${to}: ${previous ? `${previous.availableReplicas}/${replicas} available, release ${previous.release || '(unlabelled)'}` : 'none'}), so traffic stays on ${from}`,
    );
  }
  const good = previousGood(await kube.readHistory(service.name));
  if (!good || !sameRelease(good, previous)) {
    throw new NoWayBack(
      `${service.name}: ${to} holds release ${previous.release}, not the last judged-good release (${good ? `${good.release ?? good.image} rev ${good.revision}` : 'none in the history'}), ` +
        `so traffic stays on ${from} (${observed.activeRelease}); restore the judged-good release with \`npx nx run deploy:rollback -c ${environment} --services=${service.name}\``,
    );
  }
  const at = new Date();
  await switchActive(
    kube,
    service,
    environment,
    { color: to, release: previous.release },
    {
      [SWITCHED_AT]: at.toISOString(),
      ...stateAnnotations(phase, at, reason.slice(0, 250)),
      ...abortedAnnotations(observed.activeRelease, reason),
    },
  );
  const seconds = (Date.now() - started) / 1000;
  const entry = {
    image: observed.deployments[from]?.image ?? '',
    release: observed.activeRelease,
    gitSha: '',
    color: from,
    time: at.toISOString(),
    actor,
    kind: 'deploy' as const,
    reason,
  };
  await kube.updateHistory(service.name, (history) => {
    const restored = previousGood(history);
    return restored ? recordRollback(history, { ...restored, color: to }, at.toISOString(), actor, reason) : recordFailed(history, entry);
  });
  await kube.scale(service.name, from, 0);
  return { seconds, from, to, aborted: observed.activeRelease, restored: previous.release };
}
