import { type ExecutorContext, logger } from '@nx/devkit';
import { actorFrom } from '../../release/status/actor';
import { runReconcile } from '../../release/commands/reconcile/run-reconcile';
import type { ReconcileExecutorOptions } from './schema';

export default async function reconcileExecutor(options: ReconcileExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const { ok } = await runReconcile(options, { workspaceRoot: context.root, env: process.env, log: (m) => logger.info(m), actor: actorFrom(process.env) });
    return { success: ok };
  } catch (error) {
    logger.error(`reconcile in ${options.environment}: ${(error as Error).message}`);
    return { success: false };
  }
}
