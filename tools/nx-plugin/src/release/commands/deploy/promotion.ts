import { type AnalysisRecorder, recordAnalysis } from './analysis-record';
import { comparisonsFor } from '../../analysis/baseline-judge';
import { judgeCanaryAgainstBaseline } from './baseline';
import { matchers, metricsFor, promDuration, renderQuery } from '../../analysis/judge';
import type { RunningLoad } from '../../analysis/load-hook';
import { runAnalysis } from '../../analysis/run-analysis';
import { recordFailed } from '@trading/release-model';
import { CANARY_OF, type Color, baselineManifest, baselineName, canaryName, deploymentName, deploymentManifest } from '../../config/manifests';
import { UNJUDGED, stateAnnotations } from '../../status/release-state';
import { NoWayBack, switchBack } from '../../act/switch-back';

export { AnalysisStop, type PromotionContext } from './promotion-context';
import { AnalysisStop, type PromotionContext } from './promotion-context';
import { setTimeout as sleepDefault } from 'node:timers/promises';

// Series labels as the scrape relabelling names them (tools/prometheus/kubernetes-scrape.yml).
function plan(ctx: PromotionContext, target: Record<string, string>) {
  const a = ctx.env.analysis!;
  const { service } = ctx.wanted;
  return {
    metrics: metricsFor(ctx.metrics, service.analysis, service.name),
    vars: {
      service: service.name,
      namespace: ctx.kube.target.namespace,
      environment: ctx.environment,
      target: matchers(target),
      window: promDuration(a.windowSeconds ?? a.intervalSeconds),
    },
  };
}

/**
 * Every query the canary and the soak will run, rendered now: an unknown metric or placeholder is
 * a configuration error before anything moves, not a surprise after the switch.
 */
export function checkAnalysis(ctx: PromotionContext): void {
  for (const target of [{ color: 'blue' }, { track: 'canary' }] as Record<string, string>[]) {
    const { metrics, vars } = plan(ctx, target);
    for (const m of metrics) {
      try {
        renderQuery(m.query, vars);
      } catch (error) {
        throw new Error(`${ctx.wanted.service.name}: analysis metric ${m.name}: ${(error as Error).message}`);
      }
    }
  }
  if (!ctx.env.canary?.baseline) return;
  const { vars } = plan(ctx, { track: 'canary' });
  for (const c of comparisonsFor(ctx.comparisons ?? [], ctx.wanted.service.analysis, ctx.wanted.service.name)) {
    try {
      renderQuery(c.query, vars);
    } catch (error) {
      throw new Error(`${ctx.wanted.service.name}: analysis comparison ${c.name}: ${(error as Error).message}`);
    }
  }
}

async function analyse(
  ctx: PromotionContext,
  judged: { kind: 'canary' | 'soak'; label: string; release: string },
  target: Record<string, string>,
  durationMs: number,
  health?: () => Promise<string | null>,
) {
  const load = ctx.startLoad?.(target);
  const a = ctx.env.analysis!;
  const recorder = await recordAnalysis(ctx, { ...judged, metrics: plan(ctx, target).metrics, intervalMs: a.intervalSeconds * 1000, durationMs });
  try {
    const outcome = await measure(ctx, judged.label, target, durationMs, health, load, recorder);
    await recorder.verdict(outcome);
    return outcome;
  } finally {
    // Signalled now, not awaited: a verdict (a switch back above all) never waits for the load
    // generator's in-flight requests; its summary line follows when it has exited.
    load?.stop().catch(() => undefined);
  }
}

function measure(
  ctx: PromotionContext,
  label: string,
  target: Record<string, string>,
  durationMs: number,
  health?: () => Promise<string | null>,
  load?: RunningLoad,
  recorder?: AnalysisRecorder,
) {
  const a = ctx.env.analysis!;
  return runAnalysis({
    label,
    ...plan(ctx, target),
    intervalMs: a.intervalSeconds * 1000,
    durationMs,
    // `continue` keeps measuring through missing data for the whole duration: a later failure still counts.
    inconclusiveLimit: a.onInconclusive === 'continue' ? Number.POSITIVE_INFINITY : a.inconclusiveLimit,
    source: ctx.source,
    load,
    log: ctx.log,
    health,
    stopped: () => ctx.lease?.lost,
    sleep: ctx.sleep,
    now: ctx.now,
    onRound: recorder?.round,
  });
}

