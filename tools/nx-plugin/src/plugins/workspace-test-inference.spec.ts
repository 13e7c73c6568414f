import type { CreateNodesContextV2 } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodes } from './inference';
import picomatch from 'picomatch';
import {
  isWorkspaceTest,
  MARKDOWN,
  owningProjectRoot,
  parseDeclaration,
  UNIT_TESTS,
  workspaceTestNodes,
  workspaceTestTarget,
} from './workspace-test-inference';

describe('workspace test declarations', () => {
  it('reads the parts used and disrupted, quiet and cached', () => {
    expect(parseDeclaration('// @workspace-test uses=docker,cluster exclusive=prometheus quiet cached\nimport x;', 'a.test.mjs')).toEqual({
      uses: ['docker', 'cluster'],
      exclusive: ['prometheus'],
      quiet: true,
      cached: true,
    });
    expect(parseDeclaration('// header\n// @workspace-test\n', 'b.test.mjs')).toEqual({ uses: [], exclusive: [], quiet: false, cached: false });
  });

  it('reads the inputs and images a cached test depends on', () => {
    expect(parseDeclaration('// @workspace-test cached inputs=workflows,tools/deploy/**/*,Cargo.lock images=agents,execution-engine', 'a.test.mjs')).toEqual({
      uses: [],
      exclusive: [],
      quiet: false,
      cached: true,
      inputs: ['workflows', 'tools/deploy/**/*', 'Cargo.lock'],
      images: ['agents', 'execution-engine'],
    });
    expect(() => parseDeclaration('// @workspace-test cached inputs=a;rm', 'a.test.mjs')).toThrow(/a\.test\.mjs: inputs=a;rm is not a name or a path glob/);
  });

  it('refuses a file without a declaration, an unknown part or an unknown word, naming the file', () => {
    expect(() => parseDeclaration('import x;', 'x/a.test.mjs')).toThrow(/x\/a\.test\.mjs: no "\/\/ @workspace-test" line/);
    expect(() => parseDeclaration('// @workspace-test uses=docker,kafka', 'a.test.mjs')).toThrow(
      /a\.test\.mjs: uses=kafka is not a part of the stack \(one of docker, cluster, prometheus, postgres\)/,
    );
    expect(() => parseDeclaration('// @workspace-test exclusive=', 'a.test.mjs')).not.toThrow();
    expect(() => parseDeclaration('// @workspace-test fast', 'a.test.mjs')).toThrow(/unknown word "fast"/);
    expect(() => parseDeclaration('// @workspace-test uses', 'a.test.mjs')).toThrow(/unknown word "uses"/);
  });
});

describe('workspace test targets', () => {
  it('a test of shared services is never cached and says what it locks', () => {
    const target = workspaceTestTarget('tools/p/workspace-tests/deploy.test.mjs', { uses: ['docker'], exclusive: ['cluster'], quiet: false, cached: false });
    expect(target).toMatchObject({
      command: 'bash tools/workspace-tests/run.sh --uses docker --exclusive cluster tools/p/workspace-tests/deploy.test.mjs',
      cache: false,
      outputs: ['{workspaceRoot}/reports/workspace-tests/tools/p/workspace-tests/deploy.xml'],
      metadata: { stack: ['docker', 'cluster'], exclusive: ['cluster'] },
    });
    expect(target.inputs).toBeUndefined();
    expect(target.parallelism).toBeUndefined();
  });

  it('a cached test hashes its project, its dependencies and Nx; a quiet one never runs beside another task', () => {
    const target = workspaceTestTarget('scripts/workspace-tests/a.test.mjs', { uses: [], exclusive: [], quiet: true, cached: true }, 'run.sh');
    expect(target).toMatchObject({
      command: 'bash run.sh scripts/workspace-tests/a.test.mjs',
      cache: true,
      inputs: ['default', UNIT_TESTS, MARKDOWN, '^production', 'workspaceTestKit', { externalDependencies: ['nx'] }, { env: 'TEST_ALL_NESTED' }],
      parallelism: false,
    });
  });

  it("a cached test also hashes its stack parts' scripts, what it declares, and the digest of each image it runs", () => {
    const target = workspaceTestTarget('tools/p/workspace-tests/d.test.mjs', {
      uses: ['docker'],
      exclusive: ['cluster'],
      quiet: false,
      cached: true,
      inputs: ['workspaceConfig', 'tools/deploy/**/*', 'Cargo.lock'],
      images: ['agents'],
    });
    expect(target.inputs).toEqual([
      'default',
      UNIT_TESTS,
      MARKDOWN,
      '^production',
      'workspaceTestKit',
      'stack-docker',
      'stack-cluster',
      'workspaceConfig',
      '{workspaceRoot}/tools/deploy/**/*',
      '{workspaceRoot}/Cargo.lock',
      { runtime: 'node tools/workspace-tests/image-reference.mjs agents' },
      { externalDependencies: ['nx'] },
      { env: 'TEST_ALL_NESTED' },
    ]);
    expect(target.metadata).toMatchObject({ stack: ['docker', 'cluster'], images: ['agents'] });
  });
});

