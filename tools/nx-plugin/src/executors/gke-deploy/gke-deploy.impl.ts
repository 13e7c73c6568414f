import { type ExecutorContext, logger } from '@nx/devkit';
import { userInfo } from 'node:os';
import { runDeploy } from './lib/run-deploy';
import type { GkeDeployExecutorOptions } from './schema';

export const actorFrom = (env: NodeJS.ProcessEnv) => env.GITHUB_ACTOR ?? env.USER ?? userInfo().username;

export default async function gkeDeployExecutor(options: GkeDeployExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const { ok } = await runDeploy(options, { workspaceRoot: context.root, env: process.env, actor: actorFrom(process.env), log: (m) => logger.info(m) });
    return { success: ok };
  } catch (error) {
    logger.error(`deploy to ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
