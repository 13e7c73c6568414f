import { type ExecutorContext, logger } from '@nx/devkit';
import { actorFrom } from '../../release/status/actor';
import { runRollback } from '../../release/commands/rollback/run-rollback';
import type { RollbackExecutorOptions } from './schema';

export default async function rollbackExecutor(options: RollbackExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const { ok } = await runRollback(options, { workspaceRoot: context.root, env: process.env, actor: actorFrom(process.env), log: (m) => logger.info(m) });
    return { success: ok };
  } catch (error) {
    logger.error(`rollback in ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
