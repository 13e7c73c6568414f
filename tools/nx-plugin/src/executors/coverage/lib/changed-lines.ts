import { execFileSync } from 'node:child_process';
import { type ChangedLines, parseUnifiedDiff } from './patch';

/**
 * The lines changed under `projectRoot` between the merge base of `base` and HEAD and the working
 * tree (what a pull request adds, plus anything not committed yet), by repository path.
 */
export function changedLines(workspaceRoot: string, base: string, projectRoot: string): ChangedLines {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  let mergeBase: string;
  try {
    mergeBase = git('merge-base', base, 'HEAD').trim();
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? error).split('\n')[0];
    throw new Error(
      `patch coverage: cannot compare with ${base} (${detail}); fetch it first (actions/checkout with fetch-depth: 0), or pass --patchBase=<commit>`,
    );
  }
  return parseUnifiedDiff(
    git('diff', '--unified=0', '--no-color', '--no-ext-diff', '--find-renames', mergeBase, '--', projectRoot === '.' ? '.' : projectRoot),
  );
}
