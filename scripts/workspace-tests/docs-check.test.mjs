// @workspace-test cached inputs=**/*.md
// scripts/docs-check.mjs: the README and docs/ against their links, the project graph, the plugin
// and the pinned versions; the repository passes it, and each kind of drift planted in a copy is
// reported by name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, run, tryRun } from '../../tools/workspace-tests/scratch.mjs';
import { anchors, checkDocs, checkLinks, checkProjects, checkVersions, projectRows, slug } from '../docs-check.mjs';
import { checkRuns } from '../run-record.mjs';

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

test("the README's measured runs are docs/runs.json rendered: a figure typed over, or a run recorded and not rendered, is reported", () => {
  const dir = copyOfDocs();
  try {
    assert.deepEqual(checkRuns(dir), []);
    const readme = join(dir, 'README.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace(/: 1697 s \(28\.3 min\)/, ': 1500 s (25.0 min)'));
    const drift = ['README.md: the list of measured runs differs from docs/runs.json: run `node scripts/run-record.mjs render`'];
    assert.deepEqual(checkRuns(dir), drift);
    assert.equal(tryRun(dir, 'node', ['scripts/run-record.mjs', 'render']).code, 0);
    assert.deepEqual(checkRuns(dir), []);
    // A run's record, added: the README lists it, in the words the renderer gives it.
    const junit = join(dir, 'reports/workspace-tests');
    mkdirSync(junit, { recursive: true });
    writeFileSync(join(junit, 'a.xml'), '<testsuites><!-- pass 7 --><!-- fail 1 --><!-- skipped 0 --><!-- todo 0 --><!-- cancelled 0 --></testsuites>');
    run(dir, 'git', ['init', '-q']);
    run(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-q', '--allow-empty', '-m', 'x']);
    const written = tryRun(dir, 'node', ['scripts/run-record.mjs', 'write', 'test-all.sh', '1234', '1', 'reports/workspace-tests']);
    assert.equal(written.code, 0, written.out);
    const record = JSON.parse(readFileSync(join(dir, 'reports/run.json'), 'utf8'));
    assert.deepEqual(
      { ...record, date: 'd', commit: 'c' },
      { command: 'test-all.sh', date: 'd', commit: 'c', seconds: 1234, exit: 1, workspaceTests: { passed: 7, failed: 1 } },
    );
    const added = tryRun(dir, 'node', ['scripts/run-record.mjs', 'add', 'reports/run.json', 'new', 'a planted run']);
    assert.equal(added.code, 0, added.out);
    assert.match(
      readFileSync(readme, 'utf8'),
      /- `test-all\.sh` on a new machine \(\d{4}-\d\d-\d\d, [0-9a-f]+\): 1234 s \(20\.6 min\), exit 1, 7 workspace tests passed, 1 failed\. A planted run\.\n<!-- runs: end -->/,
    );
    assert.deepEqual(checkRuns(dir), []);
    assert.notEqual(
      tryRun(dir, 'node', ['scripts/run-record.mjs', 'add', 'reports/run.json', 'tepid']).code,
      0,
      'a machine that is neither new nor warm is refused',
    );
    writeFileSync(join(dir, 'docs/runs.json'), '[{"command": "deploy.sh", "machine": "new", "seconds": 1}]');
    assert.deepEqual(checkRuns(dir), ['docs/runs.json: docs/runs.json[0]: command deploy.sh is not one of main.sh, test-all.sh']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