/**
 * Post-promotion soak: analyses the new colour for what is left of the environment's soak time
 * (at least one round, also when resuming a soak an interrupted run left pending) while the old
 * one stays up. A failed analysis (or an inconclusive one with onInconclusive: rollback) switches
 * traffic straight back, only onto an old colour that is still saturated, records the phase
 * Aborted and the rollback, and scales the new colour down; an inconclusive one with
 * onInconclusive: halt stops the deploy with both colours up and the soak still owed.
 */
export function soak(ctx: PromotionContext): (to: Color, from: Color, remainingMs: number) => Promise<void> {
  return async (to, from, remainingMs) => {
    const a = ctx.env.analysis!;
    const { service } = ctx.wanted;
    const { kube } = ctx;
    const replicas = service.replicas[ctx.environment];
    const health = async () => {
      const ready = await kube.readyEndpoints(service.name);
      return ready < replicas ? `${ready}/${replicas} ready endpoints behind ${service.name}` : null;
    };
    const durationMs = Math.max(remainingMs, a.intervalSeconds * 1000);
    // The soak judges one release and writes only about it: if someone took it off traffic
    // meanwhile (deploy:abort, a rollback), its verdict is about nothing live and is not recorded.
    const release = (await kube.observe(service.name)).deployments[to]?.release ?? '';
    const outcome = await analyse(ctx, { kind: 'soak', label: `soak of ${service.name} on ${to}`, release }, { color: to }, durationMs, health);
    const now = await kube.observe(service.name);
    if (now.activeRelease === release && now.state && !UNJUDGED.includes(now.state.phase)) {
      // Decided meanwhile (deploy:promote): an operator's verdict stands over this soak's.
      ctx.log(
        `release ${release} was ${now.state.phase} meanwhile (${now.state.reason || 'no reason recorded'}); this soak's verdict (${outcome.status}) is not recorded`,
      );
      return;
    }
    if (now.activeRelease !== release) {
      throw new AnalysisStop(
        `${service.name}: release ${release} is no longer live (the active Service selects ${now.activeRelease || '(none)'} on ${now.active ?? '(none)'}, ` +
          `${now.state?.phase ?? 'no phase'}: ${now.state?.reason || 'no reason recorded'}); this soak's verdict (${outcome.status}) is not recorded`,
        'superseded',
      );
    }
    if (outcome.status === 'passed') {
      const accepted = a.onInconclusive === 'continue' && /inconclusive/.test(outcome.reason) ? ' (missing data accepted: onInconclusive continue)' : '';
      ctx.log(`soak passed${accepted} after ${outcome.rounds} round(s): ${outcome.reason}`);
      return;
    }
    // Halted: the release stays live and unjudged, recorded as such; a rerun judges it again (a
    // full soak), deploy:abort takes it off traffic, deploy:promote accepts it on purpose.
    const halt = async (message: string): Promise<never> => {
      await kube.recordPhase(service.name, release, stateAnnotations('Halted', new Date(), message.slice(0, 250)));
      throw new AnalysisStop(message, 'halted');
    };
    const rollBack = outcome.status === 'failed' || a.onInconclusive === 'rollback';
    if (!rollBack) {
      await halt(
        `halted: soak analysis inconclusive: ${outcome.reason}. Traffic stays on ${to} (the new release); ${from} is kept at full size. ` +
          `Go back with \`npx nx run deploy:abort -c ${ctx.environment} --services=${service.name}\`, accept it with \`npx nx run deploy:promote -c ${ctx.environment} --services=${service.name}\`, or rerun the deploy to judge it again.`,
      );
    }
    try {
      const back = await switchBack(kube, service, ctx.environment, `automatic: soak analysis ${outcome.status}: ${outcome.reason}`, ctx.actor);
      throw new AnalysisStop(
        `rolled back: soak analysis ${outcome.status} in round ${outcome.rounds}: ${outcome.reason}. Traffic is back on ${back.to} (switch took ${back.seconds.toFixed(2)} s); ${back.from} scaled down.`,
        'rolled-back',
      );
    } catch (error) {
      if (error instanceof NoWayBack) await halt(`soak analysis ${outcome.status}: ${outcome.reason}; ${error.message}`);
      throw error;
    }
  };
}

