import { addProjectConfiguration, generateFiles, getProjects, type ProjectConfiguration, readNxJson, type Tree, updateNxJson } from '@nx/devkit';
import { join } from 'node:path';
import { withSchemaDefaults } from '../../executors/options';
import schema from './schema.json';
import type { InitGeneratorSchema } from './schema';

/** The package's name, as nx.json registers it. */
export const PLUGIN = '@trading/nx-plugin';

/** The generator's one option normaliser: schema.json's defaults (Nx applies the same ones from the CLI). */
export const normalizeOptions = (options: InitGeneratorSchema) => withSchemaDefaults(schema, options) as Required<InitGeneratorSchema>;

type Targets = NonNullable<ProjectConfiguration['targets']>;

/**
 * The named inputs the generated projects' targets use (project-config.ts): a Python or Rust
 * project's tests hash its sources only, and `production` leaves tests out of what dependents hash.
 */
export const NAMED_INPUTS: Record<string, string[]> = {
  production: [
    'default',
    '!{projectRoot}/**/?(*.)+(spec|test).[jt]s?(x)?(.snap)',
    '!{projectRoot}/**/*.test.mjs',
    '!{projectRoot}/workspace-tests/**/*',
    '!{projectRoot}/tsconfig.spec.json',
    '!{projectRoot}/jest.config.[jt]s',
    '!{projectRoot}/src/test-setup.[jt]s',
    '!{projectRoot}/eslint.config.mjs',
    '!{projectRoot}/tests/**/*',
    '!{projectRoot}/**/README.md',
  ],
  pythonSources: [
    '{projectRoot}/src/**/*.py',
    '{projectRoot}/src/**/*.sql',
    '{projectRoot}/pyproject.toml',
    '{projectRoot}/uv.lock',
    '{workspaceRoot}/.python-version',
  ],
  rustSources: [
    '{projectRoot}/src/**/*',
    '{projectRoot}/migrations/**/*',
    '{projectRoot}/Cargo.toml',
    '{workspaceRoot}/Cargo.toml',
    '{projectRoot}/cargo-closure.txt',
    '{workspaceRoot}/rust-toolchain.toml',
  ],
};

/**
 * The deploy project's targets: a deploy per environment, and the release commands for either
 * (`-c production`). Only a deployDir other than the executors' default is written as configDir.
 */
export function deployTargets(deployDir: string): Targets {
  const dir = deployDir === 'tools/deploy' ? {} : { configDir: deployDir };
  const both = { staging: { environment: 'staging' }, production: { environment: 'production' } };
  const command = (executor: string, description: string, extra: Record<string, unknown> = {}) => ({
    executor: `${PLUGIN}:${executor}`,
    cache: false,
    options: { ...extra, environment: 'staging', ...dir },
    configurations: both,
    metadata: { description },
  });
  const deploy = (environment: string, description: string) => ({
    executor: `${PLUGIN}:gke-deploy`,
    cache: false,
    options: { environment, ...dir },
    metadata: { description },
  });
  return {
    staging: deploy('staging', 'Blue-green deploy of the services whose pushed image changed (dist/<project>/image.json), judged by the analysis'),
    production: deploy('production', 'Blue-green deploy to production: canary, swap, soak; every release judged'),
    rollback: command('rollback', 'Traffic back to the previous good release (-c production; --services, --database)'),
    status: command('release-status', 'What is live per service: colour, release, phase, ready endpoints, last good, delivery metrics'),
    reconcile: command('reconcile', 'Clean up after deploy runs that died: canaries removed, orphaned releases off traffic'),
    abort: command('release-decision', 'Take a release still being judged off traffic now', { decision: 'abort' }),
    promote: command('release-decision', 'Accept a halted release on purpose', { decision: 'promote' }),
    'backup-database': command('database-backup', "A base backup of the environment's StatefulSet database"),
    'restore-database': command('database-restore', "Point-in-time recovery of the environment's StatefulSet database"),
  };
}

