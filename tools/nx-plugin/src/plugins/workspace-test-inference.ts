import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CreateNodesContextV2, CreateNodesResult, TargetConfiguration } from '@nx/devkit';

export interface WorkspaceTestPluginOptions {
  /** The target that runs all of a project's workspace tests; each file is `<name>--<file>`. */
  workspaceTestTargetName?: string;
  /** The launcher that brings up a test's services and holds its locks. */
  workspaceTestLauncher?: string;
}

/**
 * A project's workspace tests, Node test files in its `workspace-tests/` folder (`*.test.mjs`), and
 * the helper modules beside them (matched too, so a change to what a helper imports infers again).
 */
export const WORKSPACE_TEST_GLOB = '**/workspace-tests/*.mjs';
export const isWorkspaceTest = (file: string) => /(^|\/)workspace-tests\/[^/]+\.test\.mjs$/.test(file);
const DEFAULT_TARGET = 'workspace-test';
const DEFAULT_LAUNCHER = 'tools/workspace-tests/run.sh';

/** The parts of the local stack a workspace test can use (tools/stack.sh). */
export const STACK_PARTS = ['docker', 'cluster', 'prometheus', 'postgres'] as const;
export type StackPart = (typeof STACK_PARTS)[number];

/**
 * What a test file declares on its `// @workspace-test` line:
 * `uses=a,b` parts it needs up (shared), `exclusive=a,b` parts it disrupts (nobody else uses them
 * meanwhile), `quiet` (it measures time or rates: never beside another task), `cached` (its outcome
 * depends only on its inputs, so Nx may replay it), `inputs=a,b` what else its outcome depends on
 * besides its project and the stack parts it uses (named inputs of nx.json, or globs from the
 * workspace root), `images=a,b` the projects whose pushed images it runs (their records in
 * dist/<project>/image.json, written by `nx run-many -t docker-build -c push`), `after=a,b` other
 * workspace tests of the same project it runs after (it would only wait for them inside: two act
 * runs never overlap; a task waiting inside holds one of Nx's slots for nothing), `needs=p:t,…`
 * targets of other projects it runs what they build from (Nx builds or replays them first, outside
 * the test: a debug build of the engine inside a `quiet` test held the whole graph for 6 minutes).
 */
export interface WorkspaceTestDeclaration {
  uses: StackPart[];
  exclusive: StackPart[];
  quiet: boolean;
  cached: boolean;
  inputs?: string[];
  images?: string[];
  after?: string[];
  needs?: Array<{ project: string; target: string }>;
}

const PRAGMA = /^\/\/ @workspace-test\b(.*)$/m;

function parts(value: string, key: string, file: string): StackPart[] {
  const list = value.split(',').filter(Boolean);
  for (const part of list) {
    if (!(STACK_PARTS as readonly string[]).includes(part)) {
      throw new Error(`${file}: ${key}=${part} is not a part of the stack (one of ${STACK_PARTS.join(', ')})`);
    }
  }
  return list as StackPart[];
}

const NAME = /^[\w@.*/-]+$/;
function names(value: string, key: string, file: string): string[] {
  const list = value.split(',').filter(Boolean);
  const bad = list.find((name) => !NAME.test(name));
  if (bad !== undefined) throw new Error(`${file}: ${key}=${bad} is not a name or a path glob`);
  return list;
}

const TARGET = /^([\w@./-]+):([\w-]+)$/;
function targets(value: string, key: string, file: string): Array<{ project: string; target: string }> {
  return value
    .split(',')
    .filter(Boolean)
    .map((name) => {
      const match = TARGET.exec(name);
      if (!match) throw new Error(`${file}: ${key}=${name} is not <project>:<target>`);
      return { project: match[1], target: match[2] };
    });
}

/** Parses a test file's declaration; a file without one, or with an unknown word, is an error naming it. */
export function parseDeclaration(text: string, file: string): WorkspaceTestDeclaration {
  const match = PRAGMA.exec(text);
  if (!match)
    throw new Error(`${file}: no "// @workspace-test" line saying what it uses (e.g. "// @workspace-test uses=docker,cluster"; an empty one for nothing)`);
  const declaration: WorkspaceTestDeclaration = { uses: [], exclusive: [], quiet: false, cached: false };
  for (const word of match[1].trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = word.split('=', 2);
    if (key === 'uses' && value !== undefined) declaration.uses = parts(value, key, file);
    else if (key === 'exclusive' && value !== undefined) declaration.exclusive = parts(value, key, file);
    else if (key === 'inputs' && value !== undefined) declaration.inputs = names(value, key, file);
    else if (key === 'images' && value !== undefined) declaration.images = names(value, key, file);
    else if (key === 'after' && value !== undefined) declaration.after = names(value, key, file);
    else if (key === 'needs' && value !== undefined) declaration.needs = targets(value, key, file);
    else if (word === 'quiet') declaration.quiet = true;
    else if (word === 'cached') declaration.cached = true;
    else
      throw new Error(`${file}: unknown word "${word}" on its @workspace-test line (uses=…, exclusive=…, inputs=…, images=…, after=…, needs=…, quiet, cached)`);
  }
  return declaration;
}

