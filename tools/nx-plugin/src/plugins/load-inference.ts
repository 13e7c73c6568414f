import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CreateNodesContextV2, CreateNodesResult, TargetConfiguration } from '@nx/devkit';

export interface LoadPluginOptions {
  loadTargetName?: string;
}

/** A project's load test configuration: endpoints, arrival rate, users, duration, p95 bar. */
export const LOAD_CONFIG_GLOB = '**/load.yaml';

export function loadTarget(): TargetConfiguration {
  return {
    executor: '@trading/nx-plugin:load',
    // It measures a running service: nothing to replay from a cache.
    cache: false,
    inputs: ['{projectRoot}/load.yaml', '{workspaceRoot}/tools/nx-plugin/src/executors/load/**/*'],
    outputs: ['{workspaceRoot}/reports/load/{projectName}.json'],
    options: { config: 'load.yaml' },
    metadata: {
      technologies: ['oha'],
      description: 'Load test of the running service (--baseUrl or $LOAD_BASE_URL) with oha, from load.yaml: p95 bar, no error, rate within 1%',
    },
  };
}

/** The side-by-side regression check on the same configuration's first endpoint. */
export function perfCompareTarget(): TargetConfiguration {
  return {
    executor: '@trading/nx-plugin:perf-compare',
    cache: false,
    inputs: ['{projectRoot}/load.yaml', '{workspaceRoot}/tools/nx-plugin/src/executors/perf-compare/**/*'],
    outputs: ['{workspaceRoot}/reports/perf/{projectName}.json'],
    options: { config: 'load.yaml' },
    metadata: {
      technologies: ['mann-whitney'],
      description:
        'Candidate (--candidateUrl) against the live release (--baselineUrl), side by side in interleaved rounds: fails on a significant slowdown beyond the tolerance',
    },
  };
}

export function loadNodes(configFile: string, options: LoadPluginOptions | undefined, context: CreateNodesContextV2): CreateNodesResult {
  const root = dirname(configFile);
  const isProject = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, root, f)));
  if (root === '.' || !isProject) return {};
  return { projects: { [root]: { targets: { [options?.loadTargetName ?? 'load']: loadTarget(), 'perf-compare': perfCompareTarget() } } } };
}