describe('workspace test inference', () => {
  let root: string;
  const context = () => ({ workspaceRoot: root, nxJsonConfiguration: {} }) as CreateNodesContextV2;
  const write = (file: string, text: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'infer-wt-'));
    write('project.json', '{}');
    write('apps/a/project.json', '{}');
    write('apps/a/workspace-tests/one.test.mjs', '// @workspace-test uses=cluster\n');
    write('apps/a/workspace-tests/two.test.mjs', '// @workspace-test cached\n');
    write('scripts/workspace-tests/root.test.mjs', '// @workspace-test\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds the owning project: the nearest folder with a project.json, else the root', () => {
    expect(owningProjectRoot('apps/a/workspace-tests', root)).toBe('apps/a');
    expect(owningProjectRoot('scripts/workspace-tests', root)).toBe('.');
  });

  it('gives each project a target per file and one that runs them all', () => {
    const results = workspaceTestNodes(
      ['apps/a/workspace-tests/two.test.mjs', 'scripts/workspace-tests/root.test.mjs', 'apps/a/workspace-tests/one.test.mjs'],
      { workspaceTestTargetName: 'wt' },
      context(),
    );
    const projects = Object.assign({}, ...results.map(([, r]) => r.projects ?? {}));
    expect(Object.keys(projects).sort()).toEqual(['.', 'apps/a']);
    expect(Object.keys(projects['apps/a'].targets).sort()).toEqual(['wt', 'wt--one', 'wt--two']);
    expect(projects['apps/a'].targets.wt).toMatchObject({ executor: 'nx:noop', dependsOn: ['wt--one', 'wt--two'] });
    expect(projects['.'].targets['wt--root'].cache).toBe(false);
  });

  it("a cached test does not hash its project's other test files, only its own and the folder's helpers", () => {
    write('apps/a/workspace-tests/three.test.mjs', '// @workspace-test cached\n');
    write('scripts/workspace-tests/other.test.mjs', '// @workspace-test cached\n');
    const results = workspaceTestNodes(
      [
        'apps/a/workspace-tests/one.test.mjs',
        'apps/a/workspace-tests/two.test.mjs',
        'apps/a/workspace-tests/three.test.mjs',
        'scripts/workspace-tests/other.test.mjs',
        'scripts/workspace-tests/root.test.mjs',
      ],
      undefined,
      context(),
    );
    const projects = Object.assign({}, ...results.map(([, r]) => r.projects ?? {}));
    const inputs = (root: string, target: string) => projects[root].targets[target].inputs as unknown[];
    expect(inputs('apps/a', 'workspace-test--two').slice(0, 5)).toEqual([
      'default',
      UNIT_TESTS,
      MARKDOWN,
      '!{projectRoot}/workspace-tests/one.test.mjs',
      '!{projectRoot}/workspace-tests/three.test.mjs',
    ]);
    expect(inputs('apps/a', 'workspace-test--two')).not.toContain('!{projectRoot}/workspace-tests/two.test.mjs');
    // The root project's paths are the workspace's.
    expect(inputs('.', 'workspace-test--other').slice(0, 4)).toEqual(['default', UNIT_TESTS, MARKDOWN, '!{projectRoot}/scripts/workspace-tests/root.test.mjs']);
  });

  it("a cached test hashes the folder's helpers it imports, directly or through another, and not the others", () => {
    write('apps/a/workspace-tests/fixture.mjs', "import { wait } from './timing.mjs';\nexport const f = wait;\n");
    write('apps/a/workspace-tests/timing.mjs', 'export const wait = 1;\n');
    write('apps/a/workspace-tests/other-fixture.mjs', 'export const g = 2;\n');
    write(
      'apps/a/workspace-tests/two.test.mjs',
      "// @workspace-test cached\nimport { f } from './fixture.mjs';\nimport { h } from '../../../tools/workspace-tests/scratch.mjs';\n",
    );
    write('apps/a/workspace-tests/six.test.mjs', "// @workspace-test cached\nconst { g } = await import('./other-fixture.mjs');\n");
    const results = workspaceTestNodes(['apps/a/workspace-tests/six.test.mjs', 'apps/a/workspace-tests/two.test.mjs'], undefined, context());
    const targets = results[0][1].projects?.['apps/a'].targets ?? {};
    const excluded = (target: string) =>
      (targets[target].inputs as unknown[]).filter((i) => typeof i === 'string' && i.startsWith('!{projectRoot}/workspace-tests/'));
    expect(excluded('workspace-test--two')).toEqual(['!{projectRoot}/workspace-tests/six.test.mjs', '!{projectRoot}/workspace-tests/other-fixture.mjs']);
    expect(excluded('workspace-test--six')).toEqual([
      '!{projectRoot}/workspace-tests/two.test.mjs',
      '!{projectRoot}/workspace-tests/fixture.mjs',
      '!{projectRoot}/workspace-tests/timing.mjs',
    ]);
    expect(isWorkspaceTest('apps/a/workspace-tests/fixture.mjs')).toBe(false);
  });

  it('the kit folder (a project whose root is its workspace-tests folder) keeps every helper: they are workspaceTestKit', () => {
    write('tools/workspace-tests/project.json', '{}');
    write('tools/workspace-tests/scratch.mjs', 'export const s = 1;\n');
    write('tools/workspace-tests/scratch.test.mjs', '// @workspace-test cached\n');
    const results = workspaceTestNodes(['tools/workspace-tests/scratch.test.mjs'], undefined, context());
    const inputs = results[0][1].projects?.['tools/workspace-tests'].targets?.['workspace-test--scratch'].inputs as unknown[];
    expect(inputs.filter((i) => typeof i === 'string' && i.includes('scratch.mjs'))).toEqual([]);
  });

  it("is part of the plugin's one glob and entry point, which matches the helpers too (a changed import infers again) but makes no target of them", async () => {
    write('apps/a/workspace-tests/fixture.mjs', 'export const f = 1;\n');
    expect(picomatch(createNodes[0])('apps/a/workspace-tests/fixture.mjs')).toBe(true);
    const results = await createNodes[1](['apps/a/workspace-tests/fixture.mjs', 'apps/a/workspace-tests/one.test.mjs'], undefined, context());
    expect(results).toHaveLength(1);
    expect(Object.keys(results[0][1].projects?.['apps/a'].targets ?? {}).sort()).toEqual(['workspace-test', 'workspace-test--one']);
  });

  it('a test declared after another of its project depends on it; an unknown one fails the graph', () => {
    write('apps/a/workspace-tests/three.test.mjs', '// @workspace-test after=one\n');
    const results = workspaceTestNodes(['apps/a/workspace-tests/one.test.mjs', 'apps/a/workspace-tests/three.test.mjs'], undefined, context());
    expect(results[0][1].projects?.['apps/a'].targets?.['workspace-test--three'].dependsOn).toEqual(['workspace-test--one']);
    write('apps/a/workspace-tests/four.test.mjs', '// @workspace-test after=nowhere\n');
    expect(() => workspaceTestNodes(['apps/a/workspace-tests/four.test.mjs'], undefined, context())).toThrow(
      /workspace-test--four of apps\/a: after=nowhere is not a workspace test of the same project/,
    );
  });

  it('a test that needs a build depends on that target, so Nx builds or replays it before, outside the test (and outside a quiet slot)', () => {
    write('apps/a/workspace-tests/five.test.mjs', '// @workspace-test quiet needs=engine:build-debug,one\n');
    expect(() => workspaceTestNodes(['apps/a/workspace-tests/five.test.mjs'], undefined, context())).toThrow(
      /apps\/a\/workspace-tests\/five\.test\.mjs: needs=one is not <project>:<target>/,
    );
    write('apps/a/workspace-tests/five.test.mjs', '// @workspace-test quiet after=one needs=engine:build-debug\n');
    const results = workspaceTestNodes(['apps/a/workspace-tests/one.test.mjs', 'apps/a/workspace-tests/five.test.mjs'], undefined, context());
    expect(results[0][1].projects?.['apps/a'].targets?.['workspace-test--five'].dependsOn).toEqual([
      'workspace-test--one',
      { projects: ['engine'], target: 'build-debug' },
    ]);
  });

  it('a bad declaration fails the graph, naming the file', () => {
    write('apps/a/workspace-tests/bad.test.mjs', '// @workspace-test uses=nothing\n');
    expect(() => workspaceTestNodes(['apps/a/workspace-tests/bad.test.mjs'], undefined, context())).toThrow(
      /apps\/a\/workspace-tests\/bad\.test\.mjs: uses=nothing/,
    );
  });
});
