import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironments, type ServiceConfig } from '../../config/config';
import { resolveTarget } from '../target';
import { notifier } from '../../act/notify';
import { live, previousGood, recordFailed, recordRollback, type Release } from '@trading/release-model';
import { settleRollbackBackup, startRollbackBackup } from './rollback-backup';
import type { StatefulSetDatabase } from '../../config/database';
import { Kube, LeaseHeld } from '../../act/kube';
import { SWITCHED_AT, deploymentFromTemplate, deploymentManifest, other, previewName, releaseLabel, type Color } from '../../config/manifests';
import { pointPreview, switchActive } from '../../act/switch-active';
import { rolloutComplete, type Observed } from '../../plan/planner';
import { UNJUDGED, abortedAnnotations, stateAnnotations } from '../../status/release-state';
import { switchBack } from '../../act/switch-back';
import { rollbackCandidate } from '../../plan/rollback-candidates';
import { withSchemaDefaults } from '../../../executors/options';
import { reportServices } from '../service-table';
import schema from '../../../executors/rollback/schema.json';
import type { RollbackExecutorOptions } from '../../../executors/rollback/schema';
import { removeOrphanCanary } from '../../act/orphans';
import { completeInterruptedSwitchBack } from '../../act/taken-off';
import { alertCooldown, rollbackFromAlert } from './alert';
import {
  type DatabaseRollback,
  fenceDatabaseServices,
  planSchemaRollback,
  runSchemaRollback,
  type SchemaRollback,
  type SchemaRollbackResult,
} from './schema-rollback';
import { databaseServices, releaseAll } from '../database-services';
import { contractsCrossed } from '../../plan/contracts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RollbackContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  actor: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface RollbackResult {
  service: string;
  /**
   * rolled-back; cancelled: a deploy had not switched yet, so it was stopped and its canary and
   * idle colour removed, traffic staying on the live release; not-live: the release asked about is
   * not the one live, so nothing was done.
   */
  outcome: 'rolled-back' | 'cancelled' | 'not-live';
  from: Color;
  to: Color;
  image: string;
  release: string;
  recoverySeconds: number;
  /** The base backup taken at the rollback (recorded on the restored release's entry as rollbackBackup). */
  backup?: string;
  /** With --database: the schema taken back after the switch, and how long the Job took. */
  schema?: SchemaRollbackResult;
}

/**
 * Put one service's previous good release back: its whole pod template (image and config, from
 * the history) on the idle colour at full size, wait until that colour is saturated and the
 * preview Service has ready endpoints of that release, then switch the active Service to it in
 * one guarded replace that records the phase RolledBack, and scale the rolled-back colour down. Traffic never moves to a colour without
 * ready endpoints; on any failure before the switch it stays where it was.
 *
 * With `from` (a release, or an image digest), it acts only while that release is live: an alert
 * that keeps firing after the soak already switched back, or repeats, changes nothing.
 *
 * With `database` (--database), the schema follows: what it takes is decided before anything moves
 * (refused, with nothing changed, when the live release's migrations cannot be undone), and run
 * after the switch (schema-rollback.ts).
 */
export async function rollbackService(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  ctx: RollbackContext,
  reason: string,
  timeoutMs: number,
  from?: string,
  database?: DatabaseRollback,
  backupOf?: StatefulSetDatabase,
): Promise<RollbackResult> {
  const started = Date.now();
  const log = (m: string) => ctx.log(`[${service.name}] ${m}`);
  const { namespace } = kube.target;
  await removeOrphanCanary(kube, service.name, log);
  await completeInterruptedSwitchBack(kube, service.name, ctx.actor, log);
  const observed = await kube.observe(service.name);
  if (!observed.active) throw new Error(`${service.name}: no active Service in ${namespace}; nothing is live to roll back`);
  const liveRelease = observed.activeRelease || observed.deployments[observed.active]?.release || '';
  const notLive = notLiveResult(service.name, observed, from, log);
  if (notLive) return notLive;
  const history = await kube.readHistory(service.name);
  const current = live(history);
  const target = previousGood(history);
  if (!current || !target) throw new Error(`${service.name}: no previous good release in the history of ${namespace}; nothing to roll back to`);
  if (current.release && liveRelease && current.release !== liveRelease) {
    throw new Error(
      `${service.name}: the history says release ${current.release} is live, but the active Service selects ${liveRelease}; nothing changed. Check \`npx nx run deploy:status\``,
    );
  }
  const crossed = contractsCrossed(history, target);
  if (crossed.length)
    throw new Error(
      `${service.name}: release ${target.release ?? target.image.slice(-19)} (rev ${target.revision}) does not carry the contract migration${crossed.length > 1 ? 's' : ''} ${crossed.join(', ')} that ran since, so it may read what ${crossed.length > 1 ? 'they' : 'it'} removed; nothing was changed. Roll forward with a new release, or restore the database (docs/rollback.md, section 4)`,
    );
  const schema = database ? await planSchemaRollback(kube, service.name, current, target, database, log) : null;
  const fences = database ? await fenceDatabaseServices(kube, service.name, schema, database, log) : [];
  try {
    return await restorePrevious(kube, service, environment, ctx, reason, timeoutMs, {
      started,
      log,
      observed,
      current,
      target,
      schema,
      database,
      backupOf,
    });
  } finally {
    await releaseAll(fences);
  }
}

