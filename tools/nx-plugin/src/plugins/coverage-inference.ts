import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesV2,
  type TargetConfiguration,
  createNodesFromFiles,
  joinPathFragments,
} from '@nx/devkit';
import { parse as parseToml } from 'smol-toml';
import type { Thresholds } from '../executors/coverage/lib/thresholds';

export interface CoveragePluginOptions {
  /** Name of the inferred target. */
  coverageTargetName?: string;
  /** Workspace default thresholds; a project's own `coverage` options override them. */
  thresholds?: Thresholds;
}

export const DEFAULT_THRESHOLDS: Thresholds = { lines: 80, branches: 80, functions: 80 };

export const COVERAGE_CONFIG_GLOB = '**/{pyproject.toml,Cargo.toml,jest.config.{cjs,js,mjs,ts}}';

/** Which report a project's own tooling writes, judged from the config file that configures it. */
export function reportForConfig(configFile: string, content: string): string | undefined {
  const root = dirname(configFile);
  const name = configFile.slice(root.length + 1);
  if (name === 'pyproject.toml') {
    const toml = parseToml(content) as { tool?: { coverage?: unknown } };
    return toml.tool?.coverage ? joinPathFragments('coverage', root, 'coverage.xml') : undefined;
  }
  if (name === 'Cargo.toml') {
    const toml = parseToml(content) as { package?: unknown };
    return toml.package ? joinPathFragments('coverage', root, 'lcov.info') : undefined;
  }
  const dir = /coverageDirectory\s*:\s*['"]([^'"]+)['"]/.exec(content)?.[1];
  return dir ? joinPathFragments(root, dir, 'coverage-summary.json') : undefined;
}

export function coverageTarget(report: string, thresholds: Thresholds): TargetConfiguration {
  const dir = dirname(report);
  return {
    executor: '@trading/nx-plugin:coverage',
    dependsOn: ['test'],
    cache: true,
    // The gate judges the report its `test` wrote: it hashes that report itself (whatever the test
    // hashed to produce it, Cargo.lock included), and its own code.
    inputs: [{ dependentTasksOutputFiles: `**/${basename(report)}` }, '{workspaceRoot}/tools/nx-plugin/src/executors/coverage/**/*'],
    outputs: [`{workspaceRoot}/${dir}/coverage-gate.json`, `{workspaceRoot}/${dir}/coverage-gate.md`],
    options: { reports: [report], thresholds },
    metadata: {
      technologies: ['coverage'],
      description: `Gate coverage from ${report} on the workspace thresholds and this project's rules`,
    },
  };
}

export function coverageNodes(configFile: string, options: CoveragePluginOptions | undefined, context: CreateNodesContextV2): CreateNodesResult {
  const root = dirname(configFile);
  const isProject = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, root, f)));
  if (root === '.' || !isProject) return {};
  const report = reportForConfig(configFile, readFileSync(join(context.workspaceRoot, configFile), 'utf8'));
  if (!report) return {};
  const target = coverageTarget(report, options?.thresholds ?? DEFAULT_THRESHOLDS);
  return { projects: { [root]: { targets: { [options?.coverageTargetName ?? 'coverage']: target } } } };
}

export const createNodes: CreateNodesV2<CoveragePluginOptions> = [
  COVERAGE_CONFIG_GLOB,
  (configFiles, options, context) => createNodesFromFiles(coverageNodes, configFiles, options ?? {}, context),
];
