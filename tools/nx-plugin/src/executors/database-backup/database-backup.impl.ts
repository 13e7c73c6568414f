import { type ExecutorContext, logger } from '@nx/devkit';
import { runBackup } from '../../release/commands/database/run-database';
import type { DatabaseBackupExecutorOptions } from './schema';

export default async function databaseBackupExecutor(options: DatabaseBackupExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    await runBackup(options, { workspaceRoot: context.root, env: process.env, log: (m) => logger.info(m) });
    return { success: true };
  } catch (error) {
    logger.error(`database backup in ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
