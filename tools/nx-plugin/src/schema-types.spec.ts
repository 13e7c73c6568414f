import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What is generated from each schema.json, the only description of an executor's or generator's
// options: its schema.d.ts (scripts/schema-types.mjs) and the README's options reference
// (scripts/schema-docs.mjs). Neither can drift from what Nx validates and defaults.
const plugin = join(__dirname, '..');
const typesScript = join(plugin, 'scripts', 'schema-types.mjs');
const docsScript = join(plugin, 'scripts', 'schema-docs.mjs');
const check = (dir: string, script = typesScript) => {
  try {
    execFileSync(process.execPath, [script, '--check', '--plugin', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, stderr: e.stderr };
  }
};

/** A copy of the plugin's sources and README whose reconcile schema.json gained an option, nothing regenerated. */
const changedCopy = () => {
  const copy = mkdtempSync(join(tmpdir(), 'schema-generated-'));
  cpSync(join(plugin, 'src'), join(copy, 'src'), { recursive: true, filter: (p) => !p.includes('node_modules') });
  cpSync(join(plugin, 'README.md'), join(copy, 'README.md'));
  const json = join(copy, 'src', 'executors', 'reconcile', 'schema.json');
  const schema = JSON.parse(readFileSync(json, 'utf8'));
  schema.properties.maxServices = { type: 'integer', description: 'an option added to schema.json only' };
  writeFileSync(json, JSON.stringify(schema));
  return copy;
};

describe('schema.d.ts generated from schema.json', () => {
  it('every executor and generator schema.d.ts is what its schema.json generates', () => {
    expect(check(plugin)).toEqual({ code: 0, stderr: '' });
  });

  it('a schema.json changed without regenerating is named, with the command that regenerates it', () => {
    const copy = changedCopy();
    try {
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

describe('the options reference generated from schema.json', () => {
  it('documents every executor and generator option, with its type, default and description', () => {
    expect(check(plugin, docsScript)).toEqual({ code: 0, stderr: '' });
    const readme = readFileSync(join(plugin, 'README.md'), 'utf8');
    for (const name of ['coverage', 'docker-build', 'gke-deploy', 'rollback', 'release-status', 'reconcile', 'service', 'library']) {
      expect(readme).toMatch(new RegExp(`^### \`${name}\` (executor|generator)$`, 'm'));
    }
    expect(readme).toMatch(/^\| `alertEnvironment` \| string \| {2}\| With --alert: the environment whose credentials/m);
    expect(readme).toMatch(/^\| `alertCooldownMinutes` \| number \| `30` \|/m);
  });

  it('a schema.json changed without regenerating makes the reference stale, with the command that fixes it', () => {
    const copy = changedCopy();
    try {
      const result = check(copy, docsScript);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('run node tools/nx-plugin/scripts/schema-docs.mjs');
      execFileSync(process.execPath, [docsScript, '--plugin', copy]);
      expect(readFileSync(join(copy, 'README.md'), 'utf8')).toContain('| `maxServices` | integer |  | an option added to schema.json only |');
      expect(check(copy, docsScript).code).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
