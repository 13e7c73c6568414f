import { type ExecutorContext, logger } from '@nx/devkit';
import { join } from 'node:path';
import { CliEngine } from './lib/engine';
import { imageSourcePaths } from './lib/image-sources';
import { runBuild } from './lib/run-build';
import { projectVersion, sourceInfo } from './lib/source-info';
import { attestImage } from '../../supply-chain/attest-image';
import type { DockerBuildExecutorOptions } from './schema';

export default async function dockerBuildExecutor(options: DockerBuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const projectName = context.projectName;
  if (!projectName) throw new Error('docker-build: run this executor for a project (nx run <project>:docker-build)');
  const projectRoot = context.projectsConfigurations.projects[projectName].root;
  try {
    await runBuild(options, {
      workspaceRoot: context.root,
      projectName,
      projectRoot,
      version: projectVersion(join(context.root, projectRoot)),
      source: sourceInfo(context.root, process.env, new Date(), imageSourcePaths(context.projectGraph, projectName)),
      env: process.env,
      engine: new CliEngine(options.engine ?? 'docker', context.root),
      attest: attestImage,
      log: (message) => logger.info(message),
    });
    return { success: true };
  } catch (error) {
    logger.error(`docker-build ${projectName}: ${(error as Error).message}`);
    return { success: false };
  }
}
