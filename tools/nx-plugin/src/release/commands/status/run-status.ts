import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveTarget } from '../target';
import { Kube } from '../../act/kube';
import { canaryName } from '../../config/manifests';
import { reconcilePlan } from '../../plan/reconcile-plan';
import { renderStatus, serviceStatus, type ServiceStatus } from '../../status/status';
import { statusExposition } from '../../status/exposition';
import { withSchemaDefaults } from '../../../executors/options';
import schema from '../../../executors/release-status/schema.json';
import type { ReleaseStatusExecutorOptions } from '../../../executors/release-status/schema';

export interface StatusContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** Where --json goes: stdout, one line, nothing else on it. */
  print: (line: string) => void;
}

/**
 * One service's status as the cluster has it. Ready counts only the live colour's own pods of the
 * live release: a canary's or baseline's pods behind the active Service cannot hide a dead one.
 */
export async function readServiceStatus(kube: Kube, name: string): Promise<ServiceStatus> {
  const observed = await kube.observe(name);
  const ready = observed.active ? await kube.readyLivePods(name, observed.active, observed.activeRelease) : 0;
  const canary = await kube.deploymentStatus(canaryName(name));
  // A run's deadline is its lease: what it left unjudged after the lease expired is orphaned.
  const { orphanedSince } = reconcilePlan({ observed, canary: canary !== null, lease: await kube.readLease(name), standbyMs: Infinity, now: Date.now() });
  return serviceStatus(name, observed, ready, await kube.readHistory(name), canary, orphanedSince);
}

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeStatusOptions = (options: Partial<ReleaseStatusExecutorOptions> & { environment: string }) =>
  withSchemaDefaults(schema, options) as ReleaseStatusExecutorOptions & Required<Pick<ReleaseStatusExecutorOptions, 'configDir'>>;

/** Reads each service's state from the cluster (never from the history alone) and reports it. */
export async function runStatus(given: Partial<ReleaseStatusExecutorOptions> & { environment: string }, ctx: StatusContext): Promise<ServiceStatus[]> {
  const options = normalizeStatusOptions(given);
  const { env, services, context } = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  const kube = await Kube.connect({ context, namespace: env.namespace });
  const statuses: ServiceStatus[] = [];
  for (const { name } of services) statuses.push(await readServiceStatus(kube, name));
  // Written beside and renamed over: a reader never sees half a file.
  const replace = (path: string, text: string) => {
    const file = resolve(ctx.workspaceRoot, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, text);
    renameSync(`${file}.${process.pid}.tmp`, file);
    return file;
  };
  if (options.metricsFile)
    ctx.log(`status of ${options.environment} as Prometheus metrics: ${replace(options.metricsFile, statusExposition(options.environment, statuses))}`);
  if (options.jsonFile) ctx.log(`status of ${options.environment} as JSON: ${replace(options.jsonFile, `${JSON.stringify(statuses)}\n`)}`);
  if (options.json) ctx.print(JSON.stringify(statuses));
  else {
    const table = renderStatus(`${options.environment} (context ${context}, namespace ${env.namespace})`, statuses);
    ctx.log(table);
    if (ctx.env.GITHUB_STEP_SUMMARY) appendFileSync(ctx.env.GITHUB_STEP_SUMMARY, `### ${table.replace(/\n/, '\n\n')}\n\n`);
  }
  return statuses;
}
