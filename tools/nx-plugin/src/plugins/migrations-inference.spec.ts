import type { CreateNodesContextV2 } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { createNodes } from './inference';

describe('migrations inference', () => {
  let root: string;
  const context = () => ({ workspaceRoot: root, nxJsonConfiguration: {} }) as CreateNodesContextV2;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'infer-migrations-'));
    for (const dir of ['apps/engine', 'loose']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'apps/engine/project.json'), '{}');
    writeFileSync(join(root, 'apps/engine/migrations.yaml'), 'dir: migrations\ntable: engine_schema_migrations\n');
    writeFileSync(join(root, 'loose/migrations.yaml'), 'dir: migrations\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives a project with a migrations.yaml a cached migrations-lint over its folder and an uncached migrate', async () => {
    expect(picomatch(createNodes[0])('apps/a/migrations.yaml')).toBe(true);
    const results = await createNodes[1](['apps/engine/migrations.yaml', 'loose/migrations.yaml'], {}, context());
    const projects = Object.assign({}, ...results.map(([, r]) => r.projects ?? {}));
    expect(Object.keys(projects)).toEqual(['apps/engine']);
    const { 'migrations-lint': lint, migrate } = projects['apps/engine'].targets;
    expect(lint).toMatchObject({ command: 'node tools/migrations/cli.mjs lint apps/engine', cache: true });
    expect(lint.inputs).toContain('{projectRoot}/migrations/**/*.sql');
    expect(migrate).toMatchObject({ command: 'node tools/migrations/cli.mjs migrate apps/engine', cache: false });
  });

  it('refuses a migrations.yaml without its folder, naming the file', async () => {
    writeFileSync(join(root, 'apps/engine/migrations.yaml'), 'table: t\n');
    const error = await Promise.resolve(createNodes[1](['apps/engine/migrations.yaml'], {}, context())).catch((e: { errors: [string, Error][] }) => e);
    expect((error as { errors: [string, Error][] }).errors[0][1].message).toMatch(/apps\/engine\/migrations\.yaml: needs dir/);
  });
});
