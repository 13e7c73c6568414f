import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { CoverageReport, FileCoverage } from './model';

export interface Resolution {
  files: FileCoverage[];
  /** Paths the report names that are not files of this repository. */
  missing: string[];
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
  for (const file of report.files) {
    const candidates = isAbsolute(file.path) ? [file.path] : bases.map((b) => join(b, file.path));
    const found = candidates.find((c) => exists(c));
    const rel = found && relative(workspaceRoot, found);
    if (!rel || rel.startsWith('..')) {
      missing.push(file.path);
      continue;
    }
    files.push({ ...file, path: toPosix(rel) });
  }
  return { files, missing };
}
