// @workspace-test uses=docker,cluster cached inputs=workspaceConfig
// Adopted by another team (issue 32): the plugin built and packed as a package (`npm pack` of its
// build), installed from the tarball into a new Nx workspace made from the registry's packages (no
// template, nothing of this repository), set up by its init generator, a Python service added by
// its service generator, then test, the coverage gate, the image and a blue-green deploy to the
// local cluster, all through the installed package; the workflows init writes pass the same
// workflow lint and audit as ours.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, run, tryRun } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, deleteTestNamespace, kubectl, PROMETHEUS_URL } from '../../workspace-tests/local-stack.mjs';

const PREFIX = `adopt-${process.pid}`;
const BASES = '127.0.0.1:5000/trading-base';
const NS = `${PREFIX}-staging`;
const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const version = (name) => root.devDependencies?.[name] ?? root.dependencies?.[name];
let dir;
let tarball;
// The new workspace's environment: its own clusters' contexts come from variables (environments.yaml).
const env = { STAGING_KUBE_CONTEXT: CONTEXT, PRODUCTION_KUBE_CONTEXT: CONTEXT, PROMETHEUS_URL, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const nx = (...args) => tryRun(dir, 'npx', ['nx', ...args], env);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'adopt-'));
  const built = tryRun(repoRoot, 'npx', ['nx', 'run', '@trading/nx-plugin:build', '--output-style=static']);
  assert.equal(built.code, 0, built.out);
  run(join(repoRoot, 'dist/tools/nx-plugin'), 'npm', ['pack', '--silent', '--pack-destination', dir]);
  tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
});

after(() => {
  deleteTestNamespace(NS);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the package: built JavaScript with declarations, its dependencies declared, nx and @nx/devkit as peers', () => {
  assert.ok(tarball, 'npm pack wrote a tarball');
  const listing = run(dir, 'tar', ['-tzf', tarball]).split('\n');
  assert.ok(listing.includes('package/src/index.js') && listing.includes('package/src/index.d.ts'), 'the entry point as JavaScript with its types');
  assert.ok(listing.includes('package/executors.json') && listing.includes('package/src/executors/gke-deploy/gke-deploy.impl.js'));
  assert.ok(listing.includes('package/src/generators/service/files/python/Dockerfile__tmpl__'), "the generators' templates");
  assert.deepEqual(
    listing.filter((f) => /\.spec\.(js|d\.ts)$|(?<!\.d)\.ts$/.test(f)),
    [],
    'no compiled spec and no TypeScript source (templates end in __tmpl__)',
  );
  const manifest = JSON.parse(run(dir, 'tar', ['-xzOf', tarball, 'package/package.json']));
  assert.equal(manifest.main, './src/index.js');
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ['@nx/devkit', 'nx']);
  assert.equal(manifest.license, 'Apache-2.0');
  assert.equal(manifest.dependencies['@kubernetes/client-node'], version('@kubernetes/client-node'));
  // The release model it imports (libs/release-model) travels inside it, built.
  assert.deepEqual(manifest.bundleDependencies, ['@trading/release-model']);
  assert.ok(listing.includes('package/node_modules/@trading/release-model/src/index.js'), 'the release model bundled');
});

test('a new workspace from the registry installs it, and its init generator sets the workspace up', () => {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'adopting-team',
      private: true,
      devDependencies: {
        nx: version('nx'),
        '@nx/devkit': version('@nx/devkit'),
        '@nxlv/python': version('@nxlv/python'),
        '@trading/nx-plugin': `file:./${tarball}`,
      },
    }),
  );
  writeFileSync(join(dir, 'nx.json'), JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json' }));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\ndist\ncoverage\n.nx\n');
  run(dir, 'git', ['init', '-q']);
  const installed = tryRun(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  assert.equal(installed.code, 0, installed.out);
  // Its base images are ours (no public registry is reachable here): recorded for the service generator.
  const init = nx('g', '@trading/nx-plugin:init', `--namespacePrefix=${PREFIX}`, `--baseImages=${BASES}`, '--no-interactive');
  assert.equal(init.code, 0, init.out);
  const nxJson = JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8'));
  assert.deepEqual(nxJson.plugins, ['@trading/nx-plugin']);
  assert.deepEqual(nxJson.generators, { '@trading/nx-plugin:service': { baseImages: BASES } });
  assert.match(readFileSync(join(dir, 'tools/deploy/environments.yaml'), 'utf8'), new RegExp(`namespace: ${NS}`));
});