/** rollbackService after its decisions: the previous release restored, traffic switched to it, then the schema. */
async function restorePrevious(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  ctx: RollbackContext,
  reason: string,
  timeoutMs: number,
  d: {
    started: number;
    log: (m: string) => void;
    observed: Observed;
    current: Release;
    target: Release;
    schema: SchemaRollback | null;
    database?: DatabaseRollback;
    backupOf?: StatefulSetDatabase;
  },
): Promise<RollbackResult> {
  const { started, log, observed, current, target, schema, database, backupOf } = d;
  const { namespace } = kube.target;
  const active = observed.active!;
  const liveState = observed.deployments[active];
  const liveRelease = observed.activeRelease || liveState?.release || '';
  const to = other(active);
  const replicas = service.replicas[environment];
  const base = { service, environment, namespace, color: to, replicas, revision: target.gitSha };
  const manifest = target.template ? deploymentFromTemplate({ ...base, template: target.template }) : deploymentManifest({ ...base, image: target.image });
  if (!target.template)
    log(`history entry rev ${target.revision} has no pod template (recorded before releases were); restoring its image with today's config`);
  const release = releaseLabel(manifest);
  const state = observed.deployments[to];
  // Every rollback takes a base backup (with its mark) of the database the services keep their
  // state in: started before the switch, which never waits for it, and awaited after it. (A
  // recovery moves the whole data directory aside instead.)
  const backup = backupOf && schema?.kind !== 'recover' ? startRollbackBackup(kube, environment, backupOf, service.name, log) : undefined;
  log(
    `rolling back ${liveRelease || current.image.slice(-19)} (rev ${current.revision}) -> ${release} ${target.image.slice(-19)} (rev ${target.revision}) on ${to}: ${reason}`,
  );
  if (!state || state.release !== release || state.replicas !== replicas) {
    log(state?.release === release ? `scaling ${to} up to ${replicas}` : `restoring release ${release} on ${to}`);
    await kube.applyDeployment(manifest);
  }
  const wait = async (what: string, done: () => Promise<boolean>) => {
    for (;;) {
      if (await done()) return;
      if (Date.now() - started > timeoutMs)
        throw new Error(`${service.name}: ${what} within ${timeoutMs / 1000} s; traffic stays on ${active} (${liveRelease})`);
      await (ctx.sleep ?? sleep)(200);
    }
  };
  await wait(`${to} did not become saturated with release ${release}`, async () => {
    const s = (await kube.observe(service.name)).deployments[to];
    return Boolean(s && s.release === release && rolloutComplete(s, replicas));
  });
  // The same gate as a deploy: ready endpoints of exactly this release behind the preview first.
  await pointPreview(kube, service, environment, { color: to, release }, { log });
  await wait(
    `the preview Service has no ${replicas} ready endpoint(s) of release ${release}`,
    async () => (await kube.readyEndpoints(previewName(service.name))) >= replicas,
  );
  const at = new Date();
  await switchActive(
    kube,
    service,
    environment,
    { color: to, release },
    {
      [SWITCHED_AT]: at.toISOString(),
      ...stateAnnotations('RolledBack', at, reason.slice(0, 250)),
      ...abortedAnnotations(liveRelease, `rollback by ${ctx.actor}: ${reason}`),
    },
  );
  const recoverySeconds = (Date.now() - started) / 1000;
  await kube.updateHistory(service.name, (h) => recordRollback(h, { ...target, release, color: to }, at.toISOString(), ctx.actor, reason));
  // The release taken off traffic holds no pods: an agents pod of it would keep delivering
  // pending intents, and its capacity is no standby for anything (issue 34, path 8).
  await kube.scale(service.name, active, 0);
  log(`${active} (release ${liveRelease}) scaled down`);
  log(`traffic on ${to} (release ${release}, ${target.image.slice(-19)}) behind ${replicas} ready endpoint(s): recovered in ${recoverySeconds.toFixed(2)} s`);
  const result = { service: service.name, outcome: 'rolled-back' as const, from: active, to, image: target.image, release, recoverySeconds };
  const taken = backup ? await settleRollbackBackup(kube, service.name, release, backup, log) : undefined;
  const withBackup = { ...result, ...(taken ? { backup: taken.name } : {}) };
  if (!schema || !database) return withBackup;
  try {
    const ran = await runSchemaRollback(kube, service.name, environment, database, schema, { release, migrations: target.migrations }, log, taken);
    return { ...withBackup, schema: ran };
  } catch (error) {
    throw new Error(
      `${service.name}: traffic is back on ${to} (release ${release}, recovered in ${recoverySeconds.toFixed(2)} s), but the schema rollback failed: ${(error as Error).message}`,
    );
  }
}

