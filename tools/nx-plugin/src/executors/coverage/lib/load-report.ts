import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseCobertura } from './cobertura';
import { parseIstanbulFinal, parseIstanbulSummary } from './istanbul';
import { parseLcov } from './lcov';
import { type CoverageReport, type KeepDetail, type ReportFormat, ReportError } from './model';

export function detectFormat(path: string): ReportFormat | undefined {
  const name = basename(path);
  if (name.endsWith('.info') || name.endsWith('.lcov')) return 'lcov';
  if (name.endsWith('.xml')) return 'cobertura';
  if (name === 'coverage-summary.json') return 'istanbul-summary';
  if (name.endsWith('.json')) return 'istanbul-final';
  return undefined;
}

/** Whether a format can carry per-line detail (for uniting one file reported twice). */
export const hasLineDetail = (format: ReportFormat) => format === 'lcov' || format === 'cobertura';

/** Read one report from disk in the format given or detected from its name; `keep` asks for per-line detail. */
export async function loadReport(absolutePath: string, shownAs: string, format?: ReportFormat, keep?: KeepDetail): Promise<CoverageReport> {
  const kind = format ?? detectFormat(absolutePath);
  if (!kind) throw new ReportError(shownAs, '', 'unknown report format: set "format" (lcov, cobertura, istanbul-summary, istanbul-final)');
  if (!existsSync(absolutePath)) throw new ReportError(shownAs, '', 'not found');
  if (statSync(absolutePath).size === 0) throw new ReportError(shownAs, '', 'empty report (0 bytes)');
  switch (kind) {
    case 'lcov':
      return parseLcov(createReadStream(absolutePath), shownAs, keep);
    case 'cobertura':
      return parseCobertura(createReadStream(absolutePath), shownAs, keep);
    case 'istanbul-summary':
      return parseIstanbulSummary(readFileSync(absolutePath, 'utf8'), shownAs);
    case 'istanbul-final':
      return parseIstanbulFinal(readFileSync(absolutePath, 'utf8'), shownAs);
  }
}
