import type { ServiceConfig } from '../../config/config';
import { resolveTarget } from '../target';
import { Kube, LeaseHeld } from '../../act/kube';
import { canaryName } from '../../config/manifests';
import { removeOrphanCanary } from '../../act/orphans';
import { reconcilePlan } from '../../plan/reconcile-plan';
import { switchBack } from '../../act/switch-back';
import { withSchemaDefaults } from '../../../executors/options';
import { reportServices } from '../service-table';
import schema from '../../../executors/reconcile/schema.json';
import type { ReconcileExecutorOptions } from '../../../executors/reconcile/schema';

export interface ReconcileContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  actor: string;
}

export interface ReconcileResult {
  service: string;
  /** running: a run holds it; clean: nothing to do; done: the actions were taken. */
  outcome: 'running' | 'clean' | 'done' | 'would';
  actions: string[];
}

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeReconcileOptions = (options: ReconcileExecutorOptions) =>
  withSchemaDefaults(schema, options) as ReconcileExecutorOptions & { configDir: string; dryRun: boolean };

/** The lease a run needs to act; a run that grabbed it meanwhile wins, and this service is left to it. */
const LEASE_SECONDS = 30;

/**
 * One service: plan from what the cluster says (reconcile-plan.ts), then act holding the deploy
 * lease, re-planning under it (a deploy that started meanwhile owns the service then).
 */
async function reconcileService(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  standbyMs: number,
  dryRun: boolean,
  ctx: ReconcileContext,
): Promise<ReconcileResult> {
  const log = (m: string) => ctx.log(`[${service.name}] ${m}`);
  const plan = async (k: Kube, lease: { holder: string; expiresAt: number } | null) =>
    reconcilePlan({
      observed: await k.observe(service.name),
      canary: (await k.deploymentStatus(canaryName(service.name))) !== null,
      lease,
      standbyMs,
      now: Date.now(),
    });
  const lapsed = await kube.readLease(service.name);
  const first = await plan(kube, lapsed);
  if (first.running) {
    log(`a run holds its lease (${first.running}): left to it`);
    return { service: service.name, outcome: 'running', actions: [] };
  }
  if (first.actions.length === 0) return { service: service.name, outcome: 'clean', actions: [] };
  for (const a of first.actions) log(`${dryRun ? 'would ' : ''}${a.kind}: ${a.why}`);
  if (dryRun) return { service: service.name, outcome: 'would', actions: first.actions.map((a) => a.kind) };
  let lease;
  try {
    lease = await kube.acquireLease(service.name, LEASE_SECONDS, undefined, log);
  } catch (error) {
    if (!(error instanceof LeaseHeld)) throw error;
    log(`${error.message}: left to it`);
    return { service: service.name, outcome: 'running', actions: [] };
  }
  try {
    const holding = kube.holding(lease);
    const done: string[] = [];
    // Planned again under the lease (the dead run's, as read: the reasons keep its expiry).
    for (const action of (await plan(holding, lapsed)).actions) {
      if (action.kind === 'remove-canary') await removeOrphanCanary(holding, service.name, log);
      if (action.kind === 'abort') {
        const back = await switchBack(holding, service, environment, `reconcile: orphaned: ${action.why}`, ctx.actor);
        log(`release ${back.aborted} taken off traffic: back on ${back.to} (${back.restored}) in ${back.seconds.toFixed(2)} s`);
      }
      if (action.kind === 'scale-down') {
        await holding.scale(service.name, action.color, 0);
        log(`${action.color} scaled down: ${action.why}`);
      }
      done.push(action.kind);
    }
    return { service: service.name, outcome: 'done', actions: done };
  } finally {
    await lease.release().catch(() => undefined);
  }
}

export async function runReconcile(given: ReconcileExecutorOptions, ctx: ReconcileContext): Promise<{ ok: boolean; results: ReconcileResult[] }> {
  const options = normalizeReconcileOptions(given);
  const { env, services, context } = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  const kube = await Kube.connect({ context, namespace: env.namespace });
  ctx.log(`reconcile in ${options.environment} (context ${context}, namespace ${env.namespace}): ${services.map((s) => s.name).join(', ')}`);
  const settled = await Promise.allSettled(
    services.map((s) => reconcileService(kube, s, options.environment, env.scaleDownDelaySeconds * 1000, options.dryRun, ctx)),
  );
  return reportServices(
    `Reconcile in ${options.environment}`,
    ['service', 'outcome', 'actions'],
    services.map((s) => s.name),
    settled,
    (r) => [r.service, r.outcome, r.actions.join(', ') || '-'],
    ctx,
  );
}
