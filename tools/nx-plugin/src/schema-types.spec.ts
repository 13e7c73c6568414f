import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every schema.d.ts is generated from its schema.json (scripts/schema-types.mjs): the types of
// an executor's or generator's options cannot drift from what Nx validates and defaults.
const plugin = join(__dirname, '..');
const script = join(plugin, 'scripts', 'schema-types.mjs');
const check = (dir: string) => {
  try {
    execFileSync(process.execPath, [script, '--check', '--plugin', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, stderr: e.stderr };
  }
};

describe('schema.d.ts generated from schema.json', () => {
  it('every executor and generator schema.d.ts is what its schema.json generates', () => {
    expect(check(plugin)).toEqual({ code: 0, stderr: '' });
  });

  it('a schema.json changed without regenerating is named, with the command that regenerates it', () => {
    const copy = mkdtempSync(join(tmpdir(), 'schema-types-'));
    try {
      cpSync(join(plugin, 'src'), join(copy, 'src'), { recursive: true, filter: (p) => !p.includes('node_modules') });
      const json = join(copy, 'src', 'executors', 'reconcile', 'schema.json');
      const schema = JSON.parse(readFileSync(json, 'utf8'));
      schema.properties.maxServices = { type: 'integer', description: 'an option added to schema.json only' };
      writeFileSync(json, JSON.stringify(schema));
      const result = check(copy);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('src/executors/reconcile/schema.d.ts');
      expect(result.stderr).toContain('run node tools/nx-plugin/scripts/schema-types.mjs');
      expect(result.stderr).not.toContain('rollback');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
