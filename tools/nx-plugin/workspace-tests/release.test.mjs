// @workspace-test uses=docker,cluster cached inputs=workspaceConfig,tools/deploy/**/*
// Issue 17's release scenarios through `nx run deploy:*`, as an operator runs them, against the local
// cluster (kwok nodes: pods are Ready but serve nothing, so the deploys say --skipAnalysis; the
// analysed paths are in slo.test.mjs). The same scenarios run through the executors' code in
// tools/nx-plugin/src/executors/release.cluster.spec.ts. Tests run in order and share the cluster.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pushVariant } from '../../workspace-tests/images.mjs';
import { assertStatusTruth } from '../../workspace-tests/release-status.mjs';
import { repoRoot, scratchCopy, tryRun, withSeveralReplicas } from '../../workspace-tests/scratch.mjs';
import { deleteTestNamespace, kubectlIn } from '../../workspace-tests/local-stack.mjs';

const NS = `it-release-${process.pid}`;
const SVC = 'execution-engine';
const kubectl = kubectlIn(NS);
const json = (...args) => JSON.parse(kubectl('get', ...args, '-o', 'json'));
let scratch;
let image;
let serviceFile;
let original;

const nx = (target, ...args) => tryRun(scratch.dir, 'npx', ['nx', 'run', `deploy:${target}`, `--services=${SVC}`, '--output-style=static', ...args]);
const deploy = (...args) => nx('staging', '--skipAnalysis', ...args);
const selector = () => json('service', SVC).spec.selector;
const annotations = () => json('service', SVC).metadata.annotations ?? {};
const templateOf = (color) => json('deploy', `${SVC}-${color}`).spec.template;
const history = () => JSON.parse(json('configmap', `${SVC}-releases`).data.history);
/** The releases of the pods behind the Service's endpoints. */
const releasesBehind = () => {
  const pods = json('endpointslices', '-l', `kubernetes.io/service-name=${SVC}`).items.flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef.name));
  return [...new Set(pods.map((p) => json('pod', p).metadata.labels['trading.dev/release']))];
};
const truth = () => assertStatusTruth(scratch.dir, { namespace: NS, service: SVC });
let r1;
let r2;

before(() => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  image = pushVariant('it-release', 1);
  scratch = scratchCopy();
  withSeveralReplicas(scratch.dir);
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  writeFileSync(
    envFile,
    readFileSync(envFile, 'utf8')
      .replace('namespace: trading-staging', `namespace: ${NS}`)
      .replace('rolloutTimeoutSeconds: 120', 'rolloutTimeoutSeconds: 30')
      .replace('scaleDownDelaySeconds: 30', 'scaleDownDelaySeconds: 1'),
  );
  mkdirSync(join(scratch.dir, 'dist', SVC), { recursive: true });
  writeFileSync(join(scratch.dir, 'dist', SVC, 'image.json'), JSON.stringify({ project: SVC, reference: image, revision: 'd'.repeat(40) }));
  serviceFile = join(scratch.dir, `tools/deploy/services/${SVC}.yaml`);
  original = readFileSync(serviceFile, 'utf8');
});

after(() => {
  deleteTestNamespace(NS);
  scratch?.cleanup();
});

test('a config-only change (same image) is a new release through the idle colour; only its pods are behind the Service', () => {
  const first = deploy();
  assert.equal(first.code, 0, first.out);
  r1 = selector()['trading.dev/release'];
  assert.equal(selector()['trading.dev/color'], 'blue');
  writeFileSync(serviceFile, original.replace('RUST_LOG: info', 'RUST_LOG: debug'));
  const second = deploy();
  assert.equal(second.code, 0, second.out);
  r2 = selector()['trading.dev/release'];
  assert.notEqual(r2, r1, 'a new release: the template changed');
  assert.equal(selector()['trading.dev/color'], 'green');
  assert.equal(templateOf('green').spec.containers[0].image, image, 'same image');
  assert.deepEqual(
    templateOf('green').spec.containers[0].env.find((e) => e.name === 'RUST_LOG'),
    { name: 'RUST_LOG', value: 'debug' },
  );
  assert.deepEqual(releasesBehind(), [r2]);
  assert.deepEqual(truth().warnings, []);
});

