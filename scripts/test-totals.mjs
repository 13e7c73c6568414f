#!/usr/bin/env node
// The tests a run executed, counted from the JUnit reports Node's test runner wrote (its closing
// comments: pass, fail, skipped, todo, cancelled), not from the source:
//   node scripts/test-totals.mjs LABEL DIR     e.g. workspace-tests reports/workspace-tests
// Prints each failed test with its message (the end of a long one: where a command's output ends),
// then "LABEL: N passed, N failed, N skipped" (also into the GitHub step summary), so a run's last
// lines say what failed and why. Exit 1 when a report is unreadable or no report is found.
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

const unescape = (text) =>
  text
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The failed test cases of one JUnit report: name, file and message (at most `lines` lines: its start and its end). */
export function failures(xml, lines = 40) {
  const found = [];
  for (const [, attributes] of xml.matchAll(/<testcase((?:\s+[\w-]+="[^"]*")*)\s*\/?>/g)) {
    const attr = Object.fromEntries([...attributes.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k, unescape(v)]));
    if (attr.failure === undefined) continue;
    const all = attr.failure.trimEnd().split('\n');
    const message = all.length <= lines ? all : [...all.slice(0, 5), `[… ${all.length - lines + 1} lines …]`, ...all.slice(-(lines - 6))];
    found.push({ name: unescape(attr.name ?? '?'), file: attr.file, message: message.join('\n') });
  }
  return found;
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
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    sum = totals(texts);
    for (const [i, text] of texts.entries()) {
      for (const f of failures(text)) console.log(`\nFAILED: ${f.name}\n  in ${f.file ?? files[i]}\n${f.message.replace(/^/gm, '  | ')}`);
    }
  } catch (error) {
    console.error(`test-totals: ${error.message}`);
    process.exit(1);
  }
  const line = `${label}: ${sum.pass} passed, ${sum.fail + sum.cancelled} failed, ${sum.skipped + sum.todo} skipped`;
  console.log(`${files.length} report(s)\n${line}`);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${line}\n`);
}
