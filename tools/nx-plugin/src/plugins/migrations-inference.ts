import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CreateNodesContextV2, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { parse } from 'yaml';

export interface MigrationsPluginOptions {
  migrationsLintTargetName?: string;
  migrateTargetName?: string;
}

/** A service's schema migrations: where they are (dir) and the table that records them (tools/migrations). */
export const MIGRATIONS_CONFIG_GLOB = '**/migrations.yaml';

const TOOLING = '{workspaceRoot}/tools/migrations/*.mjs';

/** The expand/contract check (squawk and our rules): its outcome depends only on the files, so it is cached. */
export function migrationsLintTarget(projectRoot: string, dir: string): TargetConfiguration {
  return {
    command: `node tools/migrations/cli.mjs lint ${projectRoot}`,
    cache: true,
    inputs: [`{projectRoot}/migrations.yaml`, `{projectRoot}/${dir}/**/*.sql`, TOOLING, { externalDependencies: ['@squawk-cli/linux-x64'] }],
    outputs: [],
    metadata: {
      technologies: ['squawk'],
      description: `Refuse in ${dir} what the live release cannot run beside (an expand migration that drops, renames, retypes or locks), before it can merge`,
    },
  };
}

/** Applying migrations changes a database: never cached. --dry-run prints the SQL, --status what is applied. */
export function migrateTarget(projectRoot: string, dir: string): TargetConfiguration {
  return {
    command: `node tools/migrations/cli.mjs migrate ${projectRoot}`,
    cache: false,
    metadata: {
      technologies: ['dbmate'],
      description: `Apply ${dir}'s pending expand migrations to $DATABASE_URL (dbmate); --contract for a contract one, --dry-run, --status, --rollback`,
    },
  };
}

export function migrationsNodes(configFile: string, options: MigrationsPluginOptions | undefined, context: CreateNodesContextV2): CreateNodesResult {
  const root = dirname(configFile);
  const isProject = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, root, f)));
  if (root === '.' || !isProject) return {};
  const config = parse(readFileSync(join(context.workspaceRoot, configFile), 'utf8')) as { dir?: unknown };
  if (typeof config?.dir !== 'string') throw new Error(`${configFile}: needs dir, the folder of the service's migrations`);
  return {
    projects: {
      [root]: {
        targets: {
          [options?.migrationsLintTargetName ?? 'migrations-lint']: migrationsLintTarget(root, config.dir),
          [options?.migrateTargetName ?? 'migrate']: migrateTarget(root, config.dir),
        },
      },
    },
  };
}
