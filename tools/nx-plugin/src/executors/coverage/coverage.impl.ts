import { type ExecutorContext, logger } from '@nx/devkit';
import { runGate } from './lib/run-gate';
import type { CoverageExecutorOptions } from './schema';

export default async function coverageExecutor(options: CoverageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const projectName = context.projectName;
  if (!projectName) throw new Error('coverage: run this executor for a project (nx run <project>:coverage)');
  // NX_BASE: what nrwl/nx-set-shas exports in CI, the base `nx affected` compares with.
  const evaluation = await runGate(
    { ...options, patchBase: options.patchBase ?? (process.env.NX_BASE || undefined) },
    {
      workspaceRoot: context.root,
      projectName,
      projectRoot: context.projectsConfigurations.projects[projectName].root,
      log: (m) => logger.info(m),
      error: (m) => logger.error(m),
      stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
    },
  );
  return { success: evaluation?.passed ?? false };
}
