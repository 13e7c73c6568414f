import { type Counter, type CoverageReport, type FileCoverage, ReportError } from './model';

type Json = Record<string, unknown>;

function parseJson(text: string, source: string): Json {
  if (text.trim() === '') throw new ReportError(source, '', 'empty report');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReportError(source, '', `malformed JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReportError(source, '', 'expected a JSON object keyed by file');
  }
  return value as Json;
}

function counter(entry: unknown, source: string, where: string): Counter {
  const e = entry as Json | undefined;
  if (!e || typeof e.total !== 'number' || typeof e.covered !== 'number') {
    throw new ReportError(source, where, 'expected { total, covered } numbers');
  }
  return { total: e.total, covered: e.covered };
}

/** Istanbul json-summary (Jest's coverage-summary.json): per-file totals plus a "total" entry. */
export function parseIstanbulSummary(text: string, source: string): CoverageReport {
  const json = parseJson(text, source);
  const files: FileCoverage[] = Object.entries(json)
    .filter(([key]) => key !== 'total')
    .map(([path, entry]) => ({
      path,
      lines: counter((entry as Json)?.lines, source, `${path}.lines`),
      branches: counter((entry as Json)?.branches, source, `${path}.branches`),
      functions: counter((entry as Json)?.functions, source, `${path}.functions`),
    }));
  if (files.length === 0) throw new ReportError(source, '', 'empty report: no files');
  return { format: 'istanbul-summary', source, files, sourceRoots: [] };
}

interface Loc {
  start: { line: number };
}

/** Istanbul coverage-final.json: raw hit maps; lines computed as istanbul-lib-coverage does. */
export function parseIstanbulFinal(text: string, source: string): CoverageReport {
  const json = parseJson(text, source);
  const files: FileCoverage[] = [];
  for (const [key, raw] of Object.entries(json)) {
    const entry = raw as Json;
    const where = (field: string) => `${key}.${field}`;
    for (const field of ['statementMap', 's', 'fnMap', 'f', 'branchMap', 'b']) {
      if (typeof entry?.[field] !== 'object' || entry[field] === null) {
        throw new ReportError(source, where(field), 'missing or not an object');
      }
    }
    const statementMap = entry.statementMap as Record<string, Loc>;
    const s = entry.s as Record<string, number>;
    const lineHits = new Map<number, number>();
    for (const [id, loc] of Object.entries(statementMap)) {
      const line = loc?.start?.line;
      if (typeof line !== 'number') throw new ReportError(source, where(`statementMap.${id}`), 'no start.line');
      const hits = s[id] ?? 0;
      lineHits.set(line, Math.max(lineHits.get(line) ?? 0, hits));
    }
    const f = Object.values(entry.f as Record<string, number>);
    const b = Object.values(entry.b as Record<string, number[]>).flat();
    files.push({
      path: typeof entry.path === 'string' ? entry.path : key,
      lines: { total: lineHits.size, covered: [...lineHits.values()].filter((h) => h > 0).length },
      functions: { total: f.length, covered: f.filter((h) => h > 0).length },
      branches: { total: b.length, covered: b.filter((h) => h > 0).length },
    });
  }
  if (files.length === 0) throw new ReportError(source, '', 'empty report: no files');
  return { format: 'istanbul-final', source, files, sourceRoots: [] };
}
