// Each executor's and generator's `schema.d.ts` is generated from its `schema.json`, the only
// description of its options (json-schema-to-typescript, formatted with the workspace's Prettier
// settings), so the types cannot drift from what Nx validates and defaults.
//   node tools/nx-plugin/scripts/schema-types.mjs          write every schema.d.ts
//   node tools/nx-plugin/scripts/schema-types.mjs --check  exit 1 naming each stale or missing one
//   --plugin DIR: another plugin folder (the spec checks a changed copy)
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(here, '..', '..');
const at = process.argv.indexOf('--plugin');
const plugin = at > 0 ? process.argv[at + 1] : here;

const pascal = (name) => name.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());

/** Every schema.json of an executor or generator, with the interface name its code imports. */
export function schemaFiles() {
  return ['executors', 'generators'].flatMap((kind) =>
    readdirSync(join(plugin, 'src', kind), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(plugin, 'src', kind, d.name, 'schema.json')))
      // A schema without options (cargo-closure) has nothing to type: its code takes none.
      .filter((d) => Object.keys(JSON.parse(readFileSync(join(plugin, 'src', kind, d.name, 'schema.json'), 'utf8')).properties ?? {}).length > 0)
      .map((d) => ({
        json: join(plugin, 'src', kind, d.name, 'schema.json'),
        dts: join(plugin, 'src', kind, d.name, 'schema.d.ts'),
        name: `${pascal(d.name)}${kind === 'executors' ? 'ExecutorOptions' : 'GeneratorSchema'}`,
      })),
  );
}

/** The declaration file for one schema.json: its text. */
export async function schemaTypes(jsonPath, name) {
  // The interface is named for the code that imports it, not by the schema's title or $id.
  const schema = JSON.parse(readFileSync(jsonPath, 'utf8'));
  delete schema.title;
  delete schema.$id;
  const style = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8'));
  return compile(schema, name, {
    bannerComment: `// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.`,
    additionalProperties: false,
    // `minItems: 1` would make arrays tuples; the schema (Nx) already refuses an empty one.
    ignoreMinAndMaxItems: true,
    style,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const { json, dts, name } of schemaFiles()) {
    const text = await schemaTypes(json, name);
    const current = existsSync(dts) ? readFileSync(dts, 'utf8') : null;
    if (current === text) continue;
    if (check) stale.push(relative(root, dts));
    else {
      writeFileSync(dts, text);
      console.log(`wrote ${relative(root, dts)}`);
    }
  }
  if (stale.length > 0) {
    console.error(`stale or missing (run node tools/nx-plugin/scripts/schema-types.mjs): ${stale.join(', ')}`);
    process.exit(1);
  }
}