/** The nearest folder at or above `dir` holding a project.json or package.json: the test's project. */
export function owningProjectRoot(dir: string, workspaceRoot: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (['project.json', 'package.json'].some((f) => existsSync(join(workspaceRoot, current, f)))) return current;
    if (current === '.' || current === dirname(current)) return '.';
  }
}

/** A relative import of a module in the same folder: `from './x.mjs'`, `import('./x.mjs')`. */
const SAME_FOLDER_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*)['"]\.\/([^'"/]+\.mjs)['"]/g;

/** The helper modules (`.mjs`, not tests) of `file`'s folder that it imports, directly or through another. */
export function importedHelpers(file: string, workspaceRoot: string): Set<string> {
  const dir = dirname(file);
  const imported = new Set<string>();
  const visit = (path: string) => {
    for (const [, name] of readFileSync(join(workspaceRoot, path), 'utf8').matchAll(SAME_FOLDER_IMPORT)) {
      if (name.endsWith('.test.mjs') || imported.has(name) || !existsSync(join(workspaceRoot, dir, name))) continue;
      imported.add(name);
      visit(join(dir, name));
    }
  };
  visit(file);
  return imported;
}

/**
 * The helper modules of a project's `workspace-tests/` folder that `file` does not import: not its
 * inputs (an edit to the SLO tests' fixture re-ran every cluster test of the plugin). The workspace's
 * kit (tools/workspace-tests, a project of its own whose helpers every test imports) is the
 * `workspaceTestKit` input of all of them.
 */
