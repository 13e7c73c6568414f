import {
  addProjectConfiguration,
  type GeneratorCallback,
  generateFiles,
  getProjects,
  logger,
  type ProjectConfiguration,
  type Tree,
  updateJson,
  updateProjectConfiguration,
} from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { join, posix } from 'node:path';
import { withCargoDependency, withCargoMember, withDockerContext, withPythonDependency, withPythonLibraryInDockerfile } from '../manifest-edits';
import { libraryProject, names } from '../project-config';
import { withSchemaDefaults } from '../../executors/options';
import schema from './schema.json';
import type { LibraryGeneratorSchema } from './schema';

/** The generator's one option normaliser: schema.json's defaults (Nx applies the same ones from the CLI). */
export const normalizeOptions = (options: LibraryGeneratorSchema) =>
  withSchemaDefaults(schema, options) as LibraryGeneratorSchema & Required<Pick<LibraryGeneratorSchema, 'description' | 'directory' | 'skipInstall'>>;

/**
 * nx g @trading/nx-plugin:library <name> --language=python|rust|typescript [--dependent=<project>]
 * Writes the library and, with --dependent, the path dependency in that project's manifest (and,
 * for a generated Python service, its Dockerfile and build context), so Nx sees the edge; a
 * TypeScript library gets its `@trading/<name>` path and is an implicit dependency of the dependent
 * until an import makes the edge explicit.
 */
export default async function libraryGenerator(tree: Tree, given: LibraryGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(given);
  const n = names(options.name, options.directory);
  const projects = getProjects(tree);
  if (projects.has(n.name)) throw new Error(`a project named "${n.name}" already exists: choose another name (nx show projects lists them)`);
  if (tree.exists(n.projectRoot)) throw new Error(`${n.projectRoot} already exists: choose another name or remove that folder first`);
  const dependent = options.dependent ? projects.get(options.dependent) : undefined;
  if (options.dependent && !dependent) throw new Error(`no project named "${options.dependent}" to depend on the library (nx show projects lists them)`);
  const manifest = { python: 'pyproject.toml', rust: 'Cargo.toml', typescript: 'tsconfig.json' }[options.language];
  if (dependent && !tree.exists(`${dependent.root}/${manifest}`)) {
    throw new Error(
      `${options.dependent} is not a ${options.language} project (no ${dependent.root}/${manifest}): a ${options.language} library needs a ${options.language} dependent`,
    );
  }

  generateFiles(tree, join(__dirname, 'files', options.language), n.projectRoot, { ...n, description: options.description, tmpl: '' });
  addProjectConfiguration(tree, n.name, libraryProject(options.language, n));
  if (options.language === 'rust') tree.write('Cargo.toml', withCargoMember(tree.read('Cargo.toml', 'utf-8') ?? '', n.projectRoot));
  if (options.language === 'typescript') {
    updateJson(tree, 'tsconfig.base.json', (json) => {
      json.compilerOptions ??= {};
      json.compilerOptions.paths = { ...json.compilerOptions.paths, [`@trading/${n.name}`]: [`${n.projectRoot}/src/index.ts`] };
      return json;
    });
  }
  if (dependent) wireDependent(tree, options, n, dependent);

  return () => {
    if (options.skipInstall || options.language === 'typescript') return;
    if (options.language === 'python') {
      for (const root of [n.projectRoot, ...(dependent ? [dependent.root] : [])]) {
        logger.info(`uv lock in ${root}`);
        execFileSync('uv', ['lock', '--quiet'], { cwd: join(tree.root, root), stdio: 'inherit' });
      }
    } else {
      logger.info(`Cargo.lock: adding ${n.name}`);
      execFileSync('cargo', ['metadata', '--format-version', '1', '--quiet'], { cwd: tree.root, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  };
}

function wireDependent(tree: Tree, options: LibraryGeneratorSchema, n: ReturnType<typeof names>, dependent: ProjectConfiguration): void {
  const path = posix.relative(dependent.root, n.projectRoot);
  if (options.language === 'typescript') {
    const implicitDependencies = [...new Set([...(dependent.implicitDependencies ?? []), n.name])];
    updateProjectConfiguration(tree, dependent.name ?? '', { ...dependent, implicitDependencies });
    return;
  }
  if (options.language === 'rust') {
    const file = `${dependent.root}/Cargo.toml`;
    tree.write(file, withCargoDependency(tree.read(file, 'utf-8') ?? '', n.name, path));
    return;
  }
  const file = `${dependent.root}/pyproject.toml`;
  tree.write(file, withPythonDependency(tree.read(file, 'utf-8') ?? '', n.name, path));
  const dockerfile = `${dependent.root}/Dockerfile`;
  if (!tree.exists(dockerfile)) return;
  const app = names(dependent.name ?? '', posix.dirname(dependent.root));
  const updated = withPythonLibraryInDockerfile(tree.read(dockerfile, 'utf-8') ?? '', app, { name: n.name, projectRoot: n.projectRoot, pkg: n.pkg });
  if (updated === null) {
    logger.warn(`${dockerfile} is not in the generated shape: copy ${n.projectRoot}/src/${n.pkg} into the image yourself (apps/agents/Dockerfile shows how)`);
    return;
  }
  tree.write(dockerfile, updated);
  const entries = [`!${n.projectRoot}/pyproject.toml`, `!${n.projectRoot}/README.md`, `!${n.projectRoot}/src/${n.pkg}/**`];
  tree.write('.dockerignore', withDockerContext(tree.read('.dockerignore', 'utf-8') ?? '**\n', entries));
}
