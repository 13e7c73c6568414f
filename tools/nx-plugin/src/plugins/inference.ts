import { type CreateNodesV2, createNodesFromFiles } from '@nx/devkit';
import { COVERAGE_CONFIG_GLOB, type CoveragePluginOptions, coverageNodes } from './coverage-inference';
import { DOCKERFILE_GLOB, type DockerPluginOptions, dockerNodes } from './docker-inference';
import { LOAD_CONFIG_GLOB, type LoadPluginOptions, loadNodes } from './load-inference';

export type PluginOptions = CoveragePluginOptions & DockerPluginOptions & LoadPluginOptions;

const globBody = (glob: string) => glob.replace(/^\*\*\//, '');

/**
 * One plugin entry, three inferences: `coverage` for projects whose test tooling writes a
 * report, `docker-build` for projects with a Dockerfile, `load` for projects with a load.yaml.
 */
export const createNodes: CreateNodesV2<PluginOptions> = [
  `**/{${globBody(COVERAGE_CONFIG_GLOB).replace(/^\{|\}$/g, '')},${globBody(DOCKERFILE_GLOB)},${globBody(LOAD_CONFIG_GLOB)}}`,
  (files, options, context) =>
    createNodesFromFiles(
      (file, opts, ctx) =>
        file.endsWith('Dockerfile') ? dockerNodes(file, opts, ctx) : file.endsWith('load.yaml') ? loadNodes(file, opts, ctx) : coverageNodes(file, opts, ctx),
      files,
      options ?? {},
      context,
    ),
];
