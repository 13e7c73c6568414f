import type { EnvironmentConfig } from './config';
import { recordFailed, recordLive } from './history';
import type { Kube, Lease } from './kube';
import { deploymentManifest, serviceManifest } from './manifests';
import { describe, nextStep, type Desired } from './planner';
import type { WantedRelease } from './release-plan';

export interface LoopOptions {
  environment: string;
  env: EnvironmentConfig;
  actor: string;
  pollMs?: number;
  log: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  lease?: Lease;
  /**
   * Post-promotion hook, called once right after traffic switched to `color` while the old colour
   * is still up (the SLO analysis plugs in here). If it throws, the deploy fails at that point.
   */
  afterSwitch?: (color: 'blue' | 'green') => Promise<void>;
}

export interface DeployResult {
  service: string;
  outcome: 'deployed' | 'unchanged';
  color: string;
  image: string;
  seconds: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Observe, plan, act until the release is live and the old colour scaled down. A rollout or
 * health gate that does not finish within the environment's timeout fails the deploy with the
 * active colour untouched.
 */
export async function deployService(kube: Kube, wanted: WantedRelease, options: LoopOptions): Promise<DeployResult> {
  const { service } = wanted;
  const { env, log } = options;
  const sleep = options.sleep ?? defaultSleep;
  const desired: Desired = { image: wanted.image, replicas: service.replicas[options.environment], scaleDownDelayMs: env.scaleDownDelaySeconds * 1000 };
  const started = Date.now();
  let waitingSince: number | null = null;
  let last = '';
  let switched = false;
  let history = await kube.readHistory(service.name);

  let lastRenew = Date.now();
  for (;;) {
    if (options.lease && Date.now() - lastRenew > 3000) {
      await options.lease.renew();
      lastRenew = Date.now();
    }
    const observed = await kube.observe(service.name);
    const step = nextStep(observed, desired);
    const text = describe(step);
    if (text !== last) log(text);
    last = text;

    switch (step.kind) {
      case 'apply':
        await kube.applyDeployment(
          deploymentManifest({ service, environment: options.environment, namespace: env.namespace, color: step.color, image: desired.image, replicas: desired.replicas, revision: wanted.gitSha }),
        );
        break;
      case 'point-preview':
        await kube.pointService(serviceManifest(service, options.environment, env.namespace, step.color, true), step.color, false);
        break;
      case 'switch':
        await kube.pointService(serviceManifest(service, options.environment, env.namespace, step.to, false), step.to, true);
        switched = true;
        history = recordLive(history, { image: desired.image, gitSha: wanted.gitSha, color: step.to, time: new Date().toISOString(), actor: options.actor, kind: 'deploy' });
        await kube.writeHistory(service.name, history);
        await options.afterSwitch?.(step.to);
        break;
      case 'scale-down':
        await kube.scale(service.name, step.color, 0);
        break;
      case 'done':
        return { service: service.name, outcome: switched ? 'deployed' : 'unchanged', color: step.active, image: desired.image, seconds: (Date.now() - started) / 1000 };
      case 'wait-rollout':
      case 'wait-endpoints':
        waitingSince ??= Date.now();
        if (Date.now() - waitingSince > env.rolloutTimeoutSeconds * 1000) {
          history = recordFailed(history, { image: desired.image, gitSha: wanted.gitSha, color: step.color, time: new Date().toISOString(), actor: options.actor, kind: 'deploy', reason: text });
          await kube.writeHistory(service.name, history);
          // The failed colour never took traffic; scale it down so it holds no capacity.
          if (step.color !== observed.active) await kube.scale(service.name, step.color, 0);
          throw new Error(`${service.name}: timed out after ${env.rolloutTimeoutSeconds} s ${text}; traffic stays on ${observed.active ?? '(none)'}, ${step.color} scaled down`);
        }
        await sleep(options.pollMs ?? 1000);
        break;
      case 'wait-scale-down':
        await sleep(Math.min(step.remainingMs, options.pollMs ?? 1000));
        break;
    }
    if (step.kind !== 'wait-rollout' && step.kind !== 'wait-endpoints') waitingSince = null;
  }
}
