import type { FileCoverage } from './model';
import { evaluateThresholds, meets, percent } from './thresholds';

const file = (path: string, lines: [number, number], extra: Partial<FileCoverage> = {}): FileCoverage => ({
  path,
  lines: { covered: lines[0], total: lines[1] },
  ...extra,
});

describe('meets and percent', () => {
  it('compares exactly: 7999/10000 is below 80%, 8/10 meets it', () => {
    expect(meets({ covered: 7999, total: 10000 }, 80)).toBe(false);
    expect(meets({ covered: 8, total: 10 }, 80)).toBe(true);
    expect(meets({ covered: 2, total: 3 }, 66.67)).toBe(false);
  });

  it('treats nothing to cover as fully covered', () => {
    expect(percent({ covered: 0, total: 0 })).toBe(100);
    expect(percent({ covered: 1, total: 4 })).toBe(25);
  });
});

describe('evaluateThresholds', () => {
  const files = [
    file('apps/a/src/risk/limits.py', [10, 10], { branches: { covered: 4, total: 4 } }),
    file('apps/a/src/risk/sizing.py', [9, 10], { branches: { covered: 1, total: 2 } }),
    file('apps/a/src/service.py', [30, 40], { branches: { covered: 0, total: 0 } }),
  ];

  it('passes project totals above the thresholds', () => {
    const result = evaluateThresholds(files, { lines: 80 });
    expect(result.passed).toBe(true);
    expect(result.totals.lines).toEqual({ covered: 49, total: 60 });
    expect(result.checks).toEqual([{ scope: 'total', metric: 'lines', covered: 49, total: 60, threshold: 80, passed: true }]);
    expect(result.errors).toEqual([]);
  });

  it('fails a total below its threshold', () => {
    const result = evaluateThresholds(files, { lines: 85 });
    expect(result.passed).toBe(false);
    expect(result.checks[0]).toMatchObject({ scope: 'total', passed: false });
  });

  it('fails a threshold on a metric the report does not measure, unless the project opts out of it', () => {
    const result = evaluateThresholds(files, { lines: 80, functions: 100 });
    expect(result.passed).toBe(false);
    expect(result.totals.functions).toBeUndefined();
    expect(result.checks[0]).toEqual({ scope: 'total', metric: 'functions', covered: 0, total: 0, threshold: 100, passed: false, measured: false });
    expect(result.errors).toEqual([
      'functions is gated at 100% but the report does not measure it: make the test report it, or list "functions" in the coverage target\'s notMeasured option',
    ]);
    const optedOut = evaluateThresholds(files, { lines: 80, functions: 100 }, [], ['functions']);
    expect(optedOut.passed).toBe(true);
    expect(optedOut.checks.find((c) => c.metric === 'functions')).toMatchObject({ passed: true, measured: false });
  });

  it('fails a rule on a metric unmeasured for its files once per rule and metric, unless opted out', () => {
    const rule = { name: 'risk', include: 'apps/a/src/risk/**', lines: 90, functions: 100 };
    const result = evaluateThresholds(files, {}, [rule]);
    expect(result.errors).toEqual([
      'rule "risk": functions is gated at 100% but the report does not measure it: make the test report it, or list "functions" in the coverage target\'s notMeasured option',
    ]);
    expect(result.checks.filter((c) => c.measured === false).map((c) => c.scope)).toEqual(['apps/a/src/risk/limits.py', 'apps/a/src/risk/sizing.py']);
    expect(evaluateThresholds(files, {}, [rule], ['functions']).passed).toBe(true);
  });

  it('holds every matched file to a rule, failing files first', () => {
    const result = evaluateThresholds(files, { lines: 80 }, [{ name: 'risk', include: 'apps/a/src/risk/**', lines: 100, branches: 100 }]);
    expect(result.passed).toBe(false);
    expect(result.checks.slice(0, 2)).toEqual([
      { scope: 'apps/a/src/risk/sizing.py', metric: 'lines', covered: 9, total: 10, threshold: 100, passed: false },
      { scope: 'apps/a/src/risk/sizing.py', metric: 'branches', covered: 1, total: 2, threshold: 100, passed: false },
    ]);
    expect(result.checks.filter((c) => c.passed).map((c) => c.scope)).toEqual(['total', 'apps/a/src/risk/limits.py', 'apps/a/src/risk/limits.py']);
  });

  it('accepts several globs', () => {
    const result = evaluateThresholds(files, {}, [{ include: ['**/limits.py', '**/service.py'], lines: 70 }]);
    expect(result.checks.map((c) => c.scope).sort()).toEqual(['apps/a/src/risk/limits.py', 'apps/a/src/service.py']);
    expect(result.passed).toBe(true);
  });

  it('fails a rule that matches no covered file, naming it', () => {
    const result = evaluateThresholds(files, {}, [{ include: 'apps/a/src/finance/**', lines: 100 }]);
    expect(result.passed).toBe(false);
    expect(result.errors).toEqual(['rule "apps/a/src/finance/**" matches no covered file (globs: apps/a/src/finance/**): fix the globs or the report']);
  });

  it('fails a report with no executable lines', () => {
    expect(evaluateThresholds([], { lines: 80 }).errors).toEqual(['the coverage report has no executable lines']);
    expect(evaluateThresholds([file('a', [0, 0])], {}).passed).toBe(false);
  });
});
