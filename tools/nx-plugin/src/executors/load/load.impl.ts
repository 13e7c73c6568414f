import { type ExecutorContext, logger } from '@nx/devkit';
import { withSchemaDefaults } from '../options';
import { LoadError, runLoad } from './lib/run-load';
import { LoadConfigError } from './lib/config';
import { type InCluster, InClusterError, loadImage } from './lib/in-cluster';
import type { LoadExecutorOptions } from './schema';
import schema from './schema.json';

export type NormalizedLoadOptions = Required<Pick<LoadExecutorOptions, 'config' | 'oha' | 'reportDir'>> & LoadExecutorOptions;

export function normalizeLoadOptions(options: LoadExecutorOptions): NormalizedLoadOptions {
  return withSchemaDefaults(schema, options) as NormalizedLoadOptions;
}

/** With --namespace, where and with what image oha runs in the cluster; without, nothing (a local run). */
export function inClusterOf(o: NormalizedLoadOptions, workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): InCluster | undefined {
  if (!o.namespace) {
    const stray = (['context', 'image'] as const).filter((k) => o[k] !== undefined);
    if (stray.length) throw new InClusterError(`--${stray.join(' and --')} only apply with --namespace (a load run inside the cluster)`);
    return undefined;
  }
  const context = o.context ?? env.DEPLOY_CONTEXT;
  if (!context) throw new InClusterError(`--namespace=${o.namespace} names no cluster: pass --context or set DEPLOY_CONTEXT`);
  return { namespace: o.namespace, context, image: loadImage(workspaceRoot, o.image) };
}

export default async function loadExecutor(options: LoadExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const projectName = context.projectName;
  if (!projectName) throw new Error('load: run this executor for a project (nx run <project>:load)');
  const o = normalizeLoadOptions(options);
  try {
    const verdict = await runLoad({
      ...o,
      inCluster: inClusterOf(o, context.root),
      workspaceRoot: context.root,
      projectName,
      projectRoot: context.projectsConfigurations.projects[projectName].root,
      log: (m) => logger.info(m),
      stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
    });
    if (verdict === 'invalid') logger.error(`load ${projectName}: INVALID, the generator did not achieve the rate asked: not a pass`);
    return { success: verdict === 'passed' };
  } catch (error) {
    if (error instanceof LoadError || error instanceof LoadConfigError || error instanceof InClusterError) {
      logger.error(`load ${projectName}: ${error.message}`);
      return { success: false };
    }
    throw error;
  }
}
