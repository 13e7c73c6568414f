import { type ExecutorContext, logger } from '@nx/devkit';
import { withSchemaDefaults } from '../options';
import { LoadError, runLoad } from './lib/run-load';
import { LoadConfigError } from './lib/config';
import type { LoadExecutorOptions } from './schema';
import schema from './schema.json';

export type NormalizedLoadOptions = Required<Pick<LoadExecutorOptions, 'config' | 'oha' | 'reportDir'>> & LoadExecutorOptions;

export function normalizeLoadOptions(options: LoadExecutorOptions): NormalizedLoadOptions {
  return withSchemaDefaults(schema, options) as NormalizedLoadOptions;
}

export default async function loadExecutor(options: LoadExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const projectName = context.projectName;
  if (!projectName) throw new Error('load: run this executor for a project (nx run <project>:load)');
  const o = normalizeLoadOptions(options);
  try {
    const verdict = await runLoad({
      ...o,
      workspaceRoot: context.root,
      projectName,
      projectRoot: context.projectsConfigurations.projects[projectName].root,
      log: (m) => logger.info(m),
      stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
    });
    if (verdict === 'invalid') logger.error(`load ${projectName}: INVALID, the generator did not achieve the rate asked: not a pass`);
    return { success: verdict === 'passed' };
  } catch (error) {
    if (error instanceof LoadError || error instanceof LoadConfigError) {
      logger.error(`load ${projectName}: ${error.message}`);
      return { success: false };
    }
    throw error;
  }
}
