// Writes docs/badges/coverage.svg from the coverage gates' results (coverage/**/coverage-gate.json):
// the lowest line coverage of any project, green when every gate passed. Run after
// `nx run-many -t coverage` (scripts/main.sh does); CI keeps the badge current on main.
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeBadge } from 'badge-maker';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const gates = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (entry === 'coverage-gate.json') gates.push(JSON.parse(readFileSync(path, 'utf8')));
  }
};
try {
  walk(join(root, 'coverage'));
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
if (gates.length === 0) {
  console.error('no coverage/**/coverage-gate.json: run `npx nx run-many -t coverage` first');
  process.exit(1);
}
const lines = gates.map((g) => ({ project: g.project, pct: (100 * g.totals.lines.covered) / Math.max(1, g.totals.lines.total) }));
const lowest = lines.reduce((a, b) => (b.pct < a.pct ? b : a));
const passed = gates.every((g) => g.passed);
const svg = makeBadge({ label: 'coverage', message: `${lowest.pct.toFixed(1)}% min lines (${gates.length} projects)`, color: passed ? 'brightgreen' : 'red' });
const out = join(root, 'docs/badges/coverage.svg');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, svg);
console.log(`coverage badge: lowest ${lowest.project} ${lowest.pct.toFixed(1)}% lines, gates ${passed ? 'all passed' : 'FAILED'} -> docs/badges/coverage.svg`);