test('a replica-only change scales the live colour in place: same release, no switch', () => {
  writeFileSync(serviceFile, original.replace('RUST_LOG: info', 'RUST_LOG: debug').replace('staging: 2', 'staging: 3'));
  try {
    const result = deploy();
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /scale the live colour 2 -> 3/);
    assert.deepEqual([selector()['trading.dev/color'], selector()['trading.dev/release']], ['green', r2], 'no switch, same release');
    assert.equal(json('deploy', `${SVC}-green`).spec.replicas, 3);
  } finally {
    writeFileSync(serviceFile, original.replace('RUST_LOG: info', 'RUST_LOG: debug'));
  }
  assert.equal(deploy().code, 0);
  assert.equal(json('deploy', `${SVC}-green`).spec.replicas, 2);
});

test('deploy:rollback restores the whole template (config too) and records RolledBack with the release taken off', () => {
  const result = nx('rollback', '--reason=nx: bad log level');
  assert.equal(result.code, 0, result.out);
  assert.deepEqual([selector()['trading.dev/color'], selector()['trading.dev/release']], ['blue', r1]);
  assert.deepEqual(
    templateOf('blue').spec.containers[0].env.find((e) => e.name === 'RUST_LOG'),
    { name: 'RUST_LOG', value: 'info' },
  );
  assert.equal(annotations()['trading.dev/phase'], 'RolledBack');
  assert.equal(annotations()['trading.dev/aborted-release'], r2);
  assert.deepEqual(releasesBehind(), [r1]);
  const status = truth();
  assert.equal(status.aborted.release, r2);
  assert.deepEqual(status.warnings, []);
});

test('a rollback that names a release no longer live does nothing, from the CLI and from an alert', () => {
  const before = history();
  const cli = nx('rollback', `--from=${r2}`);
  assert.equal(cli.code, 0, cli.out);
  assert.match(cli.out, new RegExp(`release ${r2} is not live \\(live: ${r1} on blue, RolledBack\\); nothing to roll back`));
  const alert = join(scratch.dir, 'alert.json');
  writeFileSync(
    alert,
    JSON.stringify({
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'TradingErrorRateHigh', service: SVC, environment: 'staging', release: r2 } }],
    }),
  );
  const fromAlert = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', `--alert=${alert}`, '--output-style=static']);
  assert.equal(fromAlert.code, 0, fromAlert.out);
  assert.match(fromAlert.out, /is not live .*nothing to roll back/);
  assert.deepEqual(history(), before, 'history unchanged');
  assert.equal(selector()['trading.dev/release'], r1);
});

test('the release taken off traffic is not deployed again unless --retryAborted', () => {
  const refused = deploy();
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, new RegExp(`release ${r2} was taken off traffic before .*pass --retryAborted`));
  assert.equal(selector()['trading.dev/release'], r1);
  const retried = deploy('--retryAborted');
  assert.equal(retried.code, 0, retried.out);
  assert.deepEqual([selector()['trading.dev/color'], selector()['trading.dev/release']], ['green', r2]);
});

test('a bare rollback takes only recent, unjudged or failing services; deploy:abort and deploy:promote with nothing in progress change nothing', () => {
  const stale = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', '--recentMinutes=0', '--output-style=static']);
  assert.notEqual(stale.code, 0);
  assert.match(stale.out, /no service's live release is recent \(0 min\), still being judged or failing, so nothing was rolled back/);
  assert.equal(selector()['trading.dev/release'], r2);
  for (const decision of ['abort', 'promote']) {
    const result = nx(decision, '--reason=nx: idle');
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /nothing-in-progress|nothing in progress|not being judged/i, result.out);
  }
  assert.equal(selector()['trading.dev/release'], r2);
  assert.deepEqual(truth().warnings, []);
});
