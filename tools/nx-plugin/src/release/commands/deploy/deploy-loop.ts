import type { EnvironmentConfig } from '../../config/config';
import { live, recordFailed, recordLive } from '@trading/release-model';
import type { Kube, Lease } from '../../act/kube';
import { type Color, SWITCHED_AT, deploymentManifest, releaseLabel } from '../../config/manifests';
import { pointPreview, switchActive } from '../../act/switch-active';
import { describe, nextStep, type Desired } from '../../plan/planner';
import { removeOrphanCanary } from '../../act/orphans';
import { describePodProblems } from '../../plan/pod-problems';
import { NOT_ANALYSED, UNJUDGED, stateAnnotations } from '../../status/release-state';
import type { WantedRelease } from '../../plan/release-plan';
import { setTimeout as defaultSleep } from 'node:timers/promises';
import { waitForTraffic } from '../../act/traffic-wait';
import { completeInterruptedSwitchBack } from '../../act/taken-off';
import { releaseReaderManifests } from '../../config/release-reader';

/** How long a switch waits for the active Service to list the new colour's pods before the soak starts. */
export const TRAFFIC_WAIT_MS = 10_000;
/**
 * A Service the switch created (a first deploy) routes nowhere until every node's kube-proxy has
 * programmed it, which it does at most once per minSyncPeriod (1 s by default) after seeing the
 * Service without endpoints: its first clients are refused meanwhile (measured on the real node:
 * 5 to 7 of ~590 load-hook requests, all in the first 0.7 s, with the EndpointSlice listing the
 * pods at once). The soak and its load start after this (a deploy without a soak has nothing to wait for).
 */
export const NEW_SERVICE_SETTLE_MS = 2_000;

export interface LoopOptions {
  environment: string;
  env: EnvironmentConfig;
  actor: string;
  pollMs?: number;
  log: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  lease?: Lease;
  /**
   * Pre-promotion hook (the production canary), called once before traffic switches from a live
   * colour to `to`. If it throws, the deploy fails there and traffic never moved.
   */
  beforeSwitch?: (to: Color, from: Color, liveRelease: string) => Promise<void>;
  /**
   * The soak analysis owed after the switch (this run's, or one an interrupted run left pending):
   * judges `to` for `remainingMs` while `from` stays up. Passing returns; anything else throws
   * (and switches back when the verdict says so). Without it a pending soak is an error.
   */
  soak?: (to: Color, from: Color, remainingMs: number) => Promise<void>;
  /** The full soak time a switch commits to; 0 (or absent) when the deploy is not analysed. */
  soakMs?: number;
  /** Deploy a release that analysis or a rollback took off traffic, on purpose. */
  retryAborted?: boolean;
  /** A standby window longer than this is not waited out: deploy:reconcile scales it down later. */
  waitForStandbyMs?: number;
}

export interface DeployResult {
  service: string;
  outcome: 'deployed' | 'soaked' | 'unchanged';
  release: string;
  color: string;
  image: string;
  seconds: number;
  /** With --contract: what became of the release's contract migrations (ran, or why not). */
  contract?: string;
}

/**
 * Observe, plan, act until the release is live and the old colour scaled down. A rollout or
 * health gate that does not finish within the environment's timeout fails the deploy with the
 * active colour untouched.
 */