/**
 * With `from` (a release hash or an image digest): the result of a rollback that does nothing
 * because that release is not the live one, or null when it is (or no `from` was given).
 */
function notLiveResult(service: string, observed: Observed, from: string | undefined, log: (m: string) => void): RollbackResult | null {
  if (!from || !observed.active) return null;
  const live = observed.deployments[observed.active];
  const release = observed.activeRelease || live?.release || '';
  if (from === release || live?.image.endsWith(from)) return null;
  log(
    `release ${from} is not live (live: ${release || '(unlabelled)'} on ${observed.active}, ${observed.state?.phase ?? 'no phase recorded'}); nothing to roll back`,
  );
  return { service, outcome: 'not-live', from: observed.active, to: observed.active, image: live?.image ?? '', release, recoverySeconds: 0 };
}

/**
 * A rollback while a deploy holds the lease: if that deploy already switched and its release is
 * still being judged (Soaking, Halted), the rollback aborts it (switch back now; the deploy's own
 * next write finds the Service moved and stops). Before its switch, it cancels the deploy
 * (cancelRunningDeploy): the new release's only traffic is its canary's share.
 */
async function abortRunningDeploy(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  ctx: RollbackContext,
  reason: string,
  from: string | undefined,
  held: Error,
  database?: DatabaseRollback,
): Promise<RollbackResult> {
  const observed = await kube.observe(service.name);
  const phase = observed.state?.phase;
  if (!observed.active) throw new Error(`${held.message}. Nothing is live yet (a first deploy): nothing to roll back`);
  if (!phase || !UNJUDGED.includes(phase)) return cancelRunningDeploy(kube, service, ctx, reason, held);
  const notLive = notLiveResult(service.name, observed, from, (m) => ctx.log(`[${service.name}] ${m}`));
  if (notLive) return notLive;
  ctx.log(`[${service.name}] a deploy holds the lease and its release ${observed.activeRelease} is ${phase}: aborting it`);
  if (database)
    ctx.log(
      `[${service.name}] --database: a rollback during a deploy takes the application back only; the schema stays at the aborted release's (the restored release runs on it: expand only; nx run <project>:migrate --rollback undoes a migration by hand)`,
    );
  const back = await switchBack(kube, service, environment, `rollback by ${ctx.actor} during the deploy: ${reason}`, ctx.actor, 'RolledBack');
  const image = (await kube.observe(service.name)).deployments[back.to]?.image ?? '';
  ctx.log(`[${service.name}] traffic on ${back.to} (release ${back.restored}): recovered in ${back.seconds.toFixed(2)} s`);
  return { service: service.name, outcome: 'rolled-back', from: back.from, to: back.to, image, release: back.restored, recoverySeconds: back.seconds };
}

/**
 * Rollback before a running deploy's switch (issue 34, path 7; the RTO holds at any phase): the
 * rollback takes the deploy's lease from it (the deploy's next renewal finds it taken and it writes
 * nothing more), removes its canary and baseline (their share of live traffic is the new release's
 * only traffic), scales its idle colour down and records the release failed and taken off, so a
 * plain rerun does not bring it back. Traffic never moved: it stays on the live release. The
 * cleanup runs again after the deploy's renewal period, in case it wrote once more meanwhile.
 */
