import type { ExecutorContext } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dockerBuildExecutor from './docker-build.impl';

describe('docker-build executor', () => {
  const root = mkdtempSync(join(tmpdir(), 'docker-exec-'));
  mkdirSync(join(root, 'apps/engine'), { recursive: true });
  writeFileSync(join(root, 'apps/engine/Dockerfile'), 'FROM scratch\n');
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x'], { cwd: root });
  const context = (projectName?: string) =>
    ({
      root,
      projectName,
      projectsConfigurations: { version: 2, projects: { engine: { root: 'apps/engine' } } },
      projectGraph: { nodes: { engine: { name: 'engine', type: 'app', data: { root: 'apps/engine' } } }, dependencies: { engine: [] } },
    }) as unknown as ExecutorContext;

  it('succeeds on a dry run and fails on bad input without throwing', async () => {
    expect(await dockerBuildExecutor({ dryRun: true }, context('engine'))).toEqual({ success: true });
    expect(await dockerBuildExecutor({ dockerfile: 'nope/Dockerfile' }, context('engine'))).toEqual({ success: false });
  });

  it('needs a project', async () => {
    await expect(dockerBuildExecutor({}, context())).rejects.toThrow(/run this executor for a project/);
  });
});
