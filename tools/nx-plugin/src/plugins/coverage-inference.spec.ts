import type { CreateNodesContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COVERAGE_CONFIG_GLOB, DEFAULT_THRESHOLDS, createNodes, reportForConfig } from './coverage-inference';

describe('reportForConfig', () => {
  it('finds the report each toolchain is configured to write', () => {
    expect(reportForConfig('apps/agents/pyproject.toml', '[tool.coverage.run]\nbranch = true\n')).toBe('coverage/apps/agents/coverage.xml');
    expect(reportForConfig('apps/engine/Cargo.toml', '[package]\nname = "engine"\n')).toBe('coverage/apps/engine/lcov.info');
    expect(reportForConfig('apps/web/jest.config.cjs', "coverageDirectory: '../../coverage/apps/web',")).toBe('coverage/apps/web/coverage-summary.json');
  });

  it('infers nothing where no coverage is configured', () => {
    expect(reportForConfig('libs/x/pyproject.toml', '[project]\nname = "x"\n')).toBeUndefined();
    expect(reportForConfig('Cargo.toml/x/Cargo.toml', '[workspace]\nmembers = []\n')).toBeUndefined();
    expect(reportForConfig('libs/y/jest.config.ts', 'export default {};')).toBeUndefined();
  });
});

describe('createNodes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'infer-'));
    mkdirSync(join(root, 'apps/agents'), { recursive: true });
    mkdirSync(join(root, 'loose'), { recursive: true });
    writeFileSync(join(root, 'apps/agents/project.json'), '{}');
    writeFileSync(join(root, 'apps/agents/pyproject.toml'), '[tool.coverage.run]\n');
    writeFileSync(join(root, 'loose/pyproject.toml'), '[tool.coverage.run]\n');
    writeFileSync(join(root, 'Cargo.toml'), '[workspace]\n');
    writeFileSync(join(root, 'project.json'), '{}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (options?: Parameters<(typeof createNodes)[1]>[1]) =>
    createNodes[1](['apps/agents/pyproject.toml', 'loose/pyproject.toml', 'Cargo.toml'], options, {
      workspaceRoot: root,
      nxJsonConfiguration: {},
    } as CreateNodesContext);

  it('adds a coverage target depending on test to projects with a coverage config only', async () => {
    expect(COVERAGE_CONFIG_GLOB).toContain('pyproject.toml');
    const results = await run();
    const projects = results.flatMap(([, r]) => Object.entries(r.projects ?? {}));
    expect(projects.map(([root]) => root)).toEqual(['apps/agents']);
    const target = projects[0][1].targets!.coverage;
    expect(target).toMatchObject({
      executor: '@trading/nx-plugin:coverage',
      dependsOn: ['test'],
      cache: true,
      options: { reports: ['coverage/apps/agents/coverage.xml'], thresholds: DEFAULT_THRESHOLDS },
    });
  });

  it('takes the target name and workspace thresholds from the plugin options', async () => {
    const results = await run({ coverageTargetName: 'cov', thresholds: { lines: 90 } });
    const [, result] = results.find(([file]) => file === 'apps/agents/pyproject.toml')!;
    expect(result.projects!['apps/agents'].targets!.cov.options.thresholds).toEqual({ lines: 90 });
  });
});
