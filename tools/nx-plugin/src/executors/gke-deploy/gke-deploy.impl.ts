import { actorFrom } from '../../release/status/actor';
import { type ExecutorContext, logger } from '@nx/devkit';
import { runDeploy } from '../../release/commands/deploy/run-deploy';
import type { GkeDeployExecutorOptions } from './schema';

export default async function gkeDeployExecutor(options: GkeDeployExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const { ok } = await runDeploy(options, { workspaceRoot: context.root, env: process.env, actor: actorFrom(process.env), log: (m) => logger.info(m) });
    return { success: ok };
  } catch (error) {
    logger.error(`deploy to ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
