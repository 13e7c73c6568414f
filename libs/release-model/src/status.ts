import { type DeliveryMetrics, deliveryMetrics, formatDuration } from './delivery';
import { live, previousGood, type Release } from './history';
import { COLORS, canaryName, type Color } from './names';
import { type ClusterReader, deploymentStatus, type Observed, observe, orphanedSince as orphaned, readHistory, readLease, readyLivePods } from './observed';
import type { Phase } from './phase';
import { type AnalysisRecord, readAnalysis } from './analysis';
import { type IncidentRecord, readIncident } from './incident';

/** What `deploy:status` reports of one service: the truth read from the cluster, nothing cached. */
export interface ServiceStatus {
  service: string;
  /** The colour and release the active Service selects; null when the service was never deployed. */
  live: { color: Color; release: string; image: string } | null;
  phase: Phase | null;
  phaseSince: string | null;
  phaseReason: string;
  /** Ready pods of the live colour's own Deployment running the live release (no canary, no baseline). */
  readyEndpoints: number;
  preview: { color: Color; release: string } | null;
  colors: Partial<Record<Color, { release: string; image: string; replicas: number; available: number; updated: number; pods: number }>>;
  canary: { replicas: number; available: number; image: string } | null;
  aborted: { release: string; reason: string } | null;
  /** From the release history: the revision it records as live, and where a rollback would go. */
  history: {
    /** With the schema version its migrations had brought the database to when it was deployed. */
    live: { revision: number; release: string; image: string; schemaVersion: string | null } | null;
    lastGood: { revision: number; release: string; image: string; schemaVersion: string | null } | null;
  };
  /** When the run that owed this service a verdict (its canary or soak) stopped: its lease expired. */
  orphanedSince: string | null;
  /** Delivery metrics (DORA's four keys) from the history, over the last 7 and 30 days. */
  delivery: { days7: DeliveryMetrics; days30: DeliveryMetrics };
  /** Disagreements an operator must look at (history vs cluster, soak owed, endpoints missing). */
  warnings: string[];
}

export interface CanaryState {
  replicas: number;
  available: number;
  image: string;
}

const brief = (r: Release | undefined) =>
  r ? { revision: r.revision, release: r.release ?? '', image: r.image, schemaVersion: r.schemaVersion ?? null } : null;

/** Pure: one service's status from what was observed, its history and its canary (if any). */
export function serviceStatus(
  service: string,
  observed: Observed,
  activeReady: number,
  history: Release[],
  canary: CanaryState | null,
  orphanedSince: number | null = null,
  now: number = Date.now(),
): ServiceStatus {
  const colors: ServiceStatus['colors'] = {};
  for (const color of COLORS) {
    const d = observed.deployments[color];
    if (d)
      colors[color] = {
        release: d.release,
        image: d.image,
        replicas: d.replicas,
        available: d.availableReplicas,
        updated: d.updatedReplicas,
        pods: d.podReplicas,
      };
  }
  const active = observed.active;
  const liveState = active ? observed.deployments[active] : undefined;
  const status: ServiceStatus = {
    service,
    live: active ? { color: active, release: observed.activeRelease, image: liveState?.image ?? '' } : null,
    phase: observed.state?.phase ?? null,
    phaseSince: observed.state ? new Date(observed.state.since).toISOString() : null,
    phaseReason: observed.state?.reason ?? '',
    readyEndpoints: activeReady,
    preview: observed.preview ? { color: observed.preview, release: observed.previewRelease } : null,
    colors,
    canary,
    aborted: observed.abortedRelease ? { release: observed.abortedRelease, reason: observed.abortedReason } : null,
    history: { live: brief(live(history)), lastGood: brief(previousGood(history)) },
    orphanedSince: orphanedSince === null ? null : new Date(orphanedSince).toISOString(),
    delivery: { days7: deliveryMetrics(history, now, 7), days30: deliveryMetrics(history, now, 30) },
    warnings: [],
  };
  const w = status.warnings;
  if (active && liveState && liveState.release !== observed.activeRelease)
    w.push(`the active Service selects release ${observed.activeRelease || '(none)'} but ${active} runs ${liveState.release || '(unlabelled)'}`);
  if (active && liveState && activeReady < liveState.replicas) w.push(`${activeReady}/${liveState.replicas} ready pods of the live release on ${active}`);
  if (active && !liveState) w.push(`the active Service selects ${active}, which has no Deployment`);
  const recorded = status.history.live;
  if (status.live && recorded?.release && recorded.release !== status.live.release)
    w.push(`the history records release ${recorded.release} as live, the cluster serves ${status.live.release}`);
  if (status.phase === 'Soaking') w.push('soak owed: rerun the deploy (with analysis) to judge this release');
  if (status.phase === 'Halted') w.push(`halted, not judged (${status.phaseReason.slice(0, 120)}): rerun the deploy, deploy:abort or deploy:promote`);
  if (status.orphanedSince)
    w.push(
      `orphaned since ${status.orphanedSince}: the run that owed its verdict is gone; npx nx run deploy:reconcile cleans up (canary removed, an unjudged release taken off traffic), or rerun its deploy to judge it`,
    );
  if (canary) w.push(`a canary is up (${canary.available}/${canary.replicas} available): a deploy is in its canary, or one was interrupted there`);
  return status;
}

