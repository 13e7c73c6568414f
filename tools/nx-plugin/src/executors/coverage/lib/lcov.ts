import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type Counter, type CoverageReport, type FileCoverage, type KeepDetail, ReportError } from './model';

interface Record {
  path: string;
  lines: Map<number, number>;
  branches: Counter;
  fnFound?: number;
  fnHit?: number;
  fnNames: Set<string>;
  fnHitNames: Set<string>;
  lf?: number;
  lh?: number;
  /** Per-branch detail, only for a file the caller keeps detail for. */
  branchHits?: Map<string, Counter>;
}

/** Records that carry a producer's own per-file totals, and where each is kept. */
const TOTALS = { FNF: 'fnFound', FNH: 'fnHit', LF: 'lf', LH: 'lh' } as const;

function count(value: string, source: string, lineNo: number, field: string): number {
  if (!/^\d+$/.test(value)) throw new ReportError(source, `line ${lineNo}`, `${field} is not a count: ${JSON.stringify(value)}`);
  return Number(value);
}

function finish(r: Record): FileCoverage {
  // LF/LH are the producer's own totals (what llvm-cov, coverage.py and istanbul print); DA
  // records are the fallback for producers that omit them.
  const lines: Counter =
    r.lf !== undefined ? { total: r.lf, covered: r.lh ?? 0 } : { total: r.lines.size, covered: [...r.lines.values()].filter((h) => h > 0).length };
  const functions: Counter | undefined =
    r.fnFound !== undefined
      ? { total: r.fnFound, covered: r.fnHit ?? 0 }
      : r.fnNames.size > 0
        ? { total: r.fnNames.size, covered: r.fnHitNames.size }
        : undefined; // the producer records no functions: not measured, not zero
  return {
    path: r.path,
    lines,
    ...(functions ? { functions } : {}),
    ...(r.branches.total > 0 ? { branches: r.branches } : {}), // no BRDA: not measured
    ...(r.branchHits ? { lineHits: r.lines, branchHits: r.branchHits } : {}),
  };
}

/**
 * Stream an LCOV tracefile (geninfo format: SF, DA, FN/FNDA/FNF/FNH, BRDA/BRF/BRH, LF/LH,
 * end_of_record). Memory grows with the number of files and lines in one record, not the file.
 */
export async function parseLcov(input: Readable, source: string, keep: KeepDetail = () => false): Promise<CoverageReport> {
  const files: FileCoverage[] = [];
  let current: Record | undefined;
  let lineNo = 0;
  const reader = createInterface({ input, crlfDelay: Infinity });
  for await (const raw of reader) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('TN:')) continue;
    if (line === 'end_of_record') {
      if (!current) throw new ReportError(source, `line ${lineNo}`, 'end_of_record without SF');
      files.push(finish(current));
      current = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (key === 'SF') {
      if (current) throw new ReportError(source, `line ${lineNo}`, `SF before end_of_record of ${current.path}`);
      if (!value) throw new ReportError(source, `line ${lineNo}`, 'SF without a path');
      current = { path: value, lines: new Map(), branches: { total: 0, covered: 0 }, fnNames: new Set(), fnHitNames: new Set() };
      if (keep(value)) current.branchHits = new Map();
      continue;
    }
    if (!current) throw new ReportError(source, `line ${lineNo}`, `${key} outside a record (no SF before it)`);
    if (key in TOTALS) {
      current[TOTALS[key as keyof typeof TOTALS]] = count(value, source, lineNo, key);
      continue;
    }
    const parts = value.split(',');
    switch (key) {
      case 'DA': {
        if (parts.length < 2) throw new ReportError(source, `line ${lineNo}`, `DA needs line,hits: ${JSON.stringify(value)}`);
        const n = count(parts[0], source, lineNo, 'DA line');
        const hits = count(parts[1], source, lineNo, 'DA hits');
        current.lines.set(n, Math.max(current.lines.get(n) ?? 0, hits));
        break;
      }
      case 'BRDA': {
        if (parts.length < 4) throw new ReportError(source, `line ${lineNo}`, `BRDA needs line,block,branch,taken: ${JSON.stringify(value)}`);
        const taken = parts[3] === '-' ? 0 : count(parts[3], source, lineNo, 'BRDA taken');
        current.branches.total++;
        if (taken > 0) current.branches.covered++;
        current.branchHits?.set(parts.slice(0, 3).join(':'), { total: 1, covered: taken > 0 ? 1 : 0 });
        break;
      }
      case 'FN':
        current.fnNames.add(parts.slice(1).join(','));
        break;
      case 'FNDA':
        if (count(parts[0], source, lineNo, 'FNDA hits') > 0) current.fnHitNames.add(parts.slice(1).join(','));
        break;
      case 'BRF':
      case 'BRH':
      case 'VER':
        break; // BRDA records carry the branches; VER is informational
      default:
        throw new ReportError(source, `line ${lineNo}`, `unknown LCOV record ${JSON.stringify(key)}`);
    }
  }
  if (current) throw new ReportError(source, `line ${lineNo}`, `truncated: record for ${current.path} has no end_of_record`);
  if (files.length === 0) throw new ReportError(source, '', 'empty report: no SF records');
  return { format: 'lcov', source, files, sourceRoots: [] };
}