export async function deployService(kube: Kube, wanted: WantedRelease, options: LoopOptions): Promise<DeployResult> {
  const { service } = wanted;
  const { env, log } = options;
  const sleep = options.sleep ?? defaultSleep;
  const replicas = service.replicas[options.environment];
  const manifestFor = (color: Color) =>
    deploymentManifest({ service, environment: options.environment, namespace: env.namespace, color, image: wanted.image, replicas, revision: wanted.gitSha });
  // The release and its template are the same on either colour (the colour is a label, not spec).
  const reference = manifestFor('blue');
  const template = reference.spec!.template.spec!;
  const release = releaseLabel(reference);
  const desired: Desired = {
    image: wanted.image,
    release,
    replicas,
    scaleDownDelayMs: env.scaleDownDelaySeconds * 1000,
    soakMs: options.soakMs ?? 0,
    retryAborted: options.retryAborted ?? false,
  };
  const started = Date.now();
  let waitingSince: number | null = null;
  let last = '';
  let switched = false;
  let soaked = false;
  const entry = (color: Color) => ({
    image: desired.image,
    release,
    template,
    gitSha: wanted.gitSha,
    ...(wanted.commitTime ? { commitTime: wanted.commitTime } : {}),
    ...(wanted.schemaVersion ? { schemaVersion: wanted.schemaVersion } : {}),
    ...(wanted.migrations ? { migrations: wanted.migrations } : {}),
    ...(wanted.contracts?.length ? { contracts: wanted.contracts } : {}),
    ...(wanted.backup ? { backup: wanted.backup } : {}),
    color,
    time: new Date().toISOString(),
    actor: options.actor,
    kind: 'deploy' as const,
  });

  const finish = async (active: Color): Promise<DeployResult> => {
    // A run that died between its switch and its history write left the live release
    // unrecorded; whoever finishes the release records it, so a rollback goes back one step.
    await kube.updateHistory(service.name, (h) => (live(h)?.release === release && live(h)?.color === active ? h : recordLive(h, entry(active))));
    return {
      service: service.name,
      outcome: switched ? 'deployed' : soaked ? 'soaked' : 'unchanged',
      release,
      color: active,
      image: desired.image,
      seconds: (Date.now() - started) / 1000,
    };
  };

  // Holding the lease, any canary of this service is a leftover of an interrupted run: it would
  // serve beside the live pods and pass the next canary's readiness check at once.
  await removeOrphanCanary(kube, service.name, log);
  await completeInterruptedSwitchBack(kube, service.name, options.actor, log);
  // A service that reads the releases gets its read-only identity before any pod of it runs.
  if (service.readsReleases) await kube.applyReleaseReader(releaseReaderManifests(service, env.namespace, options.environment));
  let canaryDone = false;
  for (;;) {
    if (options.lease?.lost) throw options.lease.lost;
    const observed = await kube.observe(service.name);
    const step = nextStep(observed, desired);
    const canaryFirst = step.kind === 'switch' && step.from !== null && options.beforeSwitch !== undefined && !canaryDone;
    const text = canaryFirst && step.kind === 'switch' ? `canary before switching ${step.from} -> ${step.to}` : describe(step);
    if (text !== last) log(text);
    last = text;

    switch (step.kind) {
      case 'refuse':
        throw new Error(`${service.name}: ${step.reason}; traffic stays on ${observed.active ?? '(none)'}`);
      case 'apply':
        await kube.applyDeployment(manifestFor(step.color));
        break;
      case 'point-preview':
        await pointPreview(kube, service, options.environment, { color: step.color, release }, { log });
        break;
      case 'switch': {
        if (canaryFirst && step.from) {
          await options.beforeSwitch!(step.to, step.from, observed.activeRelease);
          canaryDone = true;
          break; // observe again: the world may have moved during the canary
        }
        // The phase goes into the same guarded replace as the selector: traffic never moves to a
        // release without the cluster recording that its soak is owed.
        const at = new Date();
        const phase =
          desired.soakMs > 0 ? stateAnnotations('Soaking', at) : stateAnnotations('Promoted', at, `${NOT_ANALYSED}: no soak configured or --skipAnalysis`);
        await switchActive(kube, service, options.environment, { color: step.to, release }, { [SWITCHED_AT]: at.toISOString(), ...phase }, { log });
        switched = true;
        await kube.updateHistory(service.name, (h) => recordLive(h, entry(step.to)));
        // The soak (and its load) begins when clients can reach the new pods, not before.
        await waitForTraffic({
          count: () => kube.servingEndpoints(service.name, step.to),
          want: replicas,
          timeoutMs: TRAFFIC_WAIT_MS,
          pollMs: Math.min(options.pollMs ?? 1000, 200),
          sleep,
          log,
        });
        if (step.from === null && desired.soakMs > 0) {
          log(`traffic: a new Service: ${NEW_SERVICE_SETTLE_MS / 1000} s for kube-proxy to program it before the soak`);
          await sleep(NEW_SERVICE_SETTLE_MS);
        }
        break;
      }
      case 'soak':
        if (!options.soak) {
          throw new Error(
            `${service.name}: release ${release} is live on ${step.color} but its soak is still owed (a run was interrupted during it); ` +
              'rerun the deploy with analysis (without --skipAnalysis) to judge it; traffic stays where it is',
          );
        }
        if (!switched) log(`resuming the soak an interrupted run left pending: ${Math.ceil(step.remainingMs / 1000)} s of it left`);
        // This run's own switch owes the whole soak (milliseconds ago); a resumed one what is left.
        await options.soak(step.color, step.from, switched ? desired.soakMs : step.remainingMs);
        // Unless an operator decided meanwhile (deploy:promote): their record stands.
        if (UNJUDGED.includes((await kube.observe(service.name)).state?.phase ?? 'Promoted'))
          await kube.recordPhase(service.name, release, stateAnnotations('Promoted', new Date(), 'soak passed'));
        soaked = true;
        break;
      case 'scale-down':
        await kube.scale(service.name, step.color, 0);
        break;
      case 'done':
        return finish(step.active);
      case 'wait-rollout':
      case 'wait-endpoints':
        waitingSince ??= Date.now();
        if (Date.now() - waitingSince > env.rolloutTimeoutSeconds * 1000) {
          // Why, in the pods' own words (CrashLoopBackOff, ImagePullBackOff, a missing Secret...).
          const pods = describePodProblems(await kube.podsOf(service.name, step.color));
          await kube.updateHistory(service.name, (h) => recordFailed(h, { ...entry(step.color), reason: `${text}: ${pods}` }));
          // The failed colour never took traffic; scale it down so it holds no capacity.
          if (step.color !== observed.active) await kube.scale(service.name, step.color, 0);
          throw new Error(
            `${service.name}: timed out after ${env.rolloutTimeoutSeconds} s ${text} (${pods}); traffic stays on ${observed.active ?? '(none)'}, ${step.color} scaled down`,
          );
        }
        await sleep(options.pollMs ?? 1000);
        break;
      case 'wait-scale-down':
        if (step.remainingMs > (options.waitForStandbyMs ?? Number.POSITIVE_INFINITY)) {
          log(
            `${step.color} stays up as a hot standby for ${Math.ceil(step.remainingMs / 1000)} s more (until ${new Date(Date.now() + step.remainingMs).toISOString()}); ` +
              'npx nx run deploy:reconcile scales it down after that (the scheduled reconcile workflow runs it)',
          );
          return finish(observed.active!);
        }
        await sleep(Math.min(step.remainingMs, options.pollMs ?? 1000));
        break;
    }
    if (step.kind !== 'wait-rollout' && step.kind !== 'wait-endpoints') waitingSince = null;
  }
}
