import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseCobertura } from './cobertura';
import { parseIstanbulFinal, parseIstanbulSummary } from './istanbul';
import { parseLcov } from './lcov';
import { type CoverageReport, ReportError } from './model';
import { totalsOf } from './thresholds';

// Fixtures are reports the real tools wrote for this repository's code (see __fixtures__/README.md).
const fixture = (name: string) => join(__dirname, '__fixtures__', name);
const text = (s: string) => Readable.from([s]);
const totals = (r: CoverageReport) => totalsOf(r.files);

describe('parseLcov', () => {
  it('reads cargo-llvm-cov output with the totals llvm-cov prints', async () => {
    const report = await parseLcov(createReadStream(fixture('execution-engine.lcov.info')), 'engine.info');
    const printed = JSON.parse(readFileSync(fixture('execution-engine.llvm-cov-totals.json'), 'utf8'));
    expect(totals(report).lines).toEqual({ total: printed.lines.count, covered: printed.lines.covered });
    expect(totals(report).functions).toEqual({ total: printed.functions.count, covered: printed.functions.covered });
    expect(totals(report).branches).toBeUndefined(); // stable llvm-cov records no branches
  });

  it('reads pytest-cov LCOV with the same totals as its Cobertura report', async () => {
    const xml = readFileSync(fixture('agents.cobertura.xml'), 'utf8');
    const attr = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(xml)![1]);
    const report = await parseLcov(createReadStream(fixture('agents.lcov.info')), 'agents.info');
    expect(totals(report).lines).toEqual({ total: attr('lines-valid'), covered: attr('lines-covered') });
    expect(report.files.map((f) => f.path)).toContain('src/agents/finance/pnl.py');
  });

  it('reads Jest LCOV with the totals of its json-summary', async () => {
    const summary = JSON.parse(readFileSync(fixture('dashboard.coverage-summary.json'), 'utf8')).total;
    const report = await parseLcov(createReadStream(fixture('dashboard.lcov.info')), 'dashboard.info');
    const t = totals(report);
    for (const metric of ['lines', 'branches', 'functions'] as const) {
      expect(t[metric]).toEqual({ total: summary[metric].total, covered: summary[metric].covered });
    }
  });

  it('falls back to DA, FN and FNDA records when LF/LH and FNF/FNH are absent', async () => {
    const report = await parseLcov(
      text('TN:\nSF:a.py\nFN:1,f\nFN:5,g\nFNDA:3,f\nFNDA:0,g\nDA:1,3\nDA:2,0\nDA:2,1\nDA:3,0\nBRDA:2,0,0,1\nBRDA:2,0,1,-\nend_of_record\n'),
      'x.info',
    );
    expect(report.files).toEqual([{ path: 'a.py', lines: { total: 3, covered: 2 }, functions: { total: 2, covered: 1 }, branches: { total: 2, covered: 1 } }]);
  });

  it('leaves functions unmeasured when the producer records none', async () => {
    const report = await parseLcov(text('SF:a\nDA:1,1\nBRF:0\nBRH:0\nVER:1\nend_of_record\n'), 'x.info');
    expect(report.files[0].functions).toBeUndefined();
  });

  it.each([
    ['', 'x.info: empty report: no SF records'],
    ['SF:a\nDA:1,1\n', 'x.info (line 2): truncated: record for a has no end_of_record'],
    ['DA:1,1\n', 'x.info (line 1): DA outside a record (no SF before it)'],
    ['SF:a\nDA:x,1\nend_of_record\n', 'x.info (line 2): DA line is not a count: "x"'],
    ['SF:a\nDA:1\nend_of_record\n', 'x.info (line 2): DA needs line,hits: "1"'],
    ['SF:a\nBRDA:1,0\nend_of_record\n', 'x.info (line 2): BRDA needs line,block,branch,taken: "1,0"'],
    ['SF:a\nXX:1\nend_of_record\n', 'x.info (line 2): unknown LCOV record "XX"'],
    ['end_of_record\n', 'x.info (line 1): end_of_record without SF'],
    ['SF:a\nSF:b\n', 'x.info (line 2): SF before end_of_record of a'],
    ['SF:\n', 'x.info (line 1): SF without a path'],
    ['SF:a\nFNDA:z,f\nend_of_record\n', 'x.info (line 2): FNDA hits is not a count: "z"'],
  ])('rejects %j', async (input, message) => {
    await expect(parseLcov(text(input), 'x.info')).rejects.toBeInstanceOf(ReportError);
    await expect(parseLcov(text(input), 'x.info')).rejects.toThrow(message);
  });
});

