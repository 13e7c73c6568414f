import { type ExecutorContext, logger } from '@nx/devkit';
import { runRestore } from '../../release/commands/database/run-database';
import type { DatabaseRestoreExecutorOptions } from './schema';

export default async function databaseRestoreExecutor(options: DatabaseRestoreExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    await runRestore(options, { workspaceRoot: context.root, env: process.env, log: (m) => logger.info(m) });
    return { success: true };
  } catch (error) {
    logger.error(`database restore in ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
