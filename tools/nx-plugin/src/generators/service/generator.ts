import { addProjectConfiguration, type GeneratorCallback, generateFiles, getProjects, logger, type Tree, updateProjectConfiguration } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withCargoMember, withDockerContext } from '../manifest-edits';
import { BASES, deployServiceFile, dockerContext, names, serviceProject } from '../project-config';
import { withSchemaDefaults } from '../../executors/options';
import schema from './schema.json';
import type { ServiceGeneratorSchema } from './schema';

/** The generator's one option normaliser: schema.json's defaults (Nx applies the same ones from the CLI). */
export const normalizeOptions = (options: ServiceGeneratorSchema) =>
  withSchemaDefaults(schema, options) as ServiceGeneratorSchema &
    Required<Pick<ServiceGeneratorSchema, 'port' | 'description' | 'directory' | 'skipInstall' | 'baseImages'>>;

/**
 * nx g @trading/nx-plugin:service <name> --language=python|rust|nextjs
 * Writes the project (sources, tests, Dockerfile, README, project.json), its deploy service file,
 * its build-context entries and, for Rust, the workspace member; then locks its dependencies.
 */
export default async function serviceGenerator(tree: Tree, given: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(given);
  const n = names(options.name, options.directory);
  if (getProjects(tree).has(n.name)) {
    throw new Error(`a project named "${n.name}" already exists: choose another name (nx show projects lists them)`);
  }
  if (tree.exists(n.projectRoot)) throw new Error(`${n.projectRoot} already exists: choose another name or remove that folder first`);
  // The deploy project's services folder (nx g @trading/nx-plugin:init writes the project; tools/deploy without one).
  const deployFile = `${getProjects(tree).get('deploy')?.root ?? 'tools/deploy'}/services/${n.name}.yaml`;
  if (tree.exists(deployFile)) throw new Error(`${deployFile} already exists: a service of that name is deployed already`);

  generateFiles(tree, join(__dirname, 'files', options.language), n.projectRoot, {
    ...n,
    port: options.port,
    description: options.description,
    base: BASES[options.language].public,
    tmpl: '',
  });
  addProjectConfiguration(tree, n.name, serviceProject(options.language, n, options.baseImages));
  tree.write(deployFile, deployServiceFile(options.language, n.name, options.port));
  // The deploy project depends on every deployed service: a change to this one affects it too.
  const deploy = getProjects(tree).get('deploy');
  if (deploy) updateProjectConfiguration(tree, 'deploy', { ...deploy, implicitDependencies: [...new Set([...(deploy.implicitDependencies ?? []), n.name])] });
  tree.write('.dockerignore', withDockerContext(tree.read('.dockerignore', 'utf-8') ?? '**\n', dockerContext(options.language, n)));
  if (options.language === 'rust') tree.write('Cargo.toml', withCargoMember(tree.read('Cargo.toml', 'utf-8') ?? '', n.projectRoot));

  return () => {
    if (options.skipInstall) return;
    if (options.language === 'python') {
      logger.info(`uv lock in ${n.projectRoot}`);
      execFileSync('uv', ['lock', '--quiet'], { cwd: join(tree.root, n.projectRoot), stdio: 'inherit' });
    } else if (options.language === 'rust') {
      logger.info(`Cargo.lock: adding ${n.name}`);
      execFileSync('cargo', ['metadata', '--format-version', '1', '--quiet'], { cwd: tree.root, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  };
}