describe('parseCobertura', () => {
  it('reads pytest-cov XML with the totals in its root element', async () => {
    const xml = readFileSync(fixture('agents.cobertura.xml'), 'utf8');
    const attr = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(xml)![1]);
    const report = await parseCobertura(createReadStream(fixture('agents.cobertura.xml')), 'agents.xml');
    expect(totals(report).lines).toEqual({ total: attr('lines-valid'), covered: attr('lines-covered') });
    expect(totals(report).branches).toEqual({ total: attr('branches-valid'), covered: attr('branches-covered') });
    expect(report.sourceRoots).toEqual([]);
  });

  const doc = (classes: string, sources = '') =>
    `<?xml version="1.0"?><coverage><sources>${sources}</sources><packages><package><classes>${classes}</classes></package></packages></coverage>`;

  it('counts class lines, ignores method lines, sums the classes of one file', async () => {
    const xml = doc(
      `<class filename="a.py"><methods><method><lines><line number="1" hits="0"/></lines></method></methods>
         <lines><line number="1" hits="2"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines></class>
       <class filename="a.py"><lines><line number="3" hits="0"/></lines></class>`,
      '<source>/src/app</source><source>  </source>',
    );
    const report = await parseCobertura(text(xml), 'c.xml');
    expect(report.sourceRoots).toEqual(['/src/app']);
    expect(report.files).toEqual([{ path: 'a.py', lines: { total: 3, covered: 1 }, branches: { total: 2, covered: 1 } }]);
  });

  it('leaves branches unmeasured when no line carries branch data', async () => {
    const report = await parseCobertura(text(doc('<class filename="b.rs"><lines><line number="1" hits="1"/></lines></class>')), 'c.xml');
    expect(report.files[0].branches).toBeUndefined();
  });

  it('accepts Buffer chunks', async () => {
    const xml = doc('<class filename="b.rs"><lines><line number="1" hits="1"/></lines></class>');
    const report = await parseCobertura(Readable.from([Buffer.from(xml)]), 'c.xml');
    expect(report.files).toHaveLength(1);
  });

  it.each([
    ['', 'c.xml (line 1, column 0): malformed XML: 1:0: document must contain a root element'],
    ['<report/>', 'root element is <report>, expected <coverage>'],
    ['<coverage><packages>', 'malformed XML: 1:20: unclosed tag: packages'],
    ['<coverage><a></b></coverage>', 'malformed XML'],
    [doc('<class><lines/></class>'), '<class> without a filename attribute'],
    [doc('<class filename="a"><lines><line number="x" hits="1"/></lines></class>'), '<line> needs integer number and hits, got number=x hits=1'],
    [doc('<class filename="a"><lines><line number="1" hits="1" branch="true"/></lines></class>'), 'branch <line number="1"> without condition-coverage'],
    [doc(''), 'c.xml: empty report: no <class> elements'],
  ])('rejects %j naming where', async (input, message) => {
    await expect(parseCobertura(text(input), 'c.xml')).rejects.toThrow(message);
  });

  it('names the line and column of an XML error', async () => {
    await expect(parseCobertura(text('<coverage>\n<a></b>'), 'c.xml')).rejects.toThrow(/c\.xml \(line 2, column \d+\): malformed XML/);
  });
});

describe('Istanbul', () => {
  const summaryText = readFileSync(fixture('dashboard.coverage-summary.json'), 'utf8');
  const summary = JSON.parse(summaryText).total;

  it('json-summary totals equal its "total" entry', () => {
    const t = totals(parseIstanbulSummary(summaryText, 's.json'));
    for (const metric of ['lines', 'branches', 'functions'] as const) {
      expect(t[metric]).toEqual({ total: summary[metric].total, covered: summary[metric].covered });
    }
  });

  it('coverage-final totals equal the json-summary Jest wrote beside it', () => {
    const t = totals(parseIstanbulFinal(readFileSync(fixture('dashboard.coverage-final.json'), 'utf8'), 'f.json'));
    for (const metric of ['lines', 'branches', 'functions'] as const) {
      expect(t[metric]).toEqual({ total: summary[metric].total, covered: summary[metric].covered });
    }
  });

  it('uses the key when coverage-final has no path field', () => {
    const r = parseIstanbulFinal(JSON.stringify({ 'a.ts': { statementMap: {}, s: {}, fnMap: {}, f: {}, branchMap: {}, b: {} } }), 'f.json');
    expect(r.files[0]).toEqual({ path: 'a.ts', lines: { total: 0, covered: 0 }, functions: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 } });
  });

  it('counts a statement with no hit entry as uncovered', () => {
    const entry = { statementMap: { 0: { start: { line: 4 } } }, s: {}, fnMap: {}, f: {}, branchMap: {}, b: {} };
    expect(parseIstanbulFinal(JSON.stringify({ 'a.ts': entry }), 'f.json').files[0].lines).toEqual({ total: 1, covered: 0 });
  });

  it.each([
    [parseIstanbulSummary, '', 's.json: empty report'],
    [parseIstanbulSummary, '{', 's.json: malformed JSON'],
    [parseIstanbulSummary, '[]', 'expected a JSON object keyed by file'],
    [parseIstanbulSummary, '{"total":{}}', 'empty report: no files'],
    [parseIstanbulSummary, '{"a.ts":{"lines":{"total":1}}}', 's.json (a.ts.lines): expected { total, covered } numbers'],
    [parseIstanbulFinal, '{}', 'empty report: no files'],
    [parseIstanbulFinal, '{"a.ts":{"statementMap":{}}}', 's.json (a.ts.s): missing or not an object'],
    [parseIstanbulFinal, '{"a.ts":{"statementMap":{"0":{}},"s":{},"fnMap":{},"f":{},"branchMap":{},"b":{}}}', 's.json (a.ts.statementMap.0): no start.line'],
  ])('rejects bad input (%#)', (parse, input, message) => {
    expect(() => parse(input, 's.json')).toThrow(message);
  });
});
