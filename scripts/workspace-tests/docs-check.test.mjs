// @workspace-test cached
// scripts/docs-check.mjs: the README and docs/ against their links, the project graph, the plugin
// and the pinned versions; the repository passes it, and each kind of drift planted in a copy is
// reported by name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tryRun } from '../../tools/workspace-tests/scratch.mjs';
import { anchors, checkDocs, checkLinks, checkProjects, checkVersions, projectRows, slug } from '../docs-check.mjs';

test('the repository passes the check', () => {
  const result = tryRun(repoRoot, 'node', ['scripts/docs-check.mjs']);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /README and docs agree/);
});

test("headings get GitHub's anchors, repeats numbered, code fences ignored", () => {
  assert.equal(slug('How long the whole suite takes'), 'how-long-the-whole-suite-takes');
  assert.equal(slug('Run by act, as GitHub runs them'), 'run-by-act-as-github-runs-them');
  assert.equal(slug('The trading state: one PostgreSQL per environment'), 'the-trading-state-one-postgresql-per-environment');
  assert.equal(slug('`deploy:rollback --database` (section 4)'), 'deployrollback---database-section-4');
  const md = '# A\n## Notes\n```bash\n# not a heading\n```\n## Notes\n';
  assert.deepEqual([...anchors(md)], ['a', 'notes', 'notes-1']);
});

/** A copy of the repository's files (tracked and new, 4 MB), for planting drift in. */
function copyOfDocs() {
  const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(join(repoRoot, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(dir, f));
  }
  return dir;
}

test('a link to a missing file or heading is reported with the file it is in', () => {
  const dir = copyOfDocs();
  try {
    writeFileSync(
      join(dir, 'docs/new.md'),
      '# New\n\nSee [tests](tests.md#how-long-the-whole-suite-takes), [gone](gone.md), [nowhere](tests.md#no-such-heading),\n[a site](https://nx.dev) and `[not a link](nope.md)`.\n',
    );
    assert.deepEqual(checkLinks(dir, 'docs/new.md'), [
      'docs/new.md: link to gone.md: docs/gone.md does not exist',
      'docs/new.md: link to tests.md#no-such-heading: docs/tests.md has no heading #no-such-heading',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a project missing from the README's table, one at the wrong root, one that is gone, and an executor not named are reported", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const rows = projectRows(readme);
  assert.ok(rows.length >= 20, `the table's rows: ${rows.length}`);
  const projects = rows.map((r) => ({ name: r.name, root: r.root }));
  const plugin = { name: '@trading/nx-plugin', executors: ['coverage', 'rollback'], generators: ['service'] };
  assert.deepEqual(checkProjects(readme, [...projects, { name: '@trading/source', root: '.' }], plugin), []);
  const changed = [
    ...projects.filter((p) => p.name !== 'agents' && p.name !== 'load').map((p) => (p.name === 'dashboard' ? { ...p, root: 'apps/web' } : p)),
    { name: 'quote-feed', root: 'apps/quote-feed' },
  ];
  assert.deepEqual(checkProjects(readme.replace('| `load` |', '| `loader` |'), changed, { ...plugin, executors: [...plugin.executors, 'traffic-shift'] }), [
    'README.md: the project table puts dashboard at apps/dashboard; its root is apps/web',
    'README.md: the project table has no row for quote-feed (apps/quote-feed)',
    'README.md: the project table lists agents, which is no Nx project',
    'README.md: the project table lists loader, which is no Nx project',
    'README.md: the row of @trading/nx-plugin does not name its executor or generator `traffic-shift`',
  ]);
});

test('a version the docs state and the repository pins otherwise is reported, and so is a claim whose sentence is gone', () => {
  const dir = copyOfDocs();
  try {
    assert.deepEqual(checkVersions(dir), []);
    writeFileSync(join(dir, '.nvmrc'), '26.1.0\n');
    const stack = join(dir, 'docs/local-stack.md');
    writeFileSync(
      stack,
      readFileSync(stack, 'utf8')
        .replace(/k8s\.io\/kubernetes\s+v[\d.]+/, 'k8s.io/kubernetes v1.35.0')
        .replace(/CoreDNS\s+v[\d.]+/, 'CoreDNS'),
    );
    assert.deepEqual(checkVersions(dir), [
      'README.md: says Node.js 24; the source pins 26',
      'docs/local-stack.md: says Kubernetes v1.35.0; the source pins v1.36.3',
      'docs/local-stack.md: no longer states the CoreDNS version (/CoreDNS\\s+(v[\\d.]+)/): update scripts/docs-check.mjs',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('over a copy of the repository, only the planted broken link is reported', () => {
  const dir = copyOfDocs();
  try {
    const graph = projectRows(readFileSync(join(repoRoot, 'README.md'), 'utf8')).map((r) => ({ name: r.name, root: r.root }));
    writeFileSync(join(dir, 'README.md'), `${readFileSync(join(dir, 'README.md'), 'utf8')}\nSee [the old guide](docs/old.md).\n`);
    assert.deepEqual(checkDocs(dir, graph), ['README.md: link to docs/old.md: docs/old.md does not exist']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