const short = (image: string) => image.replace(/^.*@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@$1');

/** A Markdown table for the log and the GitHub step summary, then one line per warning. */
export function renderStatus(environment: string, statuses: ServiceStatus[]): string {
  const lines = [
    `Releases in ${environment}:`,
    '| service | live | release | phase | ready | blue | green | last good | aborted | schema |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const color = (s: ServiceStatus, c: Color) => {
    const x = s.colors[c];
    return x ? `${x.release || '-'} ${x.available}/${x.replicas}` : '-';
  };
  for (const s of statuses) {
    const phase = s.phase ? `${s.phase}${s.phaseSince ? ` since ${s.phaseSince.slice(11, 19)}Z` : ''}` : '-';
    const good = s.history.lastGood ? `rev ${s.history.lastGood.revision} ${s.history.lastGood.release || short(s.history.lastGood.image)}` : '-';
    lines.push(
      `| ${s.service} | ${s.live ? `${s.live.color} ${short(s.live.image)}` : 'not deployed'} | ${s.live?.release || '-'} | ${phase} | ${s.readyEndpoints} | ${color(s, 'blue')} | ${color(s, 'green')} | ${good} | ${s.aborted?.release ?? '-'} | ${s.history.live?.schemaVersion ?? '-'} |`,
    );
  }
  for (const s of statuses) for (const w of s.warnings) lines.push(`- ${s.service}: ${w}`);
  lines.push('', renderDelivery(statuses));
  return lines.join('\n');
}

const rate = (m: DeliveryMetrics) => (m.changeFailureRate === null ? '-' : `${Math.round(m.changeFailureRate * 100)}% (${m.failures}/${m.deployments})`);

/** The delivery metrics, last 7 days / last 30 days per cell. */
export function renderDelivery(statuses: ServiceStatus[]): string {
  const lines = [
    'Delivery from the release history (last 7 days / last 30 days):',
    '',
    '| service | deployments | lead time for changes | change failure rate | time to restore |',
    '|---|---|---|---|---|',
  ];
  for (const { service, delivery } of statuses) {
    const both = (cell: (m: DeliveryMetrics) => string) => `${cell(delivery.days7)} / ${cell(delivery.days30)}`;
    lines.push(
      `| ${service} | ${both((m) => String(m.deployments))} | ${both((m) => formatDuration(m.leadTimeSeconds))} | ${both(rate)} | ${both((m) => formatDuration(m.timeToRestoreSeconds))} |`,
    );
  }
  return lines.join('\n');
}

/**
 * One service's status as the cluster has it. Ready counts only the live colour's own pods of the
 * live release: a canary's or baseline's pods behind the active Service cannot hide a dead one.
 */
export async function readServiceStatus(r: ClusterReader, name: string, now = Date.now()): Promise<ServiceStatus> {
  return (await readServiceView(r, name, now)).status;
}

/** A service's status and its release history (without the recorded pod templates), for a page. */
export interface ServiceView {
  status: ServiceStatus;
  history: Omit<Release, 'template'>[];
  /** The last analysis (canary or soak) as recorded round by round; null when none was. */
  analysis: AnalysisRecord | null;
  /** The incident issue linked for the service's last release taken off traffic; null when none. */
  incident: IncidentRecord | null;
}

export async function readServiceView(r: ClusterReader, name: string, now = Date.now()): Promise<ServiceView> {
  const observed = await observe(r, name, now);
  const ready = observed.active ? await readyLivePods(r, name, observed.active, observed.activeRelease) : 0;
  const canary = await deploymentStatus(r, canaryName(name));
  // A run's deadline is its lease: what it left unjudged after the lease expired is orphaned.
  const since = orphaned(observed, canary !== null, await readLease(r, name), now);
  const history = await readHistory(r, name);
  return {
    status: serviceStatus(name, observed, ready, history, canary, since, now),
    analysis: await readAnalysis(r, name),
    incident: await readIncident(r, name),
    history: history.map((entry) => {
      const shown: Omit<Release, 'template'> & { template?: unknown } = { ...entry };
      delete shown.template;
      return shown;
    }),
  };
}