test('its workflows pass actionlint (with shellcheck) and zizmor at the auditor persona, as ours do', () => {
  for (const file of ['.github/workflows/ci.yml', '.github/workflows/deploy.yml', '.github/PULL_REQUEST_TEMPLATE.md'])
    assert.ok(existsSync(join(dir, file)), `init wrote ${file}`);
  for (const tool of ['actionlint', 'shellcheck', 'zizmor'])
    assert.equal(tryRun(dir, 'bash', ['-c', `command -v ${tool}`]).code, 0, `${tool} is missing: run bash scripts/install-ci-tools.sh`);
  const lint = tryRun(dir, 'bash', ['-c', 'actionlint -no-color -shellcheck="$(command -v shellcheck)"']);
  assert.equal(lint.code, 0, lint.out);
  const audit = tryRun(dir, 'zizmor', ['--offline', '--persona=auditor', '--no-progress', '.github']);
  assert.equal(audit.code, 0, audit.out);
  assert.match(audit.out, /No findings/);
});

test('its service generator adds a Python service that passes test and the coverage gate, and builds its image', () => {
  const made = nx('g', '@trading/nx-plugin:service', 'quote-feed', '--language=python', '--no-interactive');
  assert.equal(made.code, 0, made.out);
  const targets = Object.keys(JSON.parse(run(dir, 'npx', ['nx', 'show', 'project', 'quote-feed', '--json'], env)).targets);
  for (const inferred of ['coverage', 'docker-build']) assert.ok(targets.includes(inferred), `inferred by the installed plugin: ${inferred} (${targets})`);
  const checked = nx('run-many', '-t', 'test', 'coverage', '-p', 'quote-feed', '--output-style=static');
  assert.equal(checked.code, 0, checked.out);
  assert.match(checked.out, /Coverage gate for quote-feed: PASSED/);
  // A team's workspace has its history: images are tagged by commit.
  run(dir, 'git', ['add', '-A']);
  run(dir, 'git', ['-c', 'user.name=team', '-c', 'user.email=team@localhost', 'commit', '-qm', 'quote-feed']);
  const image = nx('run', 'quote-feed:docker-build', '-c', 'push', '--output-style=static');
  assert.equal(image.code, 0, image.out);
  assert.match(JSON.parse(readFileSync(join(dir, 'dist/quote-feed/image.json'), 'utf8')).reference, /\/quote-feed@sha256:[0-9a-f]{64}$/);
});

test('deploy:staging of the installed plugin deploys it blue-green to the local cluster, and deploy:status reports it', () => {
  const deploy = nx('run', 'deploy:staging', '--skipAnalysis', '--output-style=static');
  assert.equal(deploy.code, 0, deploy.out);
  assert.equal(kubectl('-n', NS, 'get', 'service', 'quote-feed', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}'), 'blue');
  const record = JSON.parse(readFileSync(join(dir, 'dist/quote-feed/image.json'), 'utf8'));
  assert.equal(kubectl('-n', NS, 'get', 'deploy', 'quote-feed-blue', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), record.reference);
  const status = nx('run', 'deploy:status', '--json', '--output-style=static');
  assert.equal(status.code, 0, status.out);
  assert.match(status.out, /"service":"quote-feed","live":\{"color":"blue"/);
});
