import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The README's options reference is generated from every schema.json (scripts/schema-docs.mjs):
// the documentation of an executor's or generator's options cannot drift from what Nx validates.
const plugin = join(__dirname, '..');
const script = join(plugin, 'scripts', 'schema-docs.mjs');
const check = (dir: string) => {
  try {
    execFileSync(process.execPath, [script, '--check', '--plugin', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, stderr: e.stderr };
  }
};

describe('the options reference generated from schema.json', () => {
  it('documents every executor and generator option, with its type, default and description', () => {
    expect(check(plugin)).toEqual({ code: 0, stderr: '' });
    const readme = readFileSync(join(plugin, 'README.md'), 'utf8');
    for (const name of ['coverage', 'docker-build', 'gke-deploy', 'rollback', 'release-status', 'reconcile', 'service', 'library']) {
      expect(readme).toMatch(new RegExp(`^### \`${name}\` (executor|generator)$`, 'm'));
    }
    expect(readme).toMatch(/^\| `alertEnvironment` \| string \| {2}\| With --alert: the environment whose credentials/m);
    expect(readme).toMatch(/^\| `alertCooldownMinutes` \| number \| `30` \|/m);
  });

  it('a schema.json changed without regenerating makes the reference stale, with the command that fixes it', () => {
    const copy = mkdtempSync(join(tmpdir(), 'schema-docs-'));
    try {
      cpSync(join(plugin, 'src'), join(copy, 'src'), { recursive: true });
      cpSync(join(plugin, 'README.md'), join(copy, 'README.md'));
      const json = join(copy, 'src', 'executors', 'reconcile', 'schema.json');
      const schema = JSON.parse(readFileSync(json, 'utf8'));
      schema.properties.maxServices = { type: 'integer', description: 'an option added to schema.json only' };
      writeFileSync(json, JSON.stringify(schema));
      const result = check(copy);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('run node tools/nx-plugin/scripts/schema-docs.mjs');
      execFileSync(process.execPath, [script, '--plugin', copy]);
      expect(readFileSync(join(copy, 'README.md'), 'utf8')).toContain('| `maxServices` | integer |  | an option added to schema.json only |');
      expect(check(copy).code).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
