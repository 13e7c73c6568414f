#!/usr/bin/env node
// The main job's summary lines from the reports its steps wrote (scripts/main.sh):
//   node scripts/main-summary.mjs coverage coverage/**/coverage-gate.json...   per-project coverage gates
//   node scripts/main-summary.mjs images dist/*/image.json...                  the images pushed
//   node scripts/main-summary.mjs load reports/load/*.json...                  the load gates' figures
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

export function summarise(kind, files) {
  if (!lines[kind]) throw new Error(`unknown report kind "${kind}": one of ${Object.keys(lines).join(', ')}`);
  return files.flatMap((file) => {
    let report;
    try {
      report = JSON.parse(readFileSync(file, 'utf8'));
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
