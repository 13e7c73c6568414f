import { stringify } from 'yaml';
import { PrometheusSource } from '../../analysis/prometheus';
import { commandToken } from '../../analysis/prometheus-token';
import { type EnvironmentConfig, loadAnalysis, type ServiceConfig } from '../../config/config';
import { resolveTarget } from '../target';
import { configOnlyRelease } from './config-only';
import { promotedReleases } from './promote-from';
import { requireAttestations } from './require-attestations';
import { deployService, type DeployResult } from './deploy-loop';
import { Kube, type Lease } from '../../act/kube';
import { loadRequests, podSelector, requestsArgument, renderLoadCommand, startLoad } from '../../analysis/load-hook';
import { metricsFor } from '../../analysis/judge';
import { notifier } from '../../act/notify';
import { onInterrupt } from '../../act/interrupt';
import { removeOrphanCanary } from '../../act/orphans';
import { deploymentManifest, releaseLabel, serviceManifest } from '../../config/manifests';
import { AnalysisStop, canary, checkAnalysis, soak, type PromotionContext } from './promotion';
import { wantedRelease, type WantedRelease } from '../../plan/release-plan';
import { type MigrationPlan, migrationPlan, readMigrations } from '../../config/migrations';
import { backupName, recordOf } from '../../config/database-recovery';
import { contractDecision, contractPlan } from '../../plan/contracts';
import { recordContracts } from '@trading/release-model';
import { withSchemaDefaults } from '../../../executors/options';
import { reportServices } from '../service-table';
import schema from '../../../executors/gke-deploy/schema.json';
import type { GkeDeployExecutorOptions } from '../../../executors/gke-deploy/schema';
import { shortImage } from './short-image';

export interface DeployContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  actor: string;
}

/** A crashed deploy's lease lapses after this; a live deploy renews it every few seconds. */
export const LEASE_SECONDS = 15;

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeDeployOptions = (options: GkeDeployExecutorOptions) =>
  withSchemaDefaults(schema, options) as GkeDeployExecutorOptions & { configDir: string; waitForStandbySeconds: number };

