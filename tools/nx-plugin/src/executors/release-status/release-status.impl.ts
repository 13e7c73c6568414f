import { type ExecutorContext, logger } from '@nx/devkit';
import { runStatus } from '../../release/commands/status/run-status';
import type { ReleaseStatusExecutorOptions } from './schema';

export default async function releaseStatusExecutor(options: ReleaseStatusExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    await runStatus(options, { workspaceRoot: context.root, env: process.env, log: (m) => logger.info(m), print: (line) => process.stdout.write(`${line}\n`) });
    return { success: true };
  } catch (error) {
    logger.error(`status of ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
