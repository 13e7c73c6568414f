#!/usr/bin/env node
// The plugin's package bundles the release model (libs/release-model), which it imports: the
// model's build is copied into the package's node_modules and named in bundleDependencies, so
// `npm pack` of dist/tools/nx-plugin carries it and a workspace installing the tarball needs no
// registry for it. Run by `nx run @trading/nx-plugin:build` after both are compiled.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const plugin = join(root, 'dist/tools/nx-plugin');
const model = join(root, 'dist/libs/release-model');
for (const [dir, what] of [
  [plugin, 'nx run @trading/nx-plugin:compile'],
  [model, 'nx run release-model:build'],
]) {
  if (!existsSync(join(dir, 'package.json'))) {
    console.error(`bundle-release-model: ${dir} has no package.json: run ${what} first`);
    process.exit(1);
  }
}
const modelPackage = JSON.parse(readFileSync(join(model, 'package.json'), 'utf8'));
const target = join(plugin, 'node_modules', modelPackage.name);
rmSync(target, { recursive: true, force: true });
cpSync(model, target, { recursive: true, filter: (source) => !source.endsWith('.js.map') });
const manifestFile = join(plugin, 'package.json');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
manifest.dependencies = { ...manifest.dependencies, [modelPackage.name]: modelPackage.version };
manifest.bundleDependencies = [...new Set([...(manifest.bundleDependencies ?? []), modelPackage.name])];
writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`bundle-release-model: ${modelPackage.name}@${modelPackage.version} bundled in ${plugin}/node_modules`);