async function cancelRunningDeploy(kube: Kube, service: ServiceConfig, ctx: RollbackContext, reason: string, held: Error): Promise<RollbackResult> {
  const started = Date.now();
  const log = (m: string) => ctx.log(`[${service.name}] ${m}`);
  log(`${held.message}; it has not switched traffic yet: cancelling it (its lease is taken over)`);
  const lease = await kube.preemptLease(service.name, 90);
  const holding = kube.holding(lease);
  try {
    const observed = await holding.observe(service.name);
    const active = observed.active!;
    const idle = other(active);
    // The idle colour is the deploy's once it holds another release than the judged-good standby
    // a previous deploy left (a deploy that has not applied yet leaves the standby as it is).
    const standby = previousGood(await holding.readHistory(service.name));
    const idleRelease = observed.deployments[idle]?.release ?? '';
    const deploys = idleRelease !== '' && idleRelease !== observed.activeRelease && idleRelease !== standby?.release;
    const cleanup = async () => {
      await removeOrphanCanary(holding, service.name, log);
      if (deploys) await holding.scale(service.name, idle, 0);
    };
    await cleanup();
    const recoverySeconds = (Date.now() - started) / 1000;
    const cancelled = idleRelease;
    if (deploys) {
      await holding.recordPhase(service.name, observed.activeRelease, abortedAnnotations(cancelled, `rollback by ${ctx.actor} before the switch: ${reason}`));
      await holding.updateHistory(service.name, (h) =>
        recordFailed(h, {
          image: observed.deployments[idle]!.image,
          release: cancelled,
          gitSha: '',
          color: idle,
          time: new Date().toISOString(),
          actor: ctx.actor,
          kind: 'deploy',
          reason: `cancelled before its switch by a rollback (${ctx.actor}): ${reason}`,
        }),
      );
    }
    log(
      `deploy cancelled in ${recoverySeconds.toFixed(2)} s: canary removed${deploys ? `, ${idle} (release ${cancelled}) scaled down` : ''}; traffic stays on ${active} (${observed.activeRelease})`,
    );
    // The deploy may have passed its write check just before the takeover: one more sweep after
    // its renewal period (a fifth of its lease) catches a canary or scale it wrote meanwhile.
    await (ctx.sleep ?? sleep)(4000);
    await cleanup();
    return {
      service: service.name,
      outcome: 'cancelled',
      from: active,
      to: active,
      image: observed.deployments[active]?.image ?? '',
      release: observed.activeRelease,
      recoverySeconds,
    };
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** Without --services or --all: only the services whose live release is recent, unjudged or failing. */
async function recentOrFailing(kube: Kube, services: ServiceConfig[], recentMs: number, log: (m: string) => void): Promise<ServiceConfig[]> {
  const chosen: ServiceConfig[] = [];
  for (const service of services) {
    const observed = await kube.observe(service.name);
    const why = rollbackCandidate(observed, observed.active ? await kube.readyEndpoints(service.name) : 0, recentMs);
    log(
      `[${service.name}] ${why ? `chosen: ${why}` : 'left alone: its live release is neither recent, nor being judged, nor failing (name it with --services to roll it back anyway)'}`,
    );
    if (why) chosen.push(service);
  }
  return chosen;
}

/** Reads an alert payload file and turns it into rollback options; null when nothing is firing. */
export function optionsFromAlert(options: RollbackOptions, configDir: string): RollbackOptions | null {
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
  if (options.alertEnvironment && request.environment !== options.alertEnvironment)
    throw new Error(
      `the alert names environment ${request.environment}, but this rollback runs with ${options.alertEnvironment}'s credentials (alertEnvironment): nothing was rolled back`,
    );
  return {
    ...options,
    environment: request.environment,
    services: request.services,
    releases: request.releases,
    reason: options.reason && options.reason !== 'manual rollback' ? options.reason : request.reason,
  };
}

/**
 * The options a rollback runs with: the executor's, plus what an alert payload adds (not a CLI
 * option, so not in schema.json): the release each service's firing alerts name.
 */
type RollbackOptions = RollbackExecutorOptions & { releases?: Record<string, string> };

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeRollbackOptions = (options: RollbackOptions) =>
  withSchemaDefaults(schema, options) as RollbackOptions &
    Required<Pick<RollbackExecutorOptions, 'configDir' | 'reason' | 'timeoutSeconds' | 'all' | 'recentMinutes' | 'alertCooldownMinutes' | 'database'>>;

export async function runRollback(given: RollbackExecutorOptions, ctx: RollbackContext): Promise<{ ok: boolean; results: RollbackResult[] }> {
  let options = normalizeRollbackOptions(given);
  const configDir = join(ctx.workspaceRoot, options.configDir);
  if (options.alert) {
    const fromAlert = optionsFromAlert(options, configDir);
    if (!fromAlert) {
      ctx.log(`alert payload ${options.alert}: no alert is firing (resolved notification); nothing to roll back`);
      return { ok: true, results: [] };
    }
    ctx.log(`alert payload ${options.alert}: ${fromAlert.reason} -> rollback of ${fromAlert.services!.join(', ')} in ${fromAlert.environment}`);
    options = normalizeRollbackOptions(fromAlert);
  }
  const { env, services: configured, context } = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  const { reason } = options;
  if (options.database && !env.database)
    throw new Error(`--database: environment ${options.environment} configures no database (environments.yaml), so there is no schema to roll back`);
  const database: DatabaseRollback | undefined =
    options.database && env.database
      ? {
          config: env.database,
          // Every service of the environment keeping its state there, not only those rolled back.
          services: databaseServices(resolveTarget(ctx.workspaceRoot, { ...options, services: undefined }, ctx.env).services, env.database.secret).map(
            (s) => s.name,
          ),
          timeoutSeconds: env.rolloutTimeoutSeconds,
        }
      : undefined;
  const kube = await Kube.connect({ context, namespace: env.namespace });
  const services = options.services?.length || options.all ? configured : await recentOrFailing(kube, configured, options.recentMinutes * 60_000, ctx.log);
  if (services.length === 0) {
    throw new Error(
      `no service's live release is recent (${options.recentMinutes} min), still being judged or failing, so nothing was rolled back: name them with --services, or pass --all`,
    );
  }
  ctx.log(`rollback in ${options.environment} (context ${context}, namespace ${env.namespace}): ${services.map((s) => s.name).join(', ')}; reason: ${reason}`);
  const settled = await Promise.allSettled(
    services.map(async (service) => {
      const from = options.from ?? options.releases?.[service.name];
      // The cooldown concerns an alert about the live release; one about another is a no-op below.
      if (options.alert && !notLiveResult(service.name, await kube.observe(service.name), from, () => undefined)) {
        const refused = alertCooldown(await kube.readHistory(service.name), Date.now(), options.alertCooldownMinutes * 60_000);
        if (refused) throw new Error(`the alert is not acted on: ${refused}`);
      }
      let lease;
      try {
        lease = await kube.acquireLease(service.name, 90, undefined, (m) => ctx.log(`[${service.name}] ${m}`));
      } catch (error) {
        if (!(error instanceof LeaseHeld)) throw error;
        return await abortRunningDeploy(kube, service, options.environment, ctx, reason, from, error, database);
      }
      try {
        return await rollbackService(
          kube.holding(lease),
          service,
          options.environment,
          ctx,
          reason,
          options.timeoutSeconds * 1000,
          from,
          database,
          env.database?.kind === 'statefulset' && databaseServices([service], env.database.secret).length ? env.database : undefined,
        );
      } finally {
        await lease.release().catch(() => undefined);
      }
    }),
  );
  const notify = notifier(env, options.environment, ctx.env, ctx.log);
  await Promise.all(
    settled.map((s, i) => {
      const about = { service: services[i].name, actor: ctx.actor };
      if (s.status === 'rejected') return notify({ ...about, kind: 'rollback-failed', release: '', detail: (s.reason as Error).message });
      const r = s.value;
      if (r.outcome === 'not-live') return undefined;
      const detail = r.outcome === 'rolled-back' ? `${r.from} -> ${r.to}, traffic restored in ${r.recoverySeconds.toFixed(1)} s; ${reason}` : reason;
      return notify({ ...about, kind: r.outcome, release: r.release, detail });
    }),
  );
  return reportServices(
    `Rollback in ${options.environment}`,
    ['service', 'outcome', 'from', 'to', 'release', 'image', 'recovery (s)', 'schema'],
    services.map((s) => s.name),
    settled,
    (r) => [
      r.service,
      r.outcome,
      r.from,
      r.to,
      r.release,
      `\`${r.image.slice(-19)}\``,
      r.outcome === 'not-live' ? '-' : r.recoverySeconds.toFixed(2),
      r.schema ? `${r.schema.from} -> ${r.schema.to} (${r.schema.recovered ? `recovered to the mark, ` : ''}${r.schema.seconds.toFixed(1)} s)` : '-',
    ],
    ctx,
    (name) => [name, 'FAILED', '-', '-', '-', '-', '-', '-'],
  );
}
