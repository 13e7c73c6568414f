import type { ExecutorContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import coverageExecutor from './coverage.impl';

describe('coverage executor', () => {
  let root: string;
  const context = (projectName?: string) =>
    ({
      root,
      projectName,
      projectsConfigurations: { version: 2, projects: { lib: { root: 'libs/lib' } } },
    }) as unknown as ExecutorContext;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cov-exec-'));
    mkdirSync(join(root, 'libs/lib/src'), { recursive: true });
    mkdirSync(join(root, 'coverage/libs/lib'), { recursive: true });
    writeFileSync(join(root, 'libs/lib/src/a.ts'), '');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    delete process.env.GITHUB_STEP_SUMMARY;
  });

  const report = (hit: number) =>
    writeFileSync(join(root, 'coverage/libs/lib/lcov.info'), `SF:${join(root, 'libs/lib/src/a.ts')}\nLF:10\nLH:${hit}\nend_of_record\n`);

  it('succeeds when the gate passes and appends to the GitHub step summary', async () => {
    report(9);
    process.env.GITHUB_STEP_SUMMARY = join(root, 'summary.md');
    await expect(coverageExecutor({ reports: ['coverage/{projectRoot}/lcov.info'] }, context('lib'))).resolves.toEqual({ success: true });
  });

  it('fails when a threshold is missed or the report is missing', async () => {
    report(5);
    await expect(coverageExecutor({ reports: ['coverage/libs/lib/lcov.info'] }, context('lib'))).resolves.toEqual({ success: false });
    await expect(coverageExecutor({ reports: ['coverage/libs/lib/none.info'] }, context('lib'))).resolves.toEqual({ success: false });
  });

  it('needs a project', async () => {
    await expect(coverageExecutor({ reports: ['x.info'] }, context())).rejects.toThrow('nx run <project>:coverage');
  });
});