/**
 * nx g @trading/nx-plugin:init (what `nx add @trading/nx-plugin` runs): registers the plugin in
 * nx.json, so every project gets the inferred targets, and writes the deploy project: its targets,
 * environments.yaml (staging and production: namespaces, contexts from variables, analysis, the
 * production canary), analysis.yaml (the SLO metrics) and services/ (one file per service, which
 * the service generator writes). Rerun, it changes nothing that exists.
 */
export default async function initGenerator(tree: Tree, given: InitGeneratorSchema): Promise<void> {
  const options = normalizeOptions(given);
  const taken = getProjects(tree).get('deploy');
  if (taken && taken.root !== options.deployDir)
    throw new Error(`a project named "deploy" already exists at ${taken.root}: pass --deployDir=${taken.root} to keep it, or rename it`);
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN);
  // Named inputs the workspace defines already are its own: only missing ones are added.
  const namedInputs = { ...NAMED_INPUTS, ...nxJson.namedInputs };
  const generators = options.baseImages ? withServiceDefault(nxJson.generators, 'baseImages', options.baseImages) : nxJson.generators;
  updateNxJson(tree, { ...nxJson, namedInputs, plugins: registered ? plugins : [...plugins, PLUGIN], ...(generators ? { generators } : {}) });
  if (!taken)
    addProjectConfiguration(tree, 'deploy', {
      root: options.deployDir,
      projectType: 'application',
      tags: ['type:deploy'],
      implicitDependencies: [],
      targets: deployTargets(options.deployDir),
    });
  keepingExisting(
    tree,
    CONFIG_FILES.map((file) => join(options.deployDir, file)),
    () => generateFiles(tree, join(__dirname, 'files', 'deploy'), options.deployDir, { namespacePrefix: options.namespacePrefix, tmpl: '' }),
  );
  if (options.workflows)
    keepingExisting(tree, WORKFLOW_FILES, () =>
      generateFiles(tree, join(__dirname, 'files', 'workspace'), '.', {
        ...toolchains(tree),
        deployDir: options.deployDir,
        github: '.github',
        tmpl: '',
      }),
    );
}

const CONFIG_FILES = ['environments.yaml', 'analysis.yaml', 'services/README.md'];
export const WORKFLOW_FILES = ['.github/workflows/ci.yml', '.github/workflows/deploy.yml', '.github/PULL_REQUEST_TEMPLATE.md'];

/** Files written before are the team's own now: kept as they are whatever `write` does. */
function keepingExisting(tree: Tree, paths: string[], write: () => void): void {
  const kept = paths.filter((path) => tree.exists(path)).map((path) => ({ path, text: tree.read(path)! }));
  write();
  for (const { path, text } of kept) tree.write(path, text);
}

/** The tools the workflows install, at the versions this plugin is tested with (scripts/setup.sh's). */
export const TOOL_VERSIONS = { uvVersion: '0.13.9', cargoLlvmCovVersion: '0.9.1' };

/** The workflows' toolchain versions: the workspace's own pins (.nvmrc, .python-version) when it has them. */
function toolchains(tree: Tree): Record<string, string> {
  const pin = (file: string, fallback: string) => tree.read(file, 'utf-8')?.trim().replace(/^v/, '') || fallback;
  return { nodeVersion: pin('.nvmrc', '24'), pythonVersion: pin('.python-version', '3.11'), ...TOOL_VERSIONS };
}

type Generators = NonNullable<ReturnType<typeof readNxJson>>['generators'];

/** nx.json's generator defaults with one option of our service generator set (the team's own value kept). */
function withServiceDefault(generators: Generators, option: string, value: string): Generators {
  const key = `${PLUGIN}:service`;
  const current = (generators?.[key] ?? {}) as Record<string, unknown>;
  return { ...generators, [key]: { [option]: value, ...current } };
}
