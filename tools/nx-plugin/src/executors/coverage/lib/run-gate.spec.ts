import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGate } from './run-gate';

describe('runGate', () => {
  let root: string;
  let log: string[];
  let errors: string[];
  const ctx = () => ({
    workspaceRoot: root,
    projectName: 'agents',
    projectRoot: 'apps/agents',
    log: (m: string) => log.push(m),
    error: (m: string) => errors.push(m),
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gate-'));
    log = [];
    errors = [];
    mkdirSync(join(root, 'apps/agents/src/agents/finance'), { recursive: true });
    mkdirSync(join(root, 'coverage/apps/agents'), { recursive: true });
    for (const f of ['pnl.py', 'fees.py']) writeFileSync(join(root, 'apps/agents/src/agents/finance', f), '');
    writeFileSync(join(root, 'apps/agents/other.py'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const lcov = (records: string) => writeFileSync(join(root, 'coverage/apps/agents/lcov.info'), records);
  const options = { reports: ['coverage/{projectRoot}/lcov.info'], thresholds: { lines: 80 } };

  it('passes, prints a table, writes JSON and Markdown and appends the step summary', async () => {
    lcov('SF:src/agents/finance/pnl.py\nLF:10\nLH:10\nend_of_record\nSF:src/agents/finance/fees.py\nLF:10\nLH:9\nend_of_record\n');
    const summary = join(root, 'summary.md');
    const result = await runGate(
      { ...options, rules: [{ include: 'apps/agents/src/agents/finance/pnl.py', lines: 100 }] },
      {
        ...ctx(),
        stepSummaryFile: summary,
      },
    );
    expect(result?.passed).toBe(true);
    expect(log.join('\n')).toMatch(/Coverage gate for agents: PASSED \(lines 95\.00%\)/);
    const json = JSON.parse(readFileSync(join(root, 'coverage/apps/agents/coverage-gate.json'), 'utf8'));
    expect(json).toMatchObject({ project: 'agents', passed: true, totals: { lines: { covered: 19, total: 20 } } });
    expect(readFileSync(join(root, 'coverage/apps/agents/coverage-gate.md'), 'utf8')).toContain('### Coverage: agents ✅ passed');
    expect(readFileSync(summary, 'utf8')).toContain('| pass | apps/agents/src/agents/finance/pnl.py | lines | 100.00% | 100% | 10/10 |');
    expect(errors).toEqual([]);
  });

  it('fails naming the file, metric, value and threshold', async () => {
    lcov('SF:src/agents/finance/fees.py\nLF:10\nLH:9\nend_of_record\n');
    const result = await runGate({ ...options, rules: [{ name: 'finance', include: 'apps/agents/src/agents/finance/**', lines: 100 }] }, ctx());
    expect(result?.passed).toBe(false);
    expect(errors).toEqual(['coverage: agents failed its coverage gate:', '  apps/agents/src/agents/finance/fees.py: lines 90.00% is below 100%']);
    expect(readFileSync(join(root, 'coverage/apps/agents/coverage-gate.md'), 'utf8')).toContain('❌ failed');
  });

  it('names the expected path and the producing target when the report is missing', async () => {
    expect(await runGate(options, ctx())).toBeUndefined();
    expect(errors).toEqual([
      'coverage: coverage/apps/agents/lcov.info: not found (expected at coverage/apps/agents/lcov.info; it is written by `nx run agents:test`)',
    ]);
  });

  it('rejects an empty report and files that are not in the repository', async () => {
    lcov('');
    expect(await runGate(options, ctx())).toBeUndefined();
    lcov('SF:src/agents/finance/deleted.py\nLF:1\nLH:1\nend_of_record\n');
    expect(await runGate({ ...options, producedBy: 'coverage-run' }, ctx())).toBeUndefined();
    expect(errors).toEqual([
      'coverage: coverage/apps/agents/lcov.info: empty report (0 bytes)',
      'coverage: coverage/apps/agents/lcov.info names src/agents/finance/deleted.py, which is not a file in this repository: was the report produced from another checkout?',
    ]);
  });

  it('leaves files of other projects to their own gates and keeps the default threshold', async () => {
    mkdirSync(join(root, 'libs/core'), { recursive: true });
    writeFileSync(join(root, 'libs/core/m.py'), '');
    lcov(`SF:${join(root, 'libs/core/m.py')}\nLF:5\nLH:0\nend_of_record\nSF:other.py\nLF:5\nLH:5\nend_of_record\n`);
    const result = await runGate({ reports: options.reports, outputDir: 'out' }, ctx());
    expect(result?.passed).toBe(true);
    expect(log[0]).toBe("coverage/apps/agents/lcov.info: 1 file(s) outside apps/agents left to their own projects' gates");
    expect(readFileSync(join(root, 'out/coverage-gate.json'), 'utf8')).toContain('"threshold": 80');
  });

  it('reads other formats by their names', async () => {
    const xml = readFileSync(join(__dirname, '__fixtures__/agents.cobertura.xml'), 'utf8');
    for (const [, name] of xml.matchAll(/filename="([^"]+)"/g)) {
      mkdirSync(join(root, 'apps/agents', name, '..'), { recursive: true });
      writeFileSync(join(root, 'apps/agents', name), '');
    }
    copyFileSync(join(__dirname, '__fixtures__/agents.cobertura.xml'), join(root, 'coverage/apps/agents/coverage.xml'));
    const result = await runGate({ reports: ['coverage/apps/agents/coverage.xml'] }, ctx());
    expect(result?.passed).toBe(true);
    expect(result?.totals.branches).toEqual({ covered: 46, total: 46 });
  });

  it('refuses a report whose format it cannot tell', async () => {
    await expect(runGate({ reports: ['x.unknown'] }, ctx())).resolves.toBeUndefined();
    expect(errors.pop()).toMatch(/x\.unknown: unknown report format/);
  });

  it('floors percentages for display: 79.996% prints as 79.99% beside FAIL, never 80.00%', async () => {
    lcov('SF:src/agents/finance/pnl.py\nLF:25000\nLH:19999\nend_of_record\n');
    const result = await runGate(options, ctx());
    expect(result?.passed).toBe(false);
    expect(log.join('\n')).toMatch(/FAIL .*79\.99%/);
    expect(log.join('\n')).not.toMatch(/80\.00%/);
    expect(errors.join('\n')).toMatch(/lines 79\.99% is below 80%/);
  });

  it('refuses impossible counters (more covered than exist) as a report error', async () => {
    lcov('SF:src/agents/finance/pnl.py\nLF:10\nLH:12\nend_of_record\n');
    expect(await runGate(options, ctx())).toBeUndefined();
    expect(errors.join('\n')).toMatch(/lcov\.info \(apps\/agents\/src\/agents\/finance\/pnl\.py\): lines covered 12 of 10: impossible counters/);
  });

  it('merges one file reported twice (two reports, absolute and relative paths) instead of counting it twice', async () => {
    lcov('SF:src/agents/finance/pnl.py\nLF:10\nLH:6\nend_of_record\n');
    writeFileSync(join(root, 'coverage/apps/agents/other.info'), `SF:${join(root, 'apps/agents/src/agents/finance/pnl.py')}\nLF:10\nLH:9\nend_of_record\n`);
    const result = await runGate({ ...options, reports: [...options.reports, 'coverage/{projectRoot}/other.info'] }, ctx());
    expect(result?.totals.lines).toEqual({ total: 10, covered: 9 });
    expect(result?.passed).toBe(true);
  });

  it('unites the lines and branches of one file from two reports: max hits per line, union of branches', async () => {
    const pnl = 'src/agents/finance/pnl.py';
    // Unit tests cover lines 1-2 and one branch, integration tests lines 3-4 and the other branch.
    lcov(`SF:${pnl}\nDA:1,3\nDA:2,1\nDA:3,0\nDA:4,0\nBRDA:2,0,0,1\nBRDA:2,0,1,0\nLF:4\nLH:2\nend_of_record\n`);
    writeFileSync(
      join(root, 'coverage/apps/agents/integration.info'),
      `SF:${join(root, 'apps/agents', pnl)}\nDA:1,0\nDA:2,0\nDA:3,2\nDA:4,5\nBRDA:2,0,0,0\nBRDA:2,0,1,4\nLF:4\nLH:2\nend_of_record\n`,
    );
    const result = await runGate({ ...options, reports: [...options.reports, 'coverage/{projectRoot}/integration.info'] }, ctx());
    expect(result?.totals.lines).toEqual({ total: 4, covered: 4 });
    expect(result?.totals.branches).toEqual({ total: 2, covered: 2 });
    expect(result?.passed).toBe(true);
  });

  it('unites Cobertura reports too: per line the better branch count', async () => {
    const xml = (hits: [number, number], branch: string) =>
      `<?xml version="1.0"?><coverage><sources><source>${join(root, 'apps/agents')}</source></sources><packages><package><classes>` +
      `<class filename="src/agents/finance/fees.py"><methods/><lines><line number="1" hits="${hits[0]}"/>` +
      `<line number="2" hits="${hits[1]}" branch="true" condition-coverage="${branch}"/></lines></class></classes></package></packages></coverage>`;
    writeFileSync(join(root, 'coverage/apps/agents/unit.xml'), xml([1, 0], '0% (0/2)'));
    writeFileSync(join(root, 'coverage/apps/agents/integration.xml'), xml([0, 3], '50% (1/2)'));
    const result = await runGate({ reports: ['coverage/{projectRoot}/unit.xml', 'coverage/{projectRoot}/integration.xml'], thresholds: { lines: 100 } }, ctx());
    expect(result?.totals.lines).toEqual({ total: 2, covered: 2 });
    expect(result?.totals.branches).toEqual({ total: 2, covered: 1 });
  });

  it('refuses two reports that disagree on which lines of a file are executable', async () => {
    lcov('SF:src/agents/finance/pnl.py\nDA:1,1\nDA:2,1\nend_of_record\n');
    writeFileSync(join(root, 'coverage/apps/agents/other.info'), 'SF:src/agents/finance/pnl.py\nDA:1,1\nDA:7,1\nend_of_record\n');
    expect(await runGate({ ...options, reports: [...options.reports, 'coverage/{projectRoot}/other.info'] }, ctx())).toBeUndefined();
    expect(errors.join('\n')).toMatch(
      /apps\/agents\/src\/agents\/finance\/pnl\.py is reported twice with different executable lines \(lines 2, 7 not in every report\)/,
    );
  });

  it('a gate stopped by a report problem leaves no earlier result behind', async () => {
    lcov('SF:src/agents/finance/pnl.py\nLF:10\nLH:10\nend_of_record\n');
    expect((await runGate(options, ctx()))?.passed).toBe(true);
    lcov('SF:src/agents/finance/pnl.py\nLF:10\n');
    expect(await runGate(options, ctx())).toBeUndefined();
    for (const output of ['coverage-gate.json', 'coverage-gate.md']) {
      expect(() => readFileSync(join(root, 'coverage/apps/agents', output))).toThrow(/ENOENT/);
    }
  });
});
