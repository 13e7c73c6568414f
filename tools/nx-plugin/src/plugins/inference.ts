import { type CreateNodesV2, createNodesFromFiles } from '@nx/devkit';
import { COVERAGE_CONFIG_GLOB, type CoveragePluginOptions, coverageNodes } from './coverage-inference';
import { DOCKERFILE_GLOB, type DockerPluginOptions, dockerNodes } from './docker-inference';

export type PluginOptions = CoveragePluginOptions & DockerPluginOptions;

const globBody = (glob: string) => glob.replace(/^\*\*\//, '');

/**
 * One plugin entry, two inferences: `coverage` for projects whose test tooling writes a
 * report, `docker-build` for projects with a Dockerfile.
 */
export const createNodes: CreateNodesV2<PluginOptions> = [
  `**/{${globBody(COVERAGE_CONFIG_GLOB).replace(/^\{|\}$/g, '')},${globBody(DOCKERFILE_GLOB)}}`,
  (files, options, context) =>
    createNodesFromFiles(
      (file, opts, ctx) => (file.endsWith('Dockerfile') ? dockerNodes(file, opts, ctx) : coverageNodes(file, opts, ctx)),
      files,
      options ?? {},
      context,
    ),
];
