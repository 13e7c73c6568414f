#!/usr/bin/env node
// The main job's summary lines from the reports its steps wrote (scripts/main.sh):
//   node scripts/main-summary.mjs coverage coverage/**/coverage-gate.json...   per-project coverage gates
//   node scripts/main-summary.mjs images dist/*/image.json...                  the images pushed
//   node scripts/main-summary.mjs load reports/load/*.json...                  the load gates' figures
//   node scripts/main-summary.mjs tests <reports>...                           the tests the runners ran, per project
//     (JUnit XML of pytest, Playwright and Node's test runner; Jest's --json results; cargo test's
//     output, its `test result` lines): counted from what ran (or what Nx replayed with its
//     outputs), never from the source.
// A file that is missing or not the report it should be is an error naming it (exit 1).
import { readFileSync } from 'node:fs';

const pct = (part) => (part ? ((part.covered * 100) / Math.max(part.total, 1)).toFixed(1) : null);

export const lines = {
  coverage: (g) => {
    const figures = ['lines', 'branches', 'functions'].filter((m) => g.totals[m]).map((m) => `${m} ${pct(g.totals[m])}%`);
    return [`  ${g.project.padEnd(20)} ${g.passed ? 'pass' : 'FAIL'}  ${figures.join(', ')}`];
  },
  images: (r) => [`  ${r.project.padEnd(18)} ${(r.sizeBytes / 1e6).toFixed(1).padStart(6)} MB  ${r.reference}`],
  load: (r) =>
    r.results.map(
      ({ path, rate, verdict, figures: f }) =>
        `  load ${r.project.padEnd(17)} ${path.padEnd(22)} ${verdict.toUpperCase().padEnd(7)} ${f.achievedRate} req/s of ${rate ?? r.config.rate}, ${r.config.users} users: p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms, p99 ${f.p99Ms} ms, ${f.errors} errors`,
    ),
};

/** The tests one runner's report says ran: passed, failed (errors too) and skipped (todo too). */
export function testCounts(file, text) {
  if (file.endsWith('.json')) {
    const r = JSON.parse(text);
    if (typeof r.numPassedTests !== 'number') throw new Error("no numPassedTests: not Jest's --json results");
    return { runner: 'jest', passed: r.numPassedTests, failed: r.numFailedTests + r.numRuntimeErrorTestSuites, skipped: r.numPendingTests + r.numTodoTests };
  }
  if (file.endsWith('.xml')) {
    const cases = [...text.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => m[1] ?? '');
    if (!cases.length && !/<testsuites?\b/.test(text)) throw new Error('no <testsuite> or <testcase>: not a JUnit report');
    const failed = cases.filter((body) => /<(failure|error)\b/.test(body)).length;
    const skipped = cases.filter((body) => /<skipped\b/.test(body)).length;
    return { runner: 'junit', passed: cases.length - failed - skipped, failed, skipped };
  }
  if (file.endsWith('.log')) {
    const results = [...text.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
    if (!results.length) throw new Error('no "test result" line: cargo test did not finish');
    const sum = (i) => results.reduce((n, m) => n + Number(m[i]), 0);
    return { runner: 'cargo test', passed: sum(1), failed: sum(2), skipped: sum(3) };
  }
  throw new Error('not a report this summary reads (.xml JUnit, .json Jest results, .log cargo test output)');
}

/** Where a report lies, as the summary names it: coverage/apps/agents/junit.xml is apps/agents. */
const label = (file) => file.replace(/\/[^/]*$/, '').replace(/^(?:.*\/)?(?:coverage|reports)\//, '');

function testLines(reports) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const out = reports.map(({ file, counts: c }) => {
    for (const k of Object.keys(total)) total[k] += c[k];
    return `  ${label(file).padEnd(24)} ${String(c.passed).padStart(5)} passed, ${c.failed} failed, ${c.skipped} skipped  (${c.runner})`;
  });
  if (reports.length) out.push(`  ${'total'.padEnd(24)} ${String(total.passed).padStart(5)} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return out;
}

export function summarise(kind, files) {
  if (!lines[kind] && kind !== 'tests') throw new Error(`unknown report kind "${kind}": one of ${[...Object.keys(lines), 'tests'].join(', ')}`);
  const reports = files.map((file) => {
    try {
      const text = readFileSync(file, 'utf8');
      return kind === 'tests' ? { file, counts: testCounts(file, text) } : { file, report: JSON.parse(text) };
    } catch (error) {
      throw new Error(`${file}: not a readable ${kind} report (${error.message})`);
    }
  });
  if (kind === 'tests') return testLines(reports);
  return reports.flatMap(({ file, report }) => {
    try {
      return lines[kind](report);
    } catch (error) {
      throw new Error(`${file}: not a readable ${kind} report (${error.message})`);
    }
  });
}

if (import.meta.main) {
  const [kind, ...files] = process.argv.slice(2);
  try {
    const out = summarise(kind, files);
    if (out.length) console.log(out.join('\n'));
  } catch (error) {
    console.error(`main-summary: ${error.message}`);
    process.exit(1);
  }
}
