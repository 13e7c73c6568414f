import { type Tree, joinPathFragments } from '@nx/devkit';
import { parse } from 'smol-toml';
import { HEADER, closureLines, parseCargoLock } from './closure';

export const CLOSURE_FILE = 'cargo-closure.txt';

/**
 * Global sync generator (nx.json sync.globalGenerators): writes each Cargo workspace member's
 * locked dependency closure to <member>/cargo-closure.txt. `npx nx sync` updates them after a
 * Cargo.lock change; `npx nx sync:check` (CI) fails while one is stale.
 */
export default function cargoClosure(tree: Tree): { outOfSyncMessage: string } | undefined {
  if (!tree.exists('Cargo.toml') || !tree.exists('Cargo.lock')) return undefined;
  const workspace = parse(tree.read('Cargo.toml', 'utf-8')!) as { workspace?: { members?: string[] } };
  const packages = parseCargoLock(tree.read('Cargo.lock', 'utf-8')!);
  const stale: string[] = [];
  for (const member of workspace.workspace?.members ?? []) {
    const manifest = parse(tree.read(joinPathFragments(member, 'Cargo.toml'), 'utf-8') ?? '') as { package?: { name?: string } };
    const name = manifest.package?.name;
    if (!name) throw new Error(`${member}/Cargo.toml names no package`);
    const file = joinPathFragments(member, CLOSURE_FILE);
    const content = [...HEADER, ...closureLines(packages, name)].join('\n') + '\n';
    if (tree.read(file, 'utf-8') !== content) {
      tree.write(file, content);
      stale.push(file);
    }
  }
  if (stale.length)
    return { outOfSyncMessage: `The locked Cargo dependency closures are stale after a Cargo.lock change: ${stale.join(', ')}. Run \`npx nx sync\`.` };
  return undefined;
}
