// @workspace-test uses=docker,cluster cached images=agents,execution-engine,dashboard inputs=workspaceConfig,apps/dashboard-e2e/**/*,tools/nx-plugin/src/**/*
// Issue 18: the flow on the deployed services. The engine, the agents and the dashboard are
// deployed with `nx run deploy:staging` onto the local cluster's real node (a namespace of this
// test's own, annotated for the real node as trading-staging is), then the dashboard's browser tests
// run against that deploy (`nx run dashboard-e2e:e2e-deployed`): a signal posted to the agents'
// Service is booked by the engine's and shows on the dashboard page, served by its pod.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, kubectlIn } from '../../workspace-tests/local-stack.mjs';

const NS = `it-flow-${process.pid}`;
const SERVICES = ['execution-engine', 'agents', 'dashboard'];
const kubectl = kubectlIn(NS);
let scratch;
const images = {};

before(() => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  scratch = scratchCopy();
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('namespace: trading-staging', `namespace: ${NS}`));
  execFileSync('kubectl', ['--context', CONTEXT, 'create', 'namespace', NS]);
  execFileSync('kubectl', ['--context', CONTEXT, 'annotate', 'namespace', NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real']);
  // The images this checkout built and pushed (nx run-many -t docker-build -c push, as test-all does).
  for (const service of SERVICES) {
    images[service] = JSON.parse(readFileSync(join(repoRoot, 'dist', service, 'image.json'), 'utf8'));
    mkdirSync(join(scratch.dir, 'dist', service), { recursive: true });
    writeFileSync(join(scratch.dir, 'dist', service, 'image.json'), JSON.stringify(images[service]));
  }
});

after(() => {
  try {
    execFileSync('kubectl', ['--context', CONTEXT, 'delete', 'namespace', NS, '--wait=false'], { stdio: 'ignore' });
  } catch {
    /* cluster gone */
  }
  scratch?.cleanup();
});

test('the engine, the agents and the dashboard deploy onto the real node; the stateful two as one pod each', () => {
  const result = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', `--services=${SERVICES.join(',')}`, '--skipAnalysis', '--output-style=static']);
  assert.equal(result.code, 0, result.out);
  const pods = JSON.parse(kubectl('get', 'pods', '-o', 'json')).items.filter((p) => !p.metadata.deletionTimestamp);
  const of = (service) => pods.filter((p) => p.metadata.labels['app.kubernetes.io/name'] === service);
  assert.ok(
    pods.every((p) => p.spec.nodeName === 'trading-node'),
    'every pod on the real node',
  );
  // One engine (the single sequencer of the book) and one agents pod (their outbox): two of either
  // split the state, and the dashboard would show one half of it.
  assert.equal(of('execution-engine').length, 1, JSON.stringify(pods.map((p) => p.metadata.name)));
  assert.equal(of('agents').length, 1);
  assert.ok(of('dashboard').length >= 1);
});

test('a signal posted to the deployed agents is booked by the deployed engine and shows on the dashboard, in Chromium', () => {
  const result = tryRun(repoRoot, 'npx', ['nx', 'run', 'dashboard-e2e:e2e-deployed', '--output-style=static'], {
    E2E_NAMESPACE: NS,
    E2E_CONTEXT: CONTEXT,
    E2E_FRESH: '1',
  });
  console.log(
    result.out
      .split('\n')
      .filter((l) => /✓|✘|passed|failed|skipped|e2e against/.test(l))
      .join('\n'),
  );
  assert.equal(result.code, 0, result.out);
  // The release the footer must name is the dashboard image's revision (the pods' version label).
  assert.match(result.out, new RegExp(`e2e against the release deployed in ${NS}: ${images.dashboard.revision.slice(0, 12)}`));
  assert.match(result.out, /2 passed/);
  assert.match(result.out, /1 skipped/); // stopping the engine is the process e2e's part
});
