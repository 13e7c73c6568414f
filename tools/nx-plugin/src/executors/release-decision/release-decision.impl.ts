import { type ExecutorContext, logger } from '@nx/devkit';
import { actorFrom } from '../../release/status/actor';
import { runDecision } from '../../release/commands/decision/run-decision';
import type { ReleaseDecisionExecutorOptions } from './schema';

export default async function releaseDecisionExecutor(options: ReleaseDecisionExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const { ok } = await runDecision(options, { workspaceRoot: context.root, env: process.env, actor: actorFrom(process.env), log: (m) => logger.info(m) });
    return { success: ok };
  } catch (error) {
    logger.error(`${options.decision} in ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
