import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment, loadEnvironments, loadServices, type ServiceConfig } from '../../gke-deploy/lib/config';
import { live, previousGood, recordRollback } from '../../gke-deploy/lib/history';
import { Kube } from '../../gke-deploy/lib/kube';
import { deploymentManifest, other, serviceManifest, type Color } from '../../gke-deploy/lib/manifests';
import { rolloutComplete } from '../../gke-deploy/lib/planner';
import type { RollbackExecutorOptions } from '../schema';
import { rollbackFromAlert } from './alert';

export interface RollbackContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  actor: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface RollbackResult {
  service: string;
  from: Color;
  to: Color;
  image: string;
  recoverySeconds: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Put one service's previous good release back: make sure its colour runs it at full size
 * (scaling it up first if it was scaled down), wait until it is ready, switch the active Service
 * to it in one guarded replace, and verify the active Service has ready endpoints.
 */
export async function rollbackService(kube: Kube, service: ServiceConfig, environment: string, ctx: RollbackContext, reason: string, timeoutMs: number): Promise<RollbackResult> {
  const started = Date.now();
  const log = (m: string) => ctx.log(`[${service.name}] ${m}`);
  const history = await kube.readHistory(service.name);
  const current = live(history);
  const target = previousGood(history);
  if (!current || !target) throw new Error(`${service.name}: no previous good release in the history of ${kube.target.namespace}; nothing to roll back to`);
  const observed = await kube.observe(service.name);
  if (!observed.active) throw new Error(`${service.name}: no active Service in ${kube.target.namespace}`);
  const to = other(observed.active);
  const replicas = service.replicas[environment];
  const state = observed.deployments[to];
  log(`rolling back ${current.image.slice(-19)} (rev ${current.revision}) -> ${target.image.slice(-19)} (rev ${target.revision}) on ${to}: ${reason}`);
  if (!state || state.image !== target.image || state.replicas !== replicas) {
    log(state?.image === target.image ? `scaling ${to} up to ${replicas}` : `restoring ${target.image} on ${to}`);
    await kube.applyDeployment(
      deploymentManifest({ service, environment, namespace: kube.target.namespace, color: to, image: target.image, replicas, revision: target.gitSha }),
    );
  }
  for (;;) {
    const now = await kube.observe(service.name);
    const s = now.deployments[to];
    if (s && s.image === target.image && rolloutComplete(s, replicas)) break;
    if (Date.now() - started > timeoutMs) throw new Error(`${service.name}: ${to} did not become ready within ${timeoutMs / 1000} s; traffic stays on ${observed.active}`);
    await (ctx.sleep ?? sleep)(200);
  }
  await kube.pointService(serviceManifest(service, environment, kube.target.namespace, to, false), to, true);
  for (;;) {
    if ((await kube.readyEndpoints(service.name)) >= replicas) break;
    if (Date.now() - started > timeoutMs) throw new Error(`${service.name}: switched to ${to} but its endpoints are not ready within ${timeoutMs / 1000} s`);
    await (ctx.sleep ?? sleep)(100);
  }
  const recoverySeconds = (Date.now() - started) / 1000;
  await kube.pointService(serviceManifest(service, environment, kube.target.namespace, to, true), to, false).catch(() => undefined);
  await kube.writeHistory(service.name, recordRollback(history, { ...target, color: to }, new Date().toISOString(), ctx.actor, reason));
  log(`traffic on ${to} (${target.image.slice(-19)}), ready endpoints verified: recovered in ${recoverySeconds.toFixed(2)} s`);
  return { service: service.name, from: observed.active, to, image: target.image, recoverySeconds };
}

/** Reads an alert payload file and turns it into rollback options; null when nothing is firing. */
export function optionsFromAlert(options: RollbackExecutorOptions, configDir: string): RollbackExecutorOptions | null {
  const path = options.alert!;
  if (!existsSync(path)) throw new Error(`alert payload ${path} not found`);
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`alert payload ${path} is not JSON: ${(error as Error).message}`);
  }
  const environments = Object.fromEntries(Object.entries(loadEnvironments(configDir)).map(([name, env]) => [name, env.namespace]));
  const request = rollbackFromAlert(payload, environments);
  if (!request) return null;
  return { ...options, environment: request.environment, services: request.services, reason: options.reason && options.reason !== 'manual rollback' ? options.reason : request.reason };
}

export async function runRollback(options: RollbackExecutorOptions, ctx: RollbackContext): Promise<{ ok: boolean; results: RollbackResult[] }> {
  const configDir = join(ctx.workspaceRoot, options.configDir ?? 'tools/deploy');
  if (options.alert) {
    const fromAlert = optionsFromAlert(options, configDir);
    if (!fromAlert) {
      ctx.log(`alert payload ${options.alert}: no alert is firing (resolved notification); nothing to roll back`);
      return { ok: true, results: [] };
    }
    ctx.log(`alert payload ${options.alert}: ${fromAlert.reason} -> rollback of ${fromAlert.services!.join(', ')} in ${fromAlert.environment}`);
    options = fromAlert;
  }
  const env = loadEnvironment(configDir, options.environment);
  const context = options.context ?? (ctx.env.DEPLOY_CONTEXT || env.context);
  const services = loadServices(configDir, options.environment, options.services);
  const reason = options.reason ?? 'manual rollback';
  const kube = await Kube.connect({ context, namespace: env.namespace });
  ctx.log(`rollback in ${options.environment} (context ${context}, namespace ${env.namespace}): ${services.map((s) => s.name).join(', ')}; reason: ${reason}`);
  const settled = await Promise.allSettled(
    services.map(async (service) => {
      const lease = await kube.acquireLease(service.name, 90);
      try {
        return await rollbackService(kube, service, options.environment, ctx, reason, (options.timeoutSeconds ?? 60) * 1000);
      } finally {
        await lease.release().catch(() => undefined);
      }
    }),
  );
  const results: RollbackResult[] = [];
  const lines = ['| service | from | to | image | recovery (s) |', '|---|---|---|---|---|'];
  let ok = true;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      results.push(s.value);
      lines.push(`| ${s.value.service} | ${s.value.from} | ${s.value.to} | \`${s.value.image.slice(-19)}\` | ${s.value.recoverySeconds.toFixed(2)} |`);
    } else {
      ok = false;
      lines.push(`| ${services[i].name} | FAILED | - | - | - |`);
      ctx.log(`[${services[i].name}] FAILED: ${(s.reason as Error).message}`);
    }
  });
  ctx.log(`\nRollback in ${options.environment}:\n${lines.join('\n')}`);
  if (ctx.env.GITHUB_STEP_SUMMARY) appendFileSync(ctx.env.GITHUB_STEP_SUMMARY, `### Rollback in ${options.environment}\n\n${lines.join('\n')}\n\n`);
  return { ok, results };
}
