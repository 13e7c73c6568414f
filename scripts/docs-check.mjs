#!/usr/bin/env node
// The README and docs/ checked against what they describe, so they cannot drift unnoticed
// (issue 32): run by the root project's `lint` (CI's affected lint, the main job).
//   node scripts/docs-check.mjs            exit 1 with one line per disagreement
// Four checks:
// - links: every relative link in README.md, CONTRIBUTING.md, SECURITY.md and docs/*.md names a
//   file that exists, and an anchor into a Markdown file names one of its headings (GitHub's
//   slugs);
// - projects: the README's project table lists every Nx project of the graph (name and root) and
//   nothing else, and its plugin row names every executor and generator the plugin declares;
// - versions: each version the README and docs/local-stack.md state (Nx, Node.js, Python, Kubernetes, etcd, kwok, act,
//   Prometheus, CoreDNS, CNI) equals the one its source pins (package.json, .nvmrc, the go.mod
//   files); a claim whose sentence is gone from the README is reported too, so the list is kept.
// - runs: the README's list of how long the quick start's commands took is the one
//   scripts/run-record.mjs renders from docs/runs.json (the runs' own records), word for word.
// Figures measured by runs and benchmarks are dated where they are stated.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkRuns } from './run-record.mjs';

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings (outside code fences), with GitHub's -1, -2 for repeats. */
export function anchors(markdown) {
  const seen = new Map();
  const out = new Set();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** The relative links of a Markdown text (inline links and images), outside code fences and spans. */
export function links(markdown) {
  const found = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('../../')) continue; // URLs; GitHub's repository-relative badges
      found.push(target);
    }
  }
  return found;
}

/** Problems with the links of `file` (a path relative to root): missing files and anchors. */
export function checkLinks(root, file, read = (p) => readFileSync(p, 'utf8')) {
  const problems = [];
  const text = read(join(root, file));
  for (const target of links(text)) {
    const [path, anchor] = target.split('#');
    const resolved = path ? join(dirname(join(root, file)), decodeURIComponent(path)) : join(root, file);
    if (!existsSync(resolved)) {
      problems.push(`${file}: link to ${target}: ${relative(root, resolved)} does not exist`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor))
      problems.push(`${file}: link to ${target}: ${relative(root, resolved)} has no heading #${anchor}`);
  }
  return problems;
}

/** The README's project table: rows whose first two cells are a `name` and a `root`. */
export function projectRows(readme) {
  const rows = [];
  for (const line of readme.split('\n')) {
    const m = /^\| `([^`]+)` \| `([^`]+)` \|(.*)\|$/.exec(line);
    if (m) rows.push({ name: m[1], root: m[2], rest: m[3] });
  }
  return rows;
}

/** Problems between the project table and the graph's projects (the root project aside), and the plugin's row. */
export function checkProjects(readme, projects, plugin) {
  const problems = [];
  const rows = projectRows(readme);
  const listed = new Map(rows.map((r) => [r.name, r]));
  for (const p of projects) {
    if (p.root === '.') continue;
    const row = listed.get(p.name);
    if (!row) problems.push(`README.md: the project table has no row for ${p.name} (${p.root})`);
    else if (row.root !== p.root) problems.push(`README.md: the project table puts ${p.name} at ${row.root}; its root is ${p.root}`);
  }
  const known = new Set(projects.map((p) => p.name));
  for (const r of rows) if (!known.has(r.name)) problems.push(`README.md: the project table lists ${r.name}, which is no Nx project`);
  const row = listed.get(plugin.name);
  for (const name of [...plugin.executors, ...plugin.generators])
    if (row && !row.rest.includes(`\`${name}\``)) problems.push(`README.md: the row of ${plugin.name} does not name its executor or generator \`${name}\``);
  return problems;
}

