import { type CreateNodesV2, createNodesFromFiles } from '@nx/devkit';
import { COVERAGE_CONFIG_GLOB, type CoveragePluginOptions, coverageNodes } from './coverage-inference';
import { DOCKERFILE_GLOB, type DockerPluginOptions, dockerNodes } from './docker-inference';
import { LOAD_CONFIG_GLOB, type LoadPluginOptions, loadNodes } from './load-inference';
import { MIGRATIONS_CONFIG_GLOB, type MigrationsPluginOptions, migrationsNodes } from './migrations-inference';
import { isWorkspaceTest, WORKSPACE_TEST_GLOB, type WorkspaceTestPluginOptions, workspaceTestNodes } from './workspace-test-inference';

export type PluginOptions = CoveragePluginOptions & DockerPluginOptions & LoadPluginOptions & MigrationsPluginOptions & WorkspaceTestPluginOptions;

const globBody = (glob: string) => glob.replace(/^\*\*\//, '');
// A module of a workspace-tests/ folder: a test (a target of its own) or a helper (an input of those importing it).
const inWorkspaceTests = (file: string) => /(^|\/)workspace-tests\/[^/]+\.mjs$/.test(file);

/**
 * One plugin entry, five inferences: `coverage` for projects whose test tooling writes a report,
 * `docker-build` for projects with a Dockerfile, `load` for projects with a load.yaml,
 * `migrations-lint` and `migrate` for projects with a migrations.yaml, and
 * `workspace-test--<file>` for each test file in a project's workspace-tests/ folder.
 */
export const createNodes: CreateNodesV2<PluginOptions> = [
  `**/{${globBody(COVERAGE_CONFIG_GLOB).replace(/^\{|\}$/g, '')},${globBody(DOCKERFILE_GLOB)},${globBody(LOAD_CONFIG_GLOB)},${globBody(MIGRATIONS_CONFIG_GLOB)},${globBody(WORKSPACE_TEST_GLOB)}}`,
  async (files, options, context) => [
    ...(await createNodesFromFiles(
      (file, opts, ctx) =>
        file.endsWith('Dockerfile')
          ? dockerNodes(file, opts, ctx)
          : file.endsWith('load.yaml')
            ? loadNodes(file, opts, ctx)
            : file.endsWith('migrations.yaml')
              ? migrationsNodes(file, opts, ctx)
              : coverageNodes(file, opts, ctx),
      files.filter((f) => !inWorkspaceTests(f)),
      options ?? {},
      context,
    )),
    ...workspaceTestNodes(files.filter(isWorkspaceTest), options, context),
  ],
];
