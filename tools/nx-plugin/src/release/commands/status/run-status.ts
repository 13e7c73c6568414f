import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveTarget } from '../target';
import { Kube } from '../../act/kube';
import * as model from '@trading/release-model';
import { renderStatus, type ServiceStatus, statusExposition } from '@trading/release-model';
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

/** One service's status as the cluster has it: the release model's reading, through the engine's client. */
export const readServiceStatus = (kube: Kube, name: string): Promise<ServiceStatus> => model.readServiceStatus(kube.reader, name);

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
  // With where it was read: scripts/incidents.mjs links its issues in that namespace.
  const located = statuses.map((s) => ({ ...s, target: { context, namespace: env.namespace } }));
  if (options.jsonFile) ctx.log(`status of ${options.environment} as JSON: ${replace(options.jsonFile, `${JSON.stringify(located)}\n`)}`);
  if (options.json) ctx.print(JSON.stringify(statuses));
  else {
    const table = renderStatus(`${options.environment} (context ${context}, namespace ${env.namespace})`, statuses);
    ctx.log(table);
    if (ctx.env.GITHUB_STEP_SUMMARY) appendFileSync(ctx.env.GITHUB_STEP_SUMMARY, `### ${table.replace(/\n/, '\n\n')}\n\n`);
  }
  return statuses;
}