const goModule = (root, file, module) => {
  const m = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} v(\\S+)`, 'm').exec(readFileSync(join(root, file), 'utf8'));
  if (!m) throw new Error(`${file} does not require ${module}`);
  return m[1];
};
const packageVersion = (root, name) => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.[name];

const STACK = 'docs/local-stack.md';

/**
 * What the README (or `file`) states and where the truth is: the sentence (its first group the
 * value) and the value the source pins; they must be equal.
 */
export const VERSION_CLAIMS = [
  { what: 'Nx', readme: /An \[Nx\]\(https:\/\/nx\.dev\) (\d+) workspace/, source: (r) => packageVersion(r, 'nx').split('.')[0] },
  { what: 'Node.js', readme: /Node\.js\s+(\d+)\s+\(`\.nvmrc`\)/, source: (r) => readFileSync(join(r, '.nvmrc'), 'utf8').trim().split('.')[0] },
  { what: 'Python', readme: /Python (\d+\.\d+) \(uv\)/, source: (r) => readFileSync(join(r, '.python-version'), 'utf8').trim() },
  {
    what: 'Kubernetes',
    file: STACK,
    readme: /k8s\.io\/kubernetes\s+(v[\d.]+)/,
    source: (r) => `v${goModule(r, 'tools/local-cluster/go.mod', 'k8s.io/kubernetes')}`,
  },
  { what: 'etcd', file: STACK, readme: /etcd\s+([\d.]+)/, source: (r) => goModule(r, 'tools/local-cluster/go.mod', 'go.etcd.io/etcd/server/v3') },
  { what: 'kwok', file: STACK, readme: /kwok\s+(v[\d.]+)/, source: (r) => `v${goModule(r, 'tools/local-cluster/go.mod', 'sigs.k8s.io/kwok')}` },
  { what: 'act', file: STACK, readme: /act\s+(v[\d.]+)/, source: (r) => `v${goModule(r, 'tools/workflow-runner/go.mod', 'github.com/nektos/act')}` },
  {
    what: 'Prometheus',
    file: STACK,
    readme: /Prometheus\s+(\d+\.\d+)\s+built from its Go module/,
    // Prometheus' Go module versions are v0.MMmm.p for release M.mm.p (v0.316.0 is 3.16.0).
    source: (r) => {
      const [, minor] = goModule(r, 'tools/prometheus/go.mod', 'github.com/prometheus/prometheus').split('.');
      return `${Math.floor(Number(minor) / 100)}.${Number(minor) % 100}`;
    },
  },
  { what: 'CoreDNS', file: STACK, readme: /CoreDNS\s+(v[\d.]+)/, source: (r) => `v${goModule(r, 'tools/local-node/go.mod', 'github.com/coredns/coredns')}` },
  {
    what: 'CNI plugins',
    file: STACK,
    readme: /CNI's\s+bridge\s+plugin\s+(v[\d.]+)/,
    source: (r) => `v${goModule(r, 'tools/local-node/go.mod', 'github.com/containernetworking/plugins')}`,
  },
];

/** Problems between the stated versions and their sources. */
export function checkVersions(root, claims = VERSION_CLAIMS) {
  const problems = [];
  for (const claim of claims) {
    const file = claim.file ?? 'README.md';
    const m = claim.readme.exec(readFileSync(join(root, file), 'utf8'));
    if (!m) {
      problems.push(`${file}: no longer states the ${claim.what} version (${claim.readme}): update scripts/docs-check.mjs`);
      continue;
    }
    const truth = claim.source(root);
    if (m[1] !== truth) problems.push(`${file}: says ${claim.what} ${m[1]}; the source pins ${truth}`);
  }
  return problems;
}

/** The graph's projects (name, root) as Nx computes them. */
function graphProjects(root) {
  const scratch = mkdtempSync(join(tmpdir(), 'docs-check-'));
  try {
    execFileSync('npx', ['nx', 'graph', `--file=${join(scratch, 'graph.json')}`], { cwd: root, stdio: 'ignore' });
    return Object.values(JSON.parse(readFileSync(join(scratch, 'graph.json'), 'utf8')).graph.nodes).map((n) => ({ name: n.name, root: n.data.root }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every problem in the repository at `root`. */
export function checkDocs(root, projects = graphProjects(root)) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  const pluginDir = join(root, 'tools/nx-plugin');
  const plugin = {
    name: JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8')).name,
    executors: Object.keys(JSON.parse(readFileSync(join(pluginDir, 'executors.json'), 'utf8')).executors),
    generators: Object.keys(JSON.parse(readFileSync(join(pluginDir, 'generators.json'), 'utf8')).generators),
  };
  return [
    ...['README.md', 'CONTRIBUTING.md', 'SECURITY.md', ...docs].filter((f) => existsSync(join(root, f))).flatMap((f) => checkLinks(root, f)),
    ...checkProjects(readme, projects, plugin),
    ...checkVersions(root),
    ...checkRuns(root),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  const problems = checkDocs(root);
  for (const p of problems) console.error(`docs-check: ${p}`);
  if (problems.length) {
    console.error(`docs-check: ${problems.length} problem(s); fix the docs (or the check's list of claims in scripts/docs-check.mjs)`);
    process.exit(1);
  }
  console.log('docs-check: README and docs agree with the links, the project graph, the plugin, the pinned versions and the recorded runs');
}
