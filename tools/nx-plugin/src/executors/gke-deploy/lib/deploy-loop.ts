import type { EnvironmentConfig } from './config';
import { recordFailed, recordLive } from './history';
import type { Kube, Lease } from './kube';
import { type Color, deploymentManifest, serviceManifest } from './manifests';
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
   * Pre-promotion hook (the production canary), called once before traffic switches from a live
   * colour to `to`. If it throws, the deploy fails there and traffic never moved.
   */
  beforeSwitch?: (to: Color, from: Color) => Promise<void>;
  /**
   * Post-promotion hook (the soak analysis), called once right after traffic switched to `to`
   * while the old colour is still up. If it throws, the deploy fails at that point.
   */
  afterSwitch?: (to: Color, from: Color | null) => Promise<void>;
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
      case 'apply':
        await kube.applyDeployment(
          deploymentManifest({ service, environment: options.environment, namespace: env.namespace, color: step.color, image: desired.image, replicas: desired.replicas, revision: wanted.gitSha }),
        );
        break;
      case 'point-preview':
        await kube.pointService(serviceManifest(service, options.environment, env.namespace, step.color, true), step.color, false);
        break;
      case 'switch':
        if (canaryFirst && step.from) {
          await options.beforeSwitch!(step.to, step.from);
          canaryDone = true;
          break; // observe again: the world may have moved during the canary
        }
        await kube.pointService(serviceManifest(service, options.environment, env.namespace, step.to, false), step.to, true);
        switched = true;
        history = recordLive(history, { image: desired.image, gitSha: wanted.gitSha, color: step.to, time: new Date().toISOString(), actor: options.actor, kind: 'deploy' });
        await kube.writeHistory(service.name, history);
        await options.afterSwitch?.(step.to, step.from);
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
