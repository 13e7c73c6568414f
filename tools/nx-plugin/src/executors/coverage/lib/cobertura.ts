import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { type Counter, type CoverageReport, type FileCoverage, type KeepDetail, ReportError } from './model';

/** Lines of the class being read; folded into per-file counters when the class closes. */
interface ClassLines {
  filename: string;
  lines: Map<number, number>;
  branches: Map<number, Counter>;
}

interface FileTotals {
  lines: Counter;
  branches: Counter;
  /** Per-line detail, only for a file the caller keeps detail for. */
  lineHits?: Map<number, number>;
  branchHits?: Map<string, Counter>;
}

const CONDITION = /\((\d+)\/(\d+)\)/;

/**
 * Stream a Cobertura XML report (pytest-cov, tarpaulin). Lines are read from each class's own
 * <lines>, not from <methods>; branches from condition-coverage. Each class is folded into its
 * file's counters when it closes, so memory holds one class's lines at a time; classes of one
 * file (inner classes) are summed, as Cobertura writers give them disjoint lines.
 */
export async function parseCobertura(input: Readable, source: string, keep: KeepDetail = () => false): Promise<CoverageReport> {
  const parser = new SaxesParser({ position: true });
  const files = new Map<string, FileTotals>();
  const sourceRoots: string[] = [];
  const stack: string[] = [];
  let text = '';
  let current: ClassLines | undefined;
  let hasBranchData = false;
  let failure: Error | undefined;

  const where = () => `line ${parser.line}, column ${parser.column}`;
  const fail = (detail: string) => {
    failure ??= new ReportError(source, where(), detail);
  };

  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    stack.push(tag.name);
    if (stack.length === 1) {
      if (tag.name !== 'coverage') fail(`root element is <${tag.name}>, expected <coverage>`);
      return;
    }
    if (tag.name === 'source') text = '';
    if (tag.name === 'class') {
      const filename = tag.attributes.filename;
      if (typeof filename !== 'string' || filename === '') return fail('<class> without a filename attribute');
      current = { filename, lines: new Map(), branches: new Map() };
    }
    // Only <line> elements in the class's own <lines>, not those under <methods>.
    if (tag.name === 'line' && parent === 'lines' && stack[stack.length - 3] === 'class' && current) {
      const number = Number(tag.attributes.number);
      const hits = Number(tag.attributes.hits);
      if (!Number.isInteger(number) || !Number.isInteger(hits) || hits < 0) {
        return fail(`<line> needs integer number and hits, got number=${tag.attributes.number} hits=${tag.attributes.hits}`);
      }
      current.lines.set(number, Math.max(current.lines.get(number) ?? 0, hits));
      if (tag.attributes.branch === 'true') {
        const match = CONDITION.exec(String(tag.attributes['condition-coverage'] ?? ''));
        if (!match) return fail(`branch <line number="${number}"> without condition-coverage "(covered/total)"`);
        hasBranchData = true;
        current.branches.set(number, { covered: Number(match[1]), total: Number(match[2]) });
      }
    }
  });
  parser.on('text', (t) => {
    if (stack[stack.length - 1] === 'source') text += t;
  });
  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.name === 'source' && text.trim()) sourceRoots.push(text.trim());
    if (tag.name === 'class' && current) {
      const totals = files.get(current.filename) ?? { lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 } };
      if (!totals.lineHits && keep(current.filename)) {
        totals.lineHits = new Map();
        totals.branchHits = new Map();
      }
      totals.lines.total += current.lines.size;
      for (const hits of current.lines.values()) if (hits > 0) totals.lines.covered++;
      for (const b of current.branches.values()) {
        totals.branches.total += b.total;
        totals.branches.covered += b.covered;
      }
      for (const [line, hits] of totals.lineHits ? current.lines : []) totals.lineHits?.set(line, hits);
      for (const [line, b] of totals.branchHits ? current.branches : []) totals.branchHits?.set(String(line), { ...b });
      files.set(current.filename, totals);
      current = undefined;
    }
  });
  parser.on('error', (error) => {
    failure ??= new ReportError(source, where(), `malformed XML: ${error.message.split('\n')[0]}`);
  });

  for await (const chunk of input) {
    parser.write(typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8'));
    if (failure) throw failure;
  }
  parser.close(); // an empty or truncated document fails here ("unclosed tag", "root element")
  if (failure) throw failure;
  if (files.size === 0) throw new ReportError(source, '', 'empty report: no <class> elements');

  const result: FileCoverage[] = [];
  for (const [path, totals] of files) {
    result.push({
      path,
      lines: totals.lines,
      ...(hasBranchData ? { branches: totals.branches } : {}),
      ...(totals.lineHits ? { lineHits: totals.lineHits, branchHits: totals.branchHits } : {}),
    });
  }
  return { format: 'cobertura', source, files: result, sourceRoots };
}
