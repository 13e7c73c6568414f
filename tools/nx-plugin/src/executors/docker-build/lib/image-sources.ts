import type { ProjectGraph } from '@nx/devkit';

/**
 * What every image is built from besides its projects: the base images' definitions, the
 * executor that builds it, and the workspace root's files (lockfiles, toolchain pins, Nx and
 * TypeScript configuration) but its Markdown (README, CHANGELOG: no image holds them; the main job
 * records its runs in the README), as git pathspecs: with `glob`, `*` is the root's own files.
 */
export const SHARED_IMAGE_SOURCES = ['tools/docker', 'tools/nx-plugin/src/executors/docker-build', ':(glob)*', ':(glob,exclude)*.md'] as const;

/**
 * The paths an image's sources live under, for its revision label (source-info.ts): the project's
 * root and the roots of every workspace project it depends on, directly or not, then the shared
 * sources. Wider than the image's own files, never narrower: a change anywhere in them is a new
 * revision, and only a commit outside all of them keeps the image's labels (and digest).
 */
export function imageSourcePaths(graph: Pick<ProjectGraph, 'nodes' | 'dependencies'>, project: string): string[] {
  if (!graph.nodes[project]) throw new Error(`docker-build: ${project} is not a project of the workspace's graph`);
  const roots = new Set<string>();
  const seen = new Set<string>();
  const queue = [project];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = graph.nodes[name];
    if (!node) continue; // npm:… and other external nodes: the root's lockfiles
    if (node.data.root && node.data.root !== '.') roots.add(node.data.root);
    for (const dependency of graph.dependencies[name] ?? []) queue.push(dependency.target);
  }
  return [...[...roots].sort(), ...SHARED_IMAGE_SOURCES];
}
