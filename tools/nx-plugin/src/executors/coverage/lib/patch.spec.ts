import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePatch, lineRanges, parseUnifiedDiff } from './patch';
import { runGate } from './run-gate';

describe('parseUnifiedDiff', () => {
  it('takes the new side of every hunk: added and modified lines, under the new path', () => {
    const diff = [
      'diff --git a/apps/x/a.py b/apps/x/a.py',
      '--- a/apps/x/a.py',
      '+++ b/apps/x/a.py',
      '@@ -3,0 +4,2 @@ def f():',
      '+    y = 1',
      '+    return y',
      '@@ -10 +12 @@',
      '-old',
      '+new',
      '@@ -20,3 +22,0 @@', // a pure deletion adds nothing
      'diff --git a/apps/x/gone.py b/apps/x/gone.py',
      '--- a/apps/x/gone.py',
      '+++ /dev/null',
      '@@ -1,4 +0,0 @@',
      'diff --git a/apps/x/old.py b/apps/x/new.py',
      '--- a/apps/x/old.py',
      '+++ b/apps/x/new.py',
      '@@ -1 +1,3 @@',
    ].join('\n');
    expect([...parseUnifiedDiff(diff)]).toEqual([
      ['apps/x/a.py', [4, 5, 12]],
      ['apps/x/new.py', [1, 2, 3]],
    ]);
  });

  it('writes consecutive lines as ranges', () => {
    expect(lineRanges([3, 4, 5, 9, 11, 12])).toBe('3-5, 9, 11-12');
  });
});

describe('evaluatePatch', () => {
  const file = (path: string, hits: Array<[number, number]>) => ({ path, lines: { total: 0, covered: 0 }, lineHits: new Map(hits) });
  it('counts only the changed lines the report lists as executable, and lists the ones no test ran', () => {
    const changed = new Map([
      ['a.py', [1, 2, 3, 4]], // 1: not executable (a comment)
      ['b.py', [7]],
      ['notes.md', [1]],
    ]);
    const result = evaluatePatch(
      changed,
      [
        file('a.py', [
          [2, 3],
          [3, 0],
          [4, 0],
          [9, 0],
        ]),
        file('b.py', [[7, 1]]),
      ],
      90,
      'origin/main',
    );
    expect(result.check).toEqual({ scope: 'patch (lines changed since origin/main)', metric: 'lines', covered: 2, total: 4, threshold: 90, passed: false });
    expect(result.uncovered).toEqual([{ path: 'a.py', lines: [3, 4] }]);
    expect(result.unreported).toEqual(['notes.md']);
  });
  it('passes a change with no executable line', () => {
    expect(evaluatePatch(new Map([['a.py', [1]]]), [file('a.py', [[5, 0]])], 90, 'HEAD~1').check).toMatchObject({ total: 0, passed: true });
  });
});

describe('patch coverage through the gate, in a git repository', () => {
  let root: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { cwd: root, encoding: 'utf8' });
  const lines: string[] = [];
  const errors: string[] = [];
  const ctx = () => ({
    workspaceRoot: root,
    projectName: 'agents',
    projectRoot: 'apps/agents',
    log: (m: string) => lines.push(m),
    error: (m: string) => errors.push(m),
  });
  const options = { reports: ['coverage/{projectRoot}/lcov.info'], thresholds: { lines: 50 }, patchThreshold: 90 };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'patch-'));
    lines.length = 0;
    errors.length = 0;
    mkdirSync(join(root, 'apps/agents/src'), { recursive: true });
    writeFileSync(join(root, 'apps/agents/src/risk.py'), 'def limit(x):\n    return min(x, 10)\n');
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    // The change: a new branch of the function that no test runs.
    writeFileSync(join(root, 'apps/agents/src/risk.py'), 'def limit(x):\n    if x < 0:\n        raise ValueError(x)\n    return min(x, 10)\n');
    git('commit', '-qam', 'change');
    mkdirSync(join(root, 'coverage/apps/agents'), { recursive: true });
    writeFileSync(join(root, 'coverage/apps/agents/lcov.info'), 'SF:src/risk.py\nDA:1,1\nDA:2,1\nDA:3,0\nDA:4,1\nLF:4\nLH:3\nend_of_record\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails a change whose new lines no test runs, naming them, while the project total passes', async () => {
    const result = await runGate({ ...options, patchBase: 'HEAD~1' }, ctx());
    expect(result?.passed).toBe(false);
    const out = lines.join('\n');
    expect(out).toMatch(/FAIL .*patch \(lines changed since HEAD~1\).*50\.00%/);
    expect(out).toContain('patch: not run by any test: apps/agents/src/risk.py line(s) 3');
    expect(errors.join('\n')).toContain('patch (lines changed since HEAD~1): lines 50.00% is below 90%');
    expect(JSON.parse(readFileSync(join(root, 'coverage/apps/agents/coverage-gate.json'), 'utf8')).patch.uncovered).toEqual([
      { path: 'apps/agents/src/risk.py', lines: [3] },
    ]);
  });

  it('passes once a test runs the new lines, and without a base gates the totals only', async () => {
    writeFileSync(join(root, 'coverage/apps/agents/lcov.info'), 'SF:src/risk.py\nDA:1,1\nDA:2,2\nDA:3,1\nDA:4,1\nLF:4\nLH:4\nend_of_record\n');
    expect((await runGate({ ...options, patchBase: 'HEAD~1' }, ctx()))?.passed).toBe(true);
    lines.length = 0;
    expect((await runGate(options, ctx()))?.passed).toBe(true);
    expect(lines.join('\n')).not.toMatch(/patch/);
  });

  it('explains a base that is not a commit here, and a report without per-line hits', async () => {
    expect(await runGate({ ...options, patchBase: 'origin/nope' }, ctx())).toBeUndefined();
    expect(errors.join('\n')).toMatch(/patch coverage: cannot compare with origin\/nope .*fetch it first/);
    errors.length = 0;
    writeFileSync(
      join(root, 'coverage/apps/agents/coverage-summary.json'),
      JSON.stringify({
        total: {},
        [join(root, 'apps/agents/src/risk.py')]: {
          lines: { total: 4, covered: 3 },
          statements: { total: 4, covered: 3 },
          functions: { total: 1, covered: 1 },
          branches: { total: 0, covered: 0 },
        },
      }),
    );
    rmSync(join(root, 'coverage/apps/agents/lcov.info'));
    expect(await runGate({ ...options, reports: ['coverage/{projectRoot}/coverage-summary.json'], patchBase: 'HEAD~1' }, ctx())).toBeUndefined();
    expect(errors.join('\n')).toMatch(/patch coverage needs per-line hits: an LCOV or Cobertura report/);
  });
});
