import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { type Counter, type CoverageReport, type FileCoverage, ReportError } from './model';

interface FileLines {
  lines: Map<number, number>;
  branches: Map<number, Counter>;
}

const CONDITION = /\((\d+)\/(\d+)\)/;

/**
 * Stream a Cobertura XML report (pytest-cov, tarpaulin). Lines are read from each class's own
 * <lines>, not from <methods>, and merged per file name; branches from condition-coverage.
 */
export async function parseCobertura(input: Readable, source: string): Promise<CoverageReport> {
  const parser = new SaxesParser({ position: true });
  const files = new Map<string, FileLines>();
  const sourceRoots: string[] = [];
  const stack: string[] = [];
  let text = '';
  let current: FileLines | undefined;
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
      current = files.get(filename) ?? { lines: new Map(), branches: new Map() };
      files.set(filename, current);
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
    if (tag.name === 'class') current = undefined;
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
  for (const [path, data] of files) {
    const lines = { total: data.lines.size, covered: [...data.lines.values()].filter((h) => h > 0).length };
    const file: FileCoverage = { path, lines };
    if (hasBranchData) {
      file.branches = [...data.branches.values()].reduce(
        (sum, c) => ({ total: sum.total + c.total, covered: sum.covered + c.covered }),
        { total: 0, covered: 0 },
      );
    }
    result.push(file);
  }
  return { format: 'cobertura', source, files: result, sourceRoots };
}
