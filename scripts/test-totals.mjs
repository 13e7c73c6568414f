#!/usr/bin/env node
// The tests a run executed, counted from the JUnit reports Node's test runner wrote (its closing
// comments: pass, fail, skipped, todo, cancelled), not from the source:
//   node scripts/test-totals.mjs LABEL DIR     e.g. workspace-tests reports/workspace-tests
// Prints "LABEL: N passed, N failed, N skipped" (and into the GitHub step summary). Exit 1 when a
// report is unreadable or no report is found.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function totals(xmlTexts) {
  const sum = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
  for (const xml of xmlTexts) {
    for (const key of Object.keys(sum)) {
      const m = new RegExp(`<!-- ${key} (\\d+) -->`).exec(xml);
      if (!m) throw new Error(`no "${key}" count: not a report of Node's test runner`);
      sum[key] += Number(m[1]);
    }
  }
  return sum;
}

if (import.meta.main) {
  const [label, dir] = process.argv.slice(2);
  const files =
    dir && existsSync(dir)
      ? readdirSync(dir, { recursive: true })
          .filter((f) => f.endsWith('.xml'))
          .map((f) => join(dir, f))
      : [];
  if (!files.length) {
    console.error(`test-totals: no JUnit report under ${dir ?? '(no folder given)'}`);
    process.exit(1);
  }
  let sum;
  try {
    sum = totals(files.map((f) => readFileSync(f, 'utf8')));
  } catch (error) {
    console.error(`test-totals: ${error.message}`);
    process.exit(1);
  }
  const line = `${label}: ${sum.pass} passed, ${sum.fail + sum.cancelled} failed, ${sum.skipped + sum.todo} skipped`;
  console.log(`${files.length} report(s)\n${line}`);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${line}\n`);
}
