import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';

export interface DockerPluginOptions {
  dockerBuildTargetName?: string;
  attestTargetName?: string;
}

export const DOCKERFILE_GLOB = '**/Dockerfile';

/** The executor's own code: a change to it affects every project that builds an image with it. */
export const DOCKER_BUILD_EXECUTOR_INPUT = '{workspaceRoot}/tools/nx-plugin/src/executors/docker-build/**/*';
/** What it attaches to each pushed image (the SBOM and the provenance): code of its own, shared with the deploy. */
export const SUPPLY_CHAIN_INPUT = '{workspaceRoot}/tools/nx-plugin/src/supply-chain/**/*';

/** The inferred image build: after the project's own build, never cached (its output is an image). */
export function dockerBuildTarget(projectRoot: string): TargetConfiguration {
  return {
    executor: '@trading/nx-plugin:docker-build',
    dependsOn: ['build'],
    cache: false,
    inputs: ['{projectRoot}/**/*', DOCKER_BUILD_EXECUTOR_INPUT, SUPPLY_CHAIN_INPUT],
    options: { dockerfile: join(projectRoot, 'Dockerfile'), context: '.' },
    configurations: { push: { push: true, registryCache: true, attest: true } },
    metadata: {
      technologies: ['docker'],
      description: `Build the image from ${projectRoot}/Dockerfile (tags and OCI labels from git), push with -c push (its SBOM and build provenance attached to its digest), record dist/<project>/image.json`,
    },
  };
}

/** Its SBOM and build provenance attached to the pushed image its record names (docker-build -c push does it too). */
export function attestTarget(projectRoot: string): TargetConfiguration {
  return {
    executor: '@trading/nx-plugin:attest',
    cache: false,
    options: { dockerfile: join(projectRoot, 'Dockerfile') },
    metadata: {
      technologies: ['docker'],
      description: 'Attach the SBOM (syft) and build provenance (SLSA v1) to the pushed image dist/<project>/image.json names, unless already attached',
    },
  };
}

export function dockerNodes(dockerfile: string, options: DockerPluginOptions | undefined, context: CreateNodesContextV2): CreateNodesResult {
  const root = dirname(dockerfile);
  const isProject = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, root, f)));
  if (root === '.' || !isProject) return {};
  return {
    projects: {
      [root]: {
        targets: { [options?.dockerBuildTargetName ?? 'docker-build']: dockerBuildTarget(root), [options?.attestTargetName ?? 'attest']: attestTarget(root) },
      },
    },
  };
}
