import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';

export interface DockerPluginOptions {
  dockerBuildTargetName?: string;
}

export const DOCKERFILE_GLOB = '**/Dockerfile';

/** The executor's own code: a change to it affects every project that builds an image with it. */
export const DOCKER_BUILD_EXECUTOR_INPUT = '{workspaceRoot}/tools/nx-plugin/src/executors/docker-build/**/*';

/** The inferred image build: after the project's own build, never cached (its output is an image). */
export function dockerBuildTarget(projectRoot: string): TargetConfiguration {
  return {
    executor: '@trading/nx-plugin:docker-build',
    dependsOn: ['build'],
    cache: false,
    inputs: ['{projectRoot}/**/*', DOCKER_BUILD_EXECUTOR_INPUT],
    options: { dockerfile: join(projectRoot, 'Dockerfile'), context: '.' },
    configurations: { push: { push: true, registryCache: true } },
    metadata: {
      technologies: ['docker'],
      description: `Build the image from ${projectRoot}/Dockerfile (tags and OCI labels from git), push with -c push, record dist/<project>/image.json`,
    },
  };
}

export function dockerNodes(dockerfile: string, options: DockerPluginOptions | undefined, context: CreateNodesContextV2): CreateNodesResult {
  const root = dirname(dockerfile);
  const isProject = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, root, f)));
  if (root === '.' || !isProject) return {};
  return { projects: { [root]: { targets: { [options?.dockerBuildTargetName ?? 'docker-build']: dockerBuildTarget(root) } } } };
}
