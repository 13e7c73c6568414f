import type { CoverageReport } from './model';
import { resolveReportPaths } from './resolve-paths';

const report = (paths: string[], sourceRoots: string[] = [], source = 'coverage/apps/a/lcov.info'): CoverageReport => ({
  format: 'lcov',
  source,
  sourceRoots,
  files: paths.map((path) => ({ path, lines: { covered: 1, total: 1 } })),
});

describe('resolveReportPaths', () => {
  const existing = new Set(['/repo/apps/a/src/x.py', '/repo/apps/a/lib/y.ts', '/repo/libs/z.rs', '/elsewhere/w.rs']);
  const exists = (p: string) => existing.has(p);

  it('makes absolute paths in the repository relative to it', () => {
    expect(resolveReportPaths(report(['/repo/libs/z.rs']), '/repo', 'apps/a', exists).files[0].path).toBe('libs/z.rs');
  });

  it('resolves relative paths against Cobertura sources, the project root and the workspace root', () => {
    const r = resolveReportPaths(report(['x.py', 'lib/y.ts', 'libs/z.rs'], ['src']), '/repo', 'apps/a', exists);
    expect(r.files.map((f) => f.path)).toEqual(['apps/a/src/x.py', 'apps/a/lib/y.ts', 'libs/z.rs']);
    expect(r.missing).toEqual([]);
  });

  it('accepts absolute report and source paths', () => {
    const r = resolveReportPaths(report(['src/x.py', 'x.py'], ['/repo/apps/a/src'], '/repo/apps/a/cov.xml'), '/repo', 'apps/a', exists);
    expect(r.files.map((f) => f.path)).toEqual(['apps/a/src/x.py', 'apps/a/src/x.py']);
  });

  it('reports files that are not in the repository', () => {
    const r = resolveReportPaths(report(['gone.py', '/elsewhere/w.rs']), '/repo', 'apps/a', exists);
    expect(r.files).toEqual([]);
    expect(r.missing).toEqual(['gone.py', '/elsewhere/w.rs']);
  });

  it('maps absolute paths of another checkout of this repository (a report replayed from a cache) into this one', () => {
    const r = resolveReportPaths(report(['/tmp/ci-1/apps/a/src/x.py', '/home/runner/work/t/t/libs/z.rs', '/tmp/ci-1/nowhere/x.py']), '/repo', 'apps/a', exists);
    expect(r.files.map((f) => f.path)).toEqual(['apps/a/src/x.py', 'libs/z.rs']);
    expect(r.missing).toEqual(['/tmp/ci-1/nowhere/x.py']);
    expect(r.relocatedFrom).toEqual(['/tmp/ci-1', '/home/runner/work/t/t']);
  });
});
