import type { CreateNodesContextV2 } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { createNodes } from './inference';

describe('combined inference', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'infer-all-'));
    for (const dir of ['apps/engine', 'loose']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'apps/engine/project.json'), '{}');
    writeFileSync(join(root, 'apps/engine/Cargo.toml'), '[package]\nname = "engine"\n');
    writeFileSync(join(root, 'apps/engine/Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(root, 'loose/Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('matches coverage configs and Dockerfiles with one glob', () => {
    const match = picomatch(createNodes[0]);
    expect(['apps/a/Dockerfile', 'apps/a/Cargo.toml', 'apps/a/jest.config.cjs', 'apps/a/pyproject.toml'].every((f) => match(f))).toBe(true);
    expect(match('apps/a/Dockerfile.dev')).toBe(false);
    expect(match('apps/a/load.yaml')).toBe(true);
  });

  it('gives projects with a Dockerfile a docker-build target after build, and coverage where reports exist', async () => {
    const results = await createNodes[1](
      ['apps/engine/Cargo.toml', 'apps/engine/Dockerfile', 'loose/Dockerfile', 'Dockerfile'],
      { dockerBuildTargetName: 'image' },
      { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2,
    );
    const byFile = Object.fromEntries(results);
    expect(byFile['apps/engine/Cargo.toml'].projects?.['apps/engine'].targets?.coverage).toBeDefined();
    const image = byFile['apps/engine/Dockerfile'].projects?.['apps/engine'].targets?.image;
    expect(image).toMatchObject({
      executor: '@trading/nx-plugin:docker-build',
      dependsOn: ['build'],
      cache: false,
      inputs: [
        '{projectRoot}/**/*',
        '{workspaceRoot}/tools/nx-plugin/src/executors/docker-build/**/*',
        '{workspaceRoot}/tools/nx-plugin/src/supply-chain/**/*',
      ],
      options: { dockerfile: 'apps/engine/Dockerfile', context: '.' },
      configurations: { push: { push: true, registryCache: true, attest: true } },
    });
    expect(byFile['apps/engine/Dockerfile'].projects?.['apps/engine'].targets?.attest).toMatchObject({
      executor: '@trading/nx-plugin:attest',
      cache: false,
      options: { dockerfile: 'apps/engine/Dockerfile' },
    });
    expect(byFile['loose/Dockerfile']).toEqual({});
    expect(byFile['Dockerfile']).toEqual({});
  });

  it('uses the default target name', async () => {
    const [[, result]] = await createNodes[1](['apps/engine/Dockerfile'], undefined, { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2);
    expect(Object.keys(result.projects?.['apps/engine'].targets ?? {})).toEqual(['docker-build', 'attest']);
  });

  it('gives projects with a load.yaml an uncached load target run by our executor', async () => {
    writeFileSync(join(root, 'apps/engine/load.yaml'), 'endpoints: [/]\n');
    writeFileSync(join(root, 'loose/load.yaml'), 'endpoints: [/]\n');
    const results = await createNodes[1](['apps/engine/load.yaml', 'loose/load.yaml'], { loadTargetName: 'perf' }, {
      workspaceRoot: root,
      nxJsonConfiguration: {},
    } as CreateNodesContextV2);
    const byFile = Object.fromEntries(results);
    expect(byFile['apps/engine/load.yaml'].projects?.['apps/engine'].targets?.perf).toMatchObject({
      executor: '@trading/nx-plugin:load',
      cache: false,
      inputs: ['{projectRoot}/load.yaml', '{workspaceRoot}/tools/nx-plugin/src/executors/load/**/*'],
      options: { config: 'load.yaml' },
    });
    expect(byFile['loose/load.yaml']).toEqual({});
  });
});
