#!/usr/bin/env node
// The main job's summary lines from the reports its steps wrote (scripts/main.sh):
//   node scripts/main-summary.mjs coverage coverage/**/coverage-gate.json...   per-project coverage gates
//   node scripts/main-summary.mjs images dist/*/image.json...                  the images pushed
//   node scripts/main-summary.mjs load reports/load/*.json...                  the load gates' figures
//   node scripts/main-summary.mjs soak reports/deploy-staging.log              per service, the soak's verdict beside what
//     the load hook's clients saw (requests that failed before reaching a pod are in no pod's metrics)
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

/**
 * Per service in a deploy's log, its verdict (the soak's or the canary's last word, or the halt)
 * and the load hook's count of what its clients saw: the verdict judges the pods' own metrics, so
 * requests refused before they reached a pod show only in the hook's count, and are named here.
 */
export function soakLines(text) {
  const services = new Map();
  const of = (name) => services.get(name) ?? services.set(name, { verdict: null, load: null }).get(name);
  for (const [, name, rest] of text.matchAll(/^\[([a-z0-9-]+)\] (.*)$/gm)) {
    if (/^(soak passed|canary passed|canary failed|halted:|rolled back:)/.test(rest)) of(name).verdict = rest;
    const load = /^load: traffic .+?: (\d+) requests, (\d+) failed (\{.*\})$/.exec(rest);
    if (load) of(name).load = { requests: Number(load[1]), failed: Number(load[2]), outcomes: JSON.parse(load[3]) };
  }
  if (!services.size) throw new Error('no service lines ([<service>] ...): not a deploy log');
  return [...services].flatMap(([name, { verdict, load }]) => {
    let verdictText = 'no verdict in the log (not analysed)';
    if (verdict) {
      const last = (metric) => new RegExp(`(?:load-)?${metric}: last ([\\d.]+(?:%| ms))`).exec(verdict)?.[1];
      const [error, p95] = [last('error-rate'), last('p95-latency')];
      verdictText = [verdict.split(/: /)[0], error && `error rate ${error}`, p95 && `p95 ${p95}`].filter(Boolean).join(', ');
    }
    let clients = 'no load hook traffic in the log';
    if (load) {
      const outcomes = Object.entries(load.outcomes);
      const answered = outcomes.filter(([outcome]) => /^[45]\d\d$/.test(outcome)).map(([outcome, n]) => `${n} HTTP ${outcome}`);
      const unanswered = outcomes.filter(([outcome]) => !/^\d{3}$/.test(outcome)).map(([outcome, n]) => `${n} ${outcome}`);
      clients = [
        `${load.requests} requests, ${load.failed} failed (${((load.failed * 100) / Math.max(load.requests, 1)).toFixed(2)}%)`,
        answered.length && `${answered.join(', ')} (answered by a pod: in its metrics)`,
        unanswered.length && `${unanswered.join(', ')} (no pod answered: in no pod's metrics, only here)`,
      ]
        .filter(Boolean)
        .join('; ');
    }
    return [`  ${name.padEnd(18)} ${verdictText}`, `  ${''.padEnd(18)} load hook's clients: ${clients}`];
  });
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
  if (kind === 'soak') {
    return files.flatMap((file) => {
      try {
        return soakLines(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new Error(`${file}: not a readable deploy log (${error.message})`);
      }
    });
  }
  if (!lines[kind] && kind !== 'tests') throw new Error(`unknown report kind "${kind}": one of ${[...Object.keys(lines), 'tests', 'soak'].join(', ')}`);
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
