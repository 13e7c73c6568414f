import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { CoverageReport, FileCoverage } from './model';

export interface Resolution {
  files: FileCoverage[];
  /** Paths the report names that are not files of this repository. */
  missing: string[];
  /** Checkouts the report was written in, other than this one, whose paths were mapped into this one. */
  relocatedFrom: string[];
}

/**
 * An absolute path written in another checkout of this repository (a test result replayed from the
 * local or remote Nx cache carries the paths of the machine that ran it): the longest tail of at
 * least two segments that names a file here, and the checkout it came from.
 */
function relocate(path: string, workspaceRoot: string, exists: (path: string) => boolean): { found: string; from: string } | undefined {
  const segments = toPosix(path).split('/').filter(Boolean);
  for (let i = 1; i <= segments.length - 2; i++) {
    const candidate = join(workspaceRoot, ...segments.slice(i));
    if (exists(candidate)) return { found: candidate, from: `/${segments.slice(0, i).join('/')}` };
  }
  return undefined;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Rewrite report paths as repository-relative paths. Relative paths are tried against the
 * report's own <sources>, the report's folder, the project root and the workspace root, in
 * that order; the first that names an existing file wins.
 */
export function resolveReportPaths(
  report: CoverageReport,
  workspaceRoot: string,
  projectRoot: string,
  exists: (path: string) => boolean = existsSync,
): Resolution {
  const bases = [
    ...report.sourceRoots.map((s) => (isAbsolute(s) ? s : join(workspaceRoot, projectRoot, s))),
    dirname(isAbsolute(report.source) ? report.source : join(workspaceRoot, report.source)),
    join(workspaceRoot, projectRoot),
    workspaceRoot,
  ];
  const files: FileCoverage[] = [];
  const missing: string[] = [];
  const relocatedFrom = new Set<string>();
  for (const file of report.files) {
    const candidates = isAbsolute(file.path) ? [file.path] : bases.map((b) => join(b, file.path));
    let found = candidates.find((c) => exists(c) && !relative(workspaceRoot, c).startsWith('..'));
    if (!found && isAbsolute(file.path) && relative(workspaceRoot, file.path).startsWith('..')) {
      const moved = relocate(file.path, workspaceRoot, exists);
      if (moved) relocatedFrom.add(moved.from);
      found = moved?.found;
    }
    if (!found) {
      missing.push(file.path);
      continue;
    }
    files.push({ ...file, path: toPosix(relative(workspaceRoot, found)), reportedAs: file.path });
  }
  return { files, missing, relocatedFrom: [...relocatedFrom] };
}
