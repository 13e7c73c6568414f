// @workspace-test uses=docker,cluster cached inputs=workspaceConfig,tools/deploy/**/*,Cargo.toml,Cargo.lock,.python-version,rust-toolchain.toml
// The service and library generators, through `nx g` in a scratch copy: one service per language
// is generated, a Python and a Rust library are wired into them, all show up in the project graph
// and `nx affected`, pass lint, test, coverage, build and docker-build through nx like the
// hand-written projects, and the services are deployed to the local cluster by `nx run deploy:staging`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';
import { deleteTestNamespace, kubectl } from '../../workspace-tests/local-stack.mjs';

const NS = `it-generated-${process.pid}`;
const SERVICES = { python: 'gen-quotes', rust: 'gen-router', nextjs: 'gen-blotter' };
let scratch;
const nx = (...args) => tryRun(scratch.dir, 'npx', ['nx', ...args, '--output-style=static']);
const generate = (...args) => tryRun(scratch.dir, 'npx', ['nx', 'g', '@trading/nx-plugin:service', ...args]);

before(() => {
  // Next.js' Turbopack refuses a node_modules symlink that leaves the workspace: hard links.
  scratch = scratchCopy({ hardLinkNodeModules: true });
  // Cargo reuses the workspace's compiled dependencies (the generated crate's are the engine's).
  mkdirSync(join(repoRoot, 'target'), { recursive: true });
  symlinkSync(join(repoRoot, 'target'), join(scratch.dir, 'target'));
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  writeFileSync(
    envFile,
    readFileSync(envFile, 'utf8').replace('namespace: trading-staging', `namespace: ${NS}`).replace('scaleDownDelaySeconds: 30', 'scaleDownDelaySeconds: 1'),
  );
  run(scratch.dir, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', 'test namespace']);
});

after(() => {
  deleteTestNamespace(NS);
  scratch?.cleanup();
});

test('a dry run lists the files and writes none', () => {
  const before = run(scratch.dir, 'git', ['status', '--porcelain']);
  const dry = generate('gen-dry', '--language=rust', '--dry-run');
  assert.equal(dry.code, 0, dry.out);
  assert.match(dry.out, /CREATE apps\/gen-dry\/src\/risk\/mod\.rs/);
  assert.match(dry.out, /CREATE tools\/deploy\/services\/gen-dry\.yaml/);
  assert.match(dry.out, /UPDATE Cargo\.toml/);
  assert.equal(existsSync(join(scratch.dir, 'apps/gen-dry')), false);
  assert.equal(run(scratch.dir, 'git', ['status', '--porcelain']), before);
});

test('one service per language is generated, and a second run on a taken name refuses', () => {
  for (const [language, name] of Object.entries(SERVICES)) {
    const made = generate(name, `--language=${language}`);
    assert.equal(made.code, 0, made.out);
  }
  const again = generate(SERVICES.python, '--language=python');
  assert.notEqual(again.code, 0);
  assert.match(again.out, /a project named "gen-quotes" already exists: choose another name/);
  assert.match(readFileSync(join(scratch.dir, 'Cargo.toml'), 'utf8'), /"apps\/gen-router"/);
  assert.match(readFileSync(join(scratch.dir, 'Cargo.lock'), 'utf8'), /name = "gen-router"/);
  assert.ok(existsSync(join(scratch.dir, 'apps/gen-quotes/uv.lock')), 'the Python service is locked');
});

test('a library per language is generated into a dependent service, which Nx then sees', () => {
  for (const [language, name, dependent] of [
    ['python', 'gen-pricing', SERVICES.python],
    ['rust', 'gen-fees', SERVICES.rust],
    ['typescript', 'gen-fx', SERVICES.nextjs],
  ]) {
    const made = tryRun(scratch.dir, 'npx', ['nx', 'g', '@trading/nx-plugin:library', name, `--language=${language}`, `--dependent=${dependent}`]);
    assert.equal(made.code, 0, made.out);
  }
  const wrong = tryRun(scratch.dir, 'npx', ['nx', 'g', '@trading/nx-plugin:library', 'gen-nope', '--language=rust', `--dependent=${SERVICES.python}`]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.out, /gen-quotes is not a rust project/);
  run(scratch.dir, 'npx', ['nx', 'graph', '--file=graph.json']);
  const { graph } = JSON.parse(readFileSync(join(scratch.dir, 'graph.json'), 'utf8'));
  assert.ok(
    graph.dependencies[SERVICES.python].some((d) => d.target === 'gen-pricing'),
    JSON.stringify(graph.dependencies[SERVICES.python]),
  );
  assert.ok(
    graph.dependencies[SERVICES.rust].some((d) => d.target === 'gen-fees'),
    JSON.stringify(graph.dependencies[SERVICES.rust]),
  );
  assert.ok(
    graph.dependencies[SERVICES.nextjs].some((d) => d.target === 'gen-fx'),
    JSON.stringify(graph.dependencies[SERVICES.nextjs]),
  );
  const affected = run(scratch.dir, 'npx', ['nx', 'show', 'projects', '--affected', '--files=libs/gen-fees/src/lib.rs']);
  assert.deepEqual(affected.trim().split('\n').sort(), ['deploy', 'gen-fees', SERVICES.rust].sort());
});

test('the generated services are affected by their own change', () => {
  const affected = run(scratch.dir, 'npx', [
    'nx',
    'show',
    'projects',
    '--affected',
    '--files=apps/gen-quotes/src/gen_quotes/service.py,apps/gen-router/src/http.rs,apps/gen-blotter/app/page.tsx',
  ]);
  assert.deepEqual(affected.trim().split('\n').sort(), ['deploy', ...Object.values(SERVICES)].sort());
});

test('each passes lint, test, coverage (100% on finance and risk), build and docker-build through nx', () => {
  const projects = Object.values(SERVICES).join(',');
  const checked = nx('run-many', '-t', 'lint', 'typecheck', 'test', 'coverage', 'build', '-p', `${projects},gen-pricing,gen-fees,gen-fx`, '--parallel=1');
  assert.equal(checked.code, 0, checked.out);
  for (const name of Object.values(SERVICES)) {
    assert.match(checked.out, new RegExp(`Coverage gate for ${name}: PASSED`));
    assert.match(checked.out, new RegExp(`pass\\s+│ apps/${name}/\\S*finance\\S*\\s+│ lines\\s+│ 100\\.00%`));
  }
  const images = nx('run-many', '-t', 'docker-build', '-c', 'push', '-p', projects, '--parallel=1');
  assert.equal(images.code, 0, images.out);
  for (const name of Object.values(SERVICES)) {
    const record = JSON.parse(readFileSync(join(scratch.dir, 'dist', name, 'image.json'), 'utf8'));
    assert.match(record.reference, new RegExp(`/${name}@sha256:[0-9a-f]{64}$`));
  }
});

test('nx run deploy:staging deploys the generated services blue-green to the local cluster', () => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  const deploy = nx('run', 'deploy:staging', '--skipAnalysis');
  assert.equal(deploy.code, 0, deploy.out);
  for (const name of Object.values(SERVICES)) {
    assert.equal(kubectl('-n', NS, 'get', 'service', name, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}'), 'blue');
    const record = JSON.parse(readFileSync(join(scratch.dir, 'dist', name, 'image.json'), 'utf8'));
    assert.equal(kubectl('-n', NS, 'get', 'deploy', `${name}-blue`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), record.reference);
    assert.equal(
      kubectl('-n', NS, 'get', 'deploy', `${name}-blue`, '-o', 'jsonpath={.spec.template.spec.containers[0].readinessProbe.httpGet.path}'),
      '/readyz',
    );
  }
});