export function helpersNotImported(file: string, root: string, workspaceRoot: string): string[] {
  const dir = dirname(file);
  if (dir === root) return [];
  const imported = importedHelpers(file, workspaceRoot);
  return readdirSync(join(workspaceRoot, dir))
    .filter((name) => name.endsWith('.mjs') && !name.endsWith('.test.mjs') && !imported.has(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The project's unit tests and their snapshots: judged by its `test` target, never run by a workspace test. */
export const UNIT_TESTS = '!{projectRoot}/**/?(*.)+(spec).[jt]s?(x)?(.snap)';
/**
 * The project's Markdown: read by people, not by its workspace tests (a README edit re-ran the root
 * project's ten tests). A test that does read it declares it (docs-check: `inputs=**\/*.md`).
 */
export const MARKDOWN = '!{projectRoot}/**/*.md';

/**
 * What a cacheable test's outcome depends on: its project (less its unit tests, `UNIT_TESTS`: an
 * edit to a Jest spec of the plugin re-ran its ten cluster tests, and its Markdown, `MARKDOWN`) and the projects it depends on, the
 * launcher and helpers (`workspaceTestKit`), the scripts of each stack part it uses
 * (`stack-<part>`), what it declares (`inputs=`), the digest of each image it runs (read at hash
 * time from the image record), the Nx it drives, and whether it runs nested. Not the other test
 * files of its project (`siblings`, paths from the project's root): a change to one of them runs
 * that test again, not every workspace test of the project (full13: an edit to slo.test.mjs re-ran
 * the plugin's seven cached cluster tests, 1,250 s), nor the folder's helper modules it does not
 * import (`helpersNotImported`): those it imports are its inputs.
 */
export function workspaceTestInputs(declaration: WorkspaceTestDeclaration, siblings: readonly string[] = []): NonNullable<TargetConfiguration['inputs']> {
  const stack = STACK_PARTS.filter((part) => declaration.uses.includes(part) || declaration.exclusive.includes(part));
  return [
    'default',
    UNIT_TESTS,
    MARKDOWN,
    ...siblings.map((sibling) => `!{projectRoot}/${sibling}`),
    '^production',
    'workspaceTestKit',
    ...stack.map((part) => `stack-${part}`),
    ...(declaration.inputs ?? []).map((input) => (input.includes('/') || input.includes('.') ? `{workspaceRoot}/${input}` : input)),
    ...(declaration.images ?? []).map((project) => ({ runtime: `node tools/workspace-tests/image-reference.mjs ${project}` })),
    { externalDependencies: ['nx'] },
    { env: 'TEST_ALL_NESTED' },
  ];
}

export function workspaceTestTarget(
  file: string,
  declaration: WorkspaceTestDeclaration,
  launcher = DEFAULT_LAUNCHER,
  targetName = DEFAULT_TARGET,
  siblings: readonly string[] = [],
): TargetConfiguration {
  const flags = [
    ...(declaration.uses.length ? [`--uses ${declaration.uses.join(',')}`] : []),
    ...(declaration.exclusive.length ? [`--exclusive ${declaration.exclusive.join(',')}`] : []),
  ];
  const stack = [...new Set([...declaration.uses, ...declaration.exclusive])];
  return {
    command: ['bash', launcher, ...flags, file].join(' '),
    ...(declaration.after?.length || declaration.needs?.length
      ? {
          dependsOn: [
            ...(declaration.after ?? []).map((name) => `${targetName}--${name}`),
            ...(declaration.needs ?? []).map(({ project, target }) => ({ projects: [project], target })),
          ],
        }
      : {}),
    options: { cwd: '{workspaceRoot}' },
    // A test that drives shared, mutable services is never replayed: its outcome is not its inputs'.
    cache: declaration.cached,
    ...(declaration.cached ? { inputs: workspaceTestInputs(declaration, siblings) } : {}),
    // The launcher's JUnit report: reports/workspace-tests/ mirrors the test's path.
    outputs: [`{workspaceRoot}/reports/workspace-tests/${file.replace(/\.test\.mjs$/, '.xml')}`],
    ...(declaration.quiet ? { parallelism: false } : {}),
    metadata: {
      technologies: ['node'],
      description: `Workspace test ${file}${stack.length ? ` against the local ${stack.join(', ')}` : ''}${declaration.quiet ? ' (alone: it measures time)' : ''}`,
      stack,
      exclusive: declaration.exclusive,
      ...(declaration.images?.length ? { images: declaration.images } : {}),
    },
  };
}

/**
 * Every workspace test file becomes a target of the project it lives in (`workspace-test--<file>`),
 * and each such project gets `workspace-test`, which runs them all. Files are grouped by project,
 * so one file's result carries the project's targets.
 */
export function workspaceTestNodes(
  files: readonly string[],
  options: WorkspaceTestPluginOptions | undefined,
  context: CreateNodesContextV2,
): Array<readonly [string, CreateNodesResult]> {
  const name = options?.workspaceTestTargetName ?? DEFAULT_TARGET;
  const byProject = new Map<string, Record<string, TargetConfiguration>>();
  const results: Array<readonly [string, CreateNodesResult]> = [];
  const sorted = [...files].sort();
  const roots = new Map(sorted.map((file) => [file, owningProjectRoot(dirname(file), context.workspaceRoot)]));
  const fromRoot = (file: string, root: string) => (root === '.' ? file : file.slice(root.length + 1));
  for (const file of sorted) {
    const declaration = parseDeclaration(readFileSync(join(context.workspaceRoot, file), 'utf8'), file);
    const root = roots.get(file) as string;
    const siblings = [...sorted.filter((other) => other !== file && roots.get(other) === root), ...helpersNotImported(file, root, context.workspaceRoot)].map(
      (other) => fromRoot(other, root),
    );
    const targets = byProject.get(root) ?? {};
    if (!byProject.has(root)) {
      byProject.set(root, targets);
      results.push([file, { projects: { [root]: { targets } } }]);
    } else {
      results.push([file, {}]);
    }
    targets[`${name}--${basename(file, '.test.mjs')}`] = workspaceTestTarget(file, declaration, options?.workspaceTestLauncher, name, siblings);
  }
  for (const [root, targets] of byProject) {
    for (const [target, config] of Object.entries(targets)) {
      for (const dependency of config.dependsOn ?? []) {
        if (typeof dependency === 'string' && !targets[dependency])
          throw new Error(`${target} of ${root}: after=${dependency.slice(name.length + 2)} is not a workspace test of the same project`);
      }
    }
  }
  for (const targets of byProject.values()) {
    targets[name] = {
      executor: 'nx:noop',
      dependsOn: Object.keys(targets).sort(),
      metadata: {
        technologies: ['node'],
        description: "All of this project's workspace tests (nx run-many -t workspace-test runs them side by side where their locks allow)",
      },
    };
  }
  return results;
}
