import type { ServiceConfig } from '../../config/config';
import { resolveTarget } from '../target';
import { notifier } from '../../act/notify';
import { Kube } from '../../act/kube';
import { removeOrphanCanary } from '../../act/orphans';
import { other } from '../../config/manifests';
import { UNJUDGED, stateAnnotations } from '../../status/release-state';
import { switchBack } from '../../act/switch-back';
import { withSchemaDefaults } from '../../../executors/options';
import { reportServices } from '../service-table';
import schema from '../../../executors/release-decision/schema.json';
import type { ReleaseDecisionExecutorOptions } from '../../../executors/release-decision/schema';

export interface DecisionContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  actor: string;
}

export interface DecisionResult {
  service: string;
  outcome: 'aborted' | 'promoted' | 'nothing-in-progress';
  detail: string;
}

/**
 * abort: the live release, still unjudged, goes off traffic now (back to the saturated previous
 * colour, recorded as Aborted). promote: it is accepted as it is (recorded as Promoted with the
 * actor), and the previous colour is scaled down. Neither takes the deploy lease: they are how an
 * operator overrules a deploy that holds it, and each write is guarded by the resourceVersion.
 */
export async function decide(kube: Kube, service: ServiceConfig, options: ReleaseDecisionExecutorOptions, ctx: DecisionContext): Promise<DecisionResult> {
  const log = (m: string) => ctx.log(`[${service.name}] ${m}`);
  const reason = `${options.decision === 'abort' ? 'aborted' : 'promoted'} by ${ctx.actor}: ${options.reason}`;
  if (options.decision === 'abort' && (await removeOrphanCanary(kube, service.name, log))) log('canary removed');
  const observed = await kube.observe(service.name);
  const phase = observed.state?.phase ?? null;
  if (!observed.active || !phase || !UNJUDGED.includes(phase)) {
    const detail = `nothing in progress (live: ${observed.active ?? 'none'} ${observed.activeRelease || ''}, phase ${phase ?? 'none'})${options.decision === 'abort' ? '; to leave a judged release use deploy:rollback' : ''}`;
    log(detail);
    return { service: service.name, outcome: 'nothing-in-progress', detail };
  }
  if (options.decision === 'abort') {
    const back = await switchBack(kube, service, options.environment, reason, ctx.actor);
    const detail = `release ${back.aborted} taken off traffic: back on ${back.to} (${back.restored}) in ${back.seconds.toFixed(2)} s; ${back.from} scaled down`;
    log(detail);
    return { service: service.name, outcome: 'aborted', detail };
  }
  await kube.recordPhase(service.name, observed.activeRelease, stateAnnotations('Promoted', new Date(), reason.slice(0, 250)));
  const old = other(observed.active);
  if (observed.deployments[old]?.replicas) await kube.scale(service.name, old, 0);
  const detail = `release ${observed.activeRelease} promoted (was ${phase}) on ${observed.active}; ${old} scaled down`;
  log(detail);
  return { service: service.name, outcome: 'promoted', detail };
}

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeDecisionOptions = (options: Partial<ReleaseDecisionExecutorOptions> & Pick<ReleaseDecisionExecutorOptions, 'decision' | 'environment'>) =>
  withSchemaDefaults(schema, options) as ReleaseDecisionExecutorOptions & Required<Pick<ReleaseDecisionExecutorOptions, 'all' | 'reason' | 'configDir'>>;

export async function runDecision(
  given: Partial<ReleaseDecisionExecutorOptions> & Pick<ReleaseDecisionExecutorOptions, 'decision' | 'environment'>,
  ctx: DecisionContext,
): Promise<{ ok: boolean; results: DecisionResult[] }> {
  const options = normalizeDecisionOptions(given);
  if (!options.all && !options.services?.length) {
    throw new Error(`name the services to ${options.decision} (--services=a,b), or pass --all for every service with a release in progress`);
  }
  const { env, services, context } = resolveTarget(ctx.workspaceRoot, { ...options, services: options.all ? undefined : options.services }, ctx.env);
  const kube = await Kube.connect({ context, namespace: env.namespace });
  ctx.log(
    `${options.decision} in ${options.environment} (context ${context}, namespace ${env.namespace}): ${services.map((s) => s.name).join(', ')}; reason: ${options.reason}`,
  );
  const settled = await Promise.allSettled(services.map((s) => decide(kube, s, options, ctx)));
  const notify = notifier(env, options.environment, ctx.env, ctx.log);
  await Promise.all(
    settled.map((s) =>
      s.status === 'fulfilled' && s.value.outcome !== 'nothing-in-progress'
        ? notify({ service: s.value.service, kind: s.value.outcome, release: '', actor: ctx.actor, detail: `${s.value.detail}; reason: ${options.reason}` })
        : undefined,
    ),
  );
  return reportServices(
    `${options.decision === 'abort' ? 'Abort' : 'Promote'} in ${options.environment}`,
    ['service', 'outcome', 'detail'],
    services.map((s) => s.name),
    settled,
    (r) => [r.service, r.outcome, r.detail],
    ctx,
  );
}