export async function runDeploy(given: GkeDeployExecutorOptions, ctx: DeployContext): Promise<{ ok: boolean; results: DeployResult[] }> {
  const options = normalizeDeployOptions(given);
  const { configDir, env, services, context } = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  if (options.skipAnalysis && env.requireAnalysis)
    throw new Error(
      `--skipAnalysis is refused for ${options.environment}: its releases must be judged (requireAnalysis in ${configDir}/environments.yaml); nothing was deployed`,
    );
  if (options.scaleDownDelaySeconds !== undefined) env.scaleDownDelaySeconds = options.scaleDownDelaySeconds;
  if (options.rolloutTimeoutSeconds !== undefined) env.rolloutTimeoutSeconds = options.rolloutTimeoutSeconds;
  if (env.analysis) {
    if (options.soakSeconds !== undefined) env.analysis.soakSeconds = options.soakSeconds;
    if (options.analysisIntervalSeconds !== undefined) env.analysis.intervalSeconds = options.analysisIntervalSeconds;
    if (options.onInconclusive !== undefined) env.analysis.onInconclusive = options.onInconclusive;
    env.analysis.prometheus = options.prometheusUrl ?? (ctx.env.PROMETHEUS_URL || env.analysis.prometheus);
  }
  if (env.canary && options.canaryAnalysisSeconds !== undefined) env.canary.analysisSeconds = options.canaryAnalysisSeconds;
  const explicit = Boolean(options.services?.length) || Boolean(options.all);

  const wanted: WantedRelease[] = [];
  const unrecorded: ServiceConfig[] = [];
  // Build once, promote by digest: the source environment's judged releases, not image records.
  if (options.promoteFrom)
    wanted.push(...(await promotedReleases(configDir, options.promoteFrom, { environment: options.environment, context }, services, ctx.log)));
  else
    for (const service of services) {
      try {
        wanted.push(wantedRelease(ctx.workspaceRoot, service));
      } catch (error) {
        if (explicit) throw error;
        if (options.dryRun) ctx.log(`${service.name}: skipped, ${(error as Error).message.replace(`${service.name}: `, '')}`);
        else unrecorded.push(service);
      }
    }
  // Without a new image a service may still have a new deploy config: that goes through here too.
  let connected: Kube | undefined;
  if (unrecorded.length > 0) {
    connected = await Kube.connect({ context, namespace: env.namespace });
    for (const service of unrecorded) {
      const configOnly = await configOnlyRelease(connected, service, options.environment, ctx.log);
      if (configOnly) wanted.push(configOnly);
    }
  }
  if (env.requireAttestations) await requireAttestations(wanted, { environment: options.environment, configDir }, ctx.log);
  if (wanted.length === 0) {
    const nothing = 'nothing to deploy: no service has a pushed image record (run docker-build -c push) or a changed deploy config';
    if (!options.allowNothingToDeploy) throw new Error(nothing);
    // CI after a merge that changed no image (docs, tests): success, and the cluster is not touched.
    ctx.log(`${nothing}; --allowNothingToDeploy: the live releases stay as they are`);
    return { ok: true, results: [] };
  }

  ctx.log(`deploy to ${options.environment}: namespace ${env.namespace}, context ${context}, ${wanted.length} service(s)`);
  const analysis = env.analysis && !options.skipAnalysis ? env.analysis : undefined;
  if (env.analysis && options.skipAnalysis) ctx.log('analysis: SKIPPED (--skipAnalysis): no canary, no soak; the release is not judged by its metrics');
  else if (analysis) {
    const canaryText = env.canary ? `canary ${env.canary.replicas} pod(s) for ${env.canary.analysisSeconds} s, then ` : '';
    ctx.log(
      `analysis: ${canaryText}soak ${analysis.soakSeconds} s every ${analysis.intervalSeconds} s against ${analysis.prometheus}; inconclusive -> ${analysis.onInconclusive}`,
    );
  }
  // Each service's migrations, read before anything moves: a malformed one stops the deploy here.
  const migrations = new Map<string, MigrationPlan>();
  if (env.database)
    for (const w of wanted) if (w.service.migrations) migrations.set(w.service.name, migrationPlan(readMigrations(ctx.workspaceRoot, w.service.migrations)));
  if (options.dryRun) {
    for (const [name, plan] of migrations)
      ctx.log(
        `plan ${name}: a Job runs ${plan.apply.length} expand migration(s) up to schema ${plan.schemaVersion ?? '-'} before the idle colour starts${plan.held.length ? `; held back (contract): ${plan.held.map((f) => f.name).join(', ')}` : ''}`,
      );
    for (const w of wanted) {
      const replicas = w.service.replicas[options.environment];
      ctx.log(
        `plan ${w.service.name}: ${shortImage(w.image)} x${replicas} onto the idle colour, gate on ready endpoints, switch, keep the old colour ${env.scaleDownDelaySeconds} s`,
      );
      const deployment = deploymentManifest({
        service: w.service,
        environment: options.environment,
        namespace: env.namespace,
        color: 'green',
        image: w.image,
        replicas,
        revision: w.gitSha,
      });
      const release = releaseLabel(deployment);
      const manifests = [
        deployment,
        serviceManifest(w.service, options.environment, env.namespace, 'green', false, release),
        serviceManifest(w.service, options.environment, env.namespace, 'green', true, release),
      ];
      ctx.log(manifests.map((m) => stringify(m)).join('---\n'));
    }
    return { ok: true, results: [] };
  }

  const kube = connected ?? (await Kube.connect({ context, namespace: env.namespace }));
  await kube.ensureNamespace();
  if (env.database) await kube.ensureDatabase(options.environment, env.database, env.rolloutTimeoutSeconds, ctx.log);
  const { metrics, comparisons } = analysis ? loadAnalysis(configDir) : { metrics: [], comparisons: [] };
  const token = analysis?.prometheusToken ? commandToken(analysis.prometheusToken) : undefined;
  const source = analysis ? new PrometheusSource(analysis.prometheus, analysis.queryTimeoutSeconds * 1000, token) : undefined;
  if (source && analysis!.onInconclusive !== 'continue') {
    // Fail before anything moves: a soak that cannot measure would halt after the switch.
    const probe = await source.query('vector(1)');
    if ('inconclusive' in probe) {
      throw new Error(
        `${probe.inconclusive}: the analysis could not judge this release, so nothing was deployed. Start it (locally: npx nx run monitoring:up), point PROMETHEUS_URL at it, or pass --skipAnalysis deliberately`,
      );
    }
  }

  // Every phase goes to the environment's chat webhook (act/notify.ts); a failed notification is logged only.
  const notify = notifier(env, options.environment, ctx.env, ctx.log);
  const leases = new Map<string, Lease>();
  const uninstall = onInterrupt(async () => {
    for (const [name, lease] of leases) {
      await removeOrphanCanary(kube, name, (m) => ctx.log(`[${name}] ${m}`));
      await lease.release();
    }
    return `canaries removed and leases released for ${[...leases.keys()].join(', ') || 'no service'}; each service's phase is recorded in the cluster (npx nx run deploy:status), and a rerun resumes from it`;
  }, ctx.log);
  const promotions = new Map<string, PromotionContext>();
  if (analysis && source) {
    for (const w of wanted) {
      const log = (m: string) => ctx.log(`[${w.service.name}] ${m}`);
      const promotion: PromotionContext = { kube, wanted: w, environment: options.environment, env, metrics, comparisons, source, actor: ctx.actor, log };
      try {
        checkAnalysis(promotion);
      } catch (error) {
        throw new Error(
          `${(error as Error).message}: the analysis could not judge this release, so nothing was deployed; fix tools/deploy/analysis.yaml or the service's analysis section`,
        );
      }
      if (analysis.load) {
        // {{pods}}: for a service judged on the generator's own requests, the judged pods' label
        // selector (the generator requests them directly); otherwise empty (through the Service).
        const byLoad = metricsFor(metrics, w.service.analysis, w.service.name).some((m) => m.provider === 'load');
        const render = (target: Record<string, string>) =>
          renderLoadCommand(analysis.load!.command, {
            service: w.service.name,
            namespace: env.namespace,
            context,
            path: w.service.loadPath ?? w.service.probes.readiness,
            requests: requestsArgument(loadRequests(w.service)),
            pods: byLoad ? podSelector(w.service.name, target) : '',
          });
        try {
          render({ track: 'canary' });
        } catch (error) {
          throw new Error(
            `${w.service.name}: analysis.load.command in environments.yaml (${options.environment}): ${(error as Error).message}; nothing was deployed`,
          );
        }
        promotion.startLoad = (target) => startLoad(render(target), ctx.workspaceRoot, log);
      }
      promotions.set(w.service.name, promotion);
    }
  }
  // A base backup before the first migration of this run touches the schema: with the WAL archive,
  // what a point-in-time restore to a moment before this deploy starts from (deploy:restore-database).
  const migrating: WantedRelease[] = [];
  for (const w of wanted) {
    const plan = migrations.get(w.service.name);
    if (plan?.apply.length && !(await kube.migrationsDone(w.service.name, plan))) migrating.push(w);
  }
  if (migrating.length && env.database?.kind === 'statefulset') {
    const taken = await kube.takeBackup(
      options.environment,
      env.database,
      backupName(new Date(), `before-${migrating.map((w) => w.service.name).join('-')}`),
      ctx.log,
    );
    for (const w of migrating) w.backup = recordOf(taken);
  }
  const settled = await Promise.allSettled(
    wanted.map(async (w) => {
      const log = (m: string) => ctx.log(`[${w.service.name}] ${m}`);
      const lease = await kube.acquireLease(w.service.name, LEASE_SECONDS, undefined, log);
      leases.set(w.service.name, lease);
      // Every write of this service's deploy checks first that the lease is still this run's.
      const holding = kube.holding(lease);
      const promotion = promotions.get(w.service.name);
      if (promotion) Object.assign(promotion, { lease, kube: holding });
      const about = { service: w.service.name, release: shortImage(w.image), actor: ctx.actor };
      await notify({ ...about, kind: 'started', detail: `commit ${w.gitSha.slice(0, 7) || '(none: a config-only release)'}` });
      const judgeCanary = promotion && env.canary ? canary(promotion) : undefined;
      const judgeSoak = promotion ? soak(promotion) : undefined;
      try {
        const plan = migrations.get(w.service.name);
        if (plan && env.database) {
          // The expand migrations before the idle colour starts; a failure leaves traffic where it is.
          const ran = await holding.runMigrations(w.service.name, options.environment, env.database, plan, log);
          if (ran.schemaVersion) w.schemaVersion = ran.schemaVersion;
          if (ran.configMap) w.migrations = ran.configMap;
          if (plan.held.length) w.contracts = plan.held.map((f) => f.name);
        }
        const result = await deployService(holding, w, {
          environment: options.environment,
          env,
          actor: ctx.actor,
          log,
          lease,
          beforeSwitch: judgeCanary
            ? async (to, from, liveRelease) => {
                await judgeCanary(to, from, liveRelease);
                await notify({ ...about, kind: 'canary-passed', detail: `traffic moves from ${from} to ${to}` });
              }
            : undefined,
          soak: judgeSoak
            ? async (to, from, remainingMs) => {
                await notify({ ...about, kind: 'switched', detail: `${from} -> ${to}; soak ${Math.round(remainingMs / 1000)} s, ${from} kept up` });
                await judgeSoak(to, from, remainingMs);
              }
            : undefined,
          soakMs: promotion ? analysis!.soakSeconds * 1000 : 0,
          retryAborted: options.retryAborted,
          waitForStandbyMs: options.waitForStandbySeconds * 1000,
        });
        if (options.contract && plan?.held.length && env.database)
          return { ...result, contract: await runContracts(holding, w.service.name, options.environment, env.database, plan, result.release, log) };
        return result;
      } finally {
        leases.delete(w.service.name);
        await lease.release().catch(() => undefined);
      }
    }),
  );
  uninstall();
  await Promise.all(
    settled.map((s, i) => {
      const about = { service: wanted[i].service.name, release: shortImage(wanted[i].image), actor: ctx.actor };
      if (s.status === 'fulfilled') {
        const r = s.value;
        if (r.outcome === 'unchanged') return undefined;
        return notify({
          ...about,
          release: r.release,
          kind: 'live',
          detail: `on ${r.color} after ${r.seconds.toFixed(0)} s${r.outcome === 'soaked' ? ', soak passed' : ''}`,
        });
      }
      const reason = s.reason as Error;
      // superseded: an abort or promote decided the soak's release meanwhile, and said so itself.
      const kinds = { 'canary-failed': 'canary-failed', 'rolled-back': 'switched-back', halted: 'halted', superseded: null } as const;
      const kind = reason instanceof AnalysisStop ? kinds[reason.verdict] : 'failed';
      if (kind === null) return undefined;
      return notify({ ...about, kind, detail: reason.message });
    }),
  );

  // A failed service's row says, not guessing from the error, what the active Service selects now.
  const where = await Promise.all(
    settled.map((s, i) =>
      s.status === 'fulfilled'
        ? ''
        : kube.observe(wanted[i].service.name).then(
            (o) => (o.active ? `${o.active} ${o.activeRelease || ''} (${o.state?.phase ?? 'no phase'})`.replace('  ', ' ') : 'none'),
            () => 'unknown (cluster unreachable): see npx nx run deploy:status',
          ),
    ),
  );
  const contract = options.contract;
  const report = reportServices(
    `Deploy to ${options.environment} (${context}, namespace ${env.namespace})`,
    ['service', 'outcome', 'live colour', 'image', 'seconds', ...(contract ? ['contract migrations'] : [])],
    wanted.map((w) => w.service.name),
    settled,
    (r) => [r.service, r.outcome, r.color, `\`${shortImage(r.image)}\``, r.seconds.toFixed(1), ...(contract ? [r.contract ?? 'none'] : [])],
    ctx,
    (name, reason, i) => [
      name,
      reason instanceof AnalysisStop ? reason.verdict.toUpperCase() : 'FAILED',
      where[i],
      `\`${shortImage(wanted[i].image)}\``,
      '-',
      ...(contract ? ['-'] : []),
    ],
  );
  // --contract asked for them: one refused fails the run (the releases stay live; the table says why).
  const refused = report.results.filter((r) => r.contract?.startsWith('refused'));
  for (const r of refused) ctx.log(`[${r.service}] contract migrations ${r.contract}`);
  return { ok: report.ok && refused.length === 0, results: report.results };
}

/**
 * --contract, after the release went live: its held contract migrations that neither the live
 * release nor the standby lacks (plan/contracts.ts) run by the same Job as the expand ones, and are
 * recorded on its history entry; the rest are refused with the release that may need the old shape.
 */
async function runContracts(
  kube: Kube,
  service: string,
  environment: string,
  db: NonNullable<EnvironmentConfig['database']>,
  plan: MigrationPlan,
  release: string,
  log: (m: string) => void,
): Promise<string> {
  const decision = contractDecision(plan.held, await kube.readHistory(service));
  let ran = '';
  if (decision.run.length) {
    const run = await kube.runMigrations(service, environment, db, contractPlan(plan, decision.run), log);
    const names = decision.run.map((f) => f.name);
    await kube.updateHistory(service, (h) => recordContracts(h, release, names, run.schemaVersion!, run.configMap!));
    ran = `ran ${names.join(', ')}`;
    log(`migrations: contract ${names.join(', ')} ran; no rollback goes to a release without ${names.length > 1 ? 'them' : 'it'} now`);
  }
  const refused = decision.refused.map((r) => `${r.file}: ${r.reason}`).join('; ');
  return [refused ? `refused ${refused}` : '', ran].filter(Boolean).join('; ');
}
