import type { FileCoverage } from './model';
import { type Check, meets } from './thresholds';

/** Lines a change adds or modifies, by repository path (lines of the new file, ascending). */
export type ChangedLines = Map<string, number[]>;

/**
 * The added and modified lines of a `git diff --unified=0` (the new side of every hunk). Deleted
 * files and pure deletions add nothing; a renamed file counts under its new path.
 */
export function parseUnifiedDiff(diff: string): ChangedLines {
  const changed: ChangedLines = new Map();
  let path: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim();
      path = target === '/dev/null' ? null : target.replace(/^b\//, '');
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && path) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      const lines = changed.get(path) ?? [];
      for (let n = start; n < start + count; n++) lines.push(n);
      if (lines.length) changed.set(path, lines);
    }
  }
  return changed;
}

/** "3-5, 9": consecutive line numbers as ranges. */
export function lineRanges(lines: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j] + 1) j++;
    out.push(i === j ? `${lines[i]}` : `${lines[i]}-${lines[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

export interface PatchResult {
  /** The changed executable lines, gated like any other line check. */
  check: Check;
  /** Changed executable lines no test ran, per file. */
  uncovered: Array<{ path: string; lines: number[] }>;
  /** Changed files the reports do not cover at all (new files no test imports, or not code). */
  unreported: string[];
}

/**
 * Patch coverage (diff-cover's and Codecov's patch status): of the lines a change adds or
 * modifies, those the report counts as executable, and how many of them ran. A changed line the
 * report does not list (a comment, a blank line, a declaration) is not executable and not counted.
 */
export function evaluatePatch(changed: ChangedLines, files: FileCoverage[], threshold: number, base: string): PatchResult {
  const byPath = new Map(files.map((f) => [f.path, f]));
  let total = 0;
  let covered = 0;
  const uncovered: PatchResult['uncovered'] = [];
  const unreported: string[] = [];
  for (const [path, lines] of changed) {
    const hits = byPath.get(path)?.lineHits;
    if (!hits) {
      unreported.push(path);
      continue;
    }
    const missed: number[] = [];
    for (const line of lines) {
      const hit = hits.get(line);
      if (hit === undefined) continue;
      total += 1;
      if (hit > 0) covered += 1;
      else missed.push(line);
    }
    if (missed.length) uncovered.push({ path, lines: missed });
  }
  const counter = { total, covered };
  return {
    check: { scope: `patch (lines changed since ${base})`, metric: 'lines', covered, total, threshold, passed: meets(counter, threshold) },
    uncovered,
    unreported,
  };
}