/**
 * Production canary: runs `canary.replicas` pods of the new version behind the active Service
 * (beside the live colour's pods), analyses them, and removes them. With `canary.baseline`, as
 * many pods of the live release start beside them (track=baseline) and, once the absolute analysis
 * passed, the canary's series are compared with the baseline's (Kayenta's judgement): slower beyond
 * the tolerance with significance, or too little data to tell, fails the canary. Failure leaves
 * traffic where it was and scales the new colour down.
 */
export function canary(ctx: PromotionContext): (to: Color, from: Color, liveRelease: string) => Promise<void> {
  return async (to, from, liveRelease) => {
    const { kube, wanted, env, log } = ctx;
    const { service } = wanted;
    const config = env.canary!;
    const sleep = ctx.sleep ?? sleepDefault;
    const now = ctx.now ?? Date.now;
    const name = canaryName(service.name);
    const comparisons = config.baseline ? comparisonsFor(ctx.comparisons ?? [], service.analysis, service.name) : [];
    const live = comparisons.length ? await kube.readDeployment(deploymentName(service.name, from)) : null;
    const started = [name, ...(live ? [baselineName(service.name)] : [])];
    log(
      `canary: ${config.replicas} pod(s) of the new version behind the active Service (${from}) for ${config.analysisSeconds} s` +
        (live ? `, beside ${config.replicas} baseline pod(s) of the live release` : ''),
    );
    const canaryManifest = deploymentManifest({
      service,
      environment: ctx.environment,
      namespace: kube.target.namespace,
      color: from,
      image: wanted.image,
      replicas: config.replicas,
      revision: wanted.gitSha,
      canary: true,
      liveRelease,
    });
    await kube.applyDeployment(canaryManifest);
    if (live) await kube.applyDeployment(baselineManifest(live, config.replicas));
    const removeAll = async () => {
      for (const n of started) await kube.deleteDeployment(n);
    };
    const fail = async (reason: string): Promise<never> => {
      await removeAll();
      await kube.scale(service.name, to, 0);
      await kube.updateHistory(service.name, (history) =>
        recordFailed(history, {
          image: wanted.image,
          gitSha: wanted.gitSha,
          color: to,
          time: new Date().toISOString(),
          actor: ctx.actor,
          kind: 'deploy',
          reason: `canary: ${reason}`,
        }),
      );
      throw new AnalysisStop(
        `canary failed: ${reason}. Traffic stays on ${from}; the canary${live ? ' and its baseline are' : ' is'} removed and ${to} scaled down.`,
        'canary-failed',
      );
    };
    const deadline = Date.now() + env.rolloutTimeoutSeconds * 1000;
    for (;;) {
      if (ctx.lease?.lost) throw ctx.lease.lost;
      const statuses = await Promise.all(started.map((n) => kube.deploymentStatus(n)));
      if (statuses.every((st) => st && st.available >= config.replicas)) break;
      if (Date.now() > deadline)
        await fail(
          started.map((n, i) => `${n}: ${statuses[i]?.available ?? 0}/${config.replicas} pod(s) available`).join(', ') +
            ` after ${env.rolloutTimeoutSeconds} s`,
        );
      await sleep(500);
    }
    const since = now();
    // The canary's own release, as its pods carry it (their RELEASE_LABEL is the live one's).
    const judged = canaryManifest.spec!.template.metadata!.labels![CANARY_OF];
    const outcome = await analyse(
      ctx,
      { kind: 'canary', label: `canary of ${service.name}`, release: judged },
      { track: 'canary' },
      config.analysisSeconds * 1000,
    );
    if (outcome.status !== 'passed') await fail(`analysis ${outcome.status}: ${outcome.reason}`);
    if (live) {
      const verdict = await judgeCanaryAgainstBaseline(ctx, comparisons, config.baseline!, since, now());
      if (verdict.status !== 'passed') await fail(verdict.status === 'failed' ? verdict.reason : `against its baseline: inconclusive: ${verdict.reason}`);
    }
    await removeAll();
    log(`canary passed after ${outcome.rounds} round(s): ${outcome.reason}`);
  };
}
