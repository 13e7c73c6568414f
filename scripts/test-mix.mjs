#!/usr/bin/env node
// The test pyramid, counted: unit, integration and end-to-end tests per project and the mix across
// the repository (the strategy asks for about 70/20/10), printed and, in CI, added to the step
// summary. Tests are counted in the source, one per test function or case declaration:
//   Python `def test_…`, Rust `#[test]` / `#[tokio::test]`, JS/TS `it(…)` / `test(…)`; a
//   parametrized test (pytest.mark.parametrize, it.each) counts once: declarations, not cases.
// Kinds: a project tagged type:e2e holds e2e tests, type:integration integration tests; the plugin's
// *.cluster.spec.ts run against a real API server and each project's workspace-tests/ against real
// services, clusters and workflows: integration. Everything else a project's test target runs is unit.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
const scratch = mkdtempSync(join(tmpdir(), 'test-mix-'));
execFileSync('npx', ['nx', 'graph', `--file=${join(scratch, 'graph.json')}`], { cwd: root, stdio: 'ignore' });
const graph = JSON.parse(readFileSync(join(scratch, 'graph.json'), 'utf8')).graph.nodes;
rmSync(scratch, { recursive: true, force: true });
const projects = Object.values(graph)
  .map((node) => ({ name: node.name, root: node.data.root, tags: node.data.tags ?? [] }))
  .filter((p) => p.root !== '.')
  .sort((a, b) => b.root.length - a.root.length); // deepest root first: nested projects own their files

// The workspace tests of a project (its workspace-test--* targets); those under scripts/ are the root's.
const WORKSPACE_TEST = /(^|\/)workspace-tests\/[^/]+\.test\.mjs$/;
const TEST_FILE = /(^|\/)(tests?|specs?)\/|[._](spec|test)\.[cm]?[jt]sx?$|\.rs$/;
function countTests(path, text) {
  if (path.endsWith('.py')) return (text.match(/^\s*(async\s+)?def test_\w+/gm) ?? []).length;
  if (path.endsWith('.rs')) return (text.match(/#\[(tokio::)?test\]/g) ?? []).length;
  if (/\.[cm]?[jt]sx?$/.test(path)) {
    return (text.match(/^\s*(?:it|test)(?:\.each\([\s\S]*?\))?\s*\(\s*['"`]/gm) ?? []).length;
  }
  return 0;
}

function kindOf(project, path) {
  const tags = project?.tags ?? [];
  if (tags.includes('type:e2e')) return 'e2e';
  if (tags.includes('type:integration') || /\.(cluster|postgres)\.spec\.ts$/.test(path) || WORKSPACE_TEST.test(path)) return 'integration';
  return 'unit';
}

const rows = new Map();
for (const path of files) {
  if (!TEST_FILE.test(path) || path.includes('node_modules/')) continue;
  const project = projects.find((p) => path.startsWith(`${p.root}/`));
  const name = project?.name ?? (WORKSPACE_TEST.test(path) ? 'workspace (root)' : undefined);
  if (!name) continue;
  const n = countTests(path, readFileSync(join(root, path), 'utf8'));
  if (n === 0) continue;
  const row = rows.get(name) ?? { unit: 0, integration: 0, e2e: 0 };
  row[kindOf(project, path)] += n;
  rows.set(name, row);
}

const total = { unit: 0, integration: 0, e2e: 0 };
for (const row of rows.values()) for (const k of Object.keys(total)) total[k] += row[k];
const all = total.unit + total.integration + total.e2e;
const pct = (n) => `${((n * 100) / Math.max(all, 1)).toFixed(1)}%`;
const lines = [
  '### Test mix (unit / integration / e2e)',
  '',
  '| project | unit | integration | e2e |',
  '|---|---|---|---|',
  ...[...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => `| ${name} | ${r.unit} | ${r.integration} | ${r.e2e} |`),
  `| **all (${all})** | **${total.unit} (${pct(total.unit)})** | **${total.integration} (${pct(total.integration)})** | **${total.e2e} (${pct(total.e2e)})** |`,
  '',
  `Target mix 70/20/10; here ${pct(total.unit)} / ${pct(total.integration)} / ${pct(total.e2e)}. Counted from the sources (${relative(root, import.meta.filename)}).`,
  '',
];
console.log(lines.join('\n'));
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, lines.join('\n') + '\n');
