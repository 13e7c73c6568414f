// @workspace-test uses=docker,cluster,prometheus cached images=agents inputs=workspaceConfig,tools/deploy/**/*,tools/load/**/*
// What the deploy's SLO analysis does when its parts fail, through `nx run deploy:*` against the
// local cluster and a real Prometheus scraping an exporter that stands for the new version's pods
// (slo-fixture.mjs): Prometheus stopped mid-soak halts; a deploy killed mid-soak or cut off from the
// API server is resumed by its rerun; the production canary, killed or rolled back; the alert entry
// point of the rollback. The Prometheus it stops is its own (private-prometheus.mjs), and the API
// server it loses is the deploy's path to it (api-proxy.mjs): the cluster and the stack's
// Prometheus (its binary and scripts run the private one) serve the tests beside it throughout, so
// it only shares them. Its bounds are minutes,
// not the judgments' seconds (slo.test.mjs, alone). Tests run in order, from agents live on green
// (digest 2) over blue (digest 1).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiProxy } from '../../workspace-tests/api-proxy.mjs';
import { start, tryRun } from '../../workspace-tests/scratch.mjs';
import { kubectl } from '../../workspace-tests/local-stack.mjs';
import {
  NS,
  NS_PROD,
  deploy,
  deployInBackground,
  digest,
  exporter,
  history,
  prod,
  prometheus,
  record,
  replicas,
  rerunOnceLeaseLapses,
  scratch,
  selector,
  setUp,
  sleep,
  startExporter,
  startSoakOnIdleColour,
  tearDown,
  truth,
  waitForSeries,
} from './slo-fixture.mjs';

before(async () => {
  await setUp({ seed: 2, privatePrometheus: true });
  assert.equal(selector(), 'green');
  assert.equal(replicas('blue'), 0);
});
after(() => tearDown());

test('Prometheus stopped mid-soak halts the promotion: new colour live, old colour kept up', async () => {
  exporter.set({ errorRatio: 0, slowRatio: 0 });
  exporter.target({ namespace: NS, service: 'agents', color: 'blue' });
  await waitForSeries(`namespace="${NS}",color="blue"`);
  record(digest(5));
  const run = deployInBackground('deploy:staging', '--soakSeconds=60');
  await run.waitFor(/soak of agents on blue\) round 1: error-rate: last 0\.00%/);
  prometheus.down();
  const code = await run.exited;
  const out = run.output();
  assert.notEqual(code, 0, out);
  assert.ok(
    out.includes(`halted: soak analysis inconclusive: error-rate: Prometheus at ${prometheus.url} unreachable (ECONNREFUSED) (2 measurement(s) in a row)`),
    out,
  );
  assert.match(out, /Go back with `npx nx run deploy:abort -c staging --services=agents`/);
  assert.match(out, /\| agents \| HALTED \| blue [0-9a-f]{12} \(Halted\) \|/);
  assert.equal(selector(), 'blue', 'halting does not move traffic');
  assert.equal(replicas('green'), 2, 'the old colour stays at full size for the operator');
  assert.equal(history().at(-1).outcome, 'live');
});

test('with Prometheus down a deploy refuses to start and moves nothing', async () => {
  record(digest(6));
  const result = await deploy('--soakSeconds=6');
  assert.notEqual(result.code, 0);
  assert.match(result.out, /unreachable \(ECONNREFUSED\): the analysis could not judge this release, so nothing was deployed/);
  assert.equal(selector(), 'blue');
  assert.equal(
    kubectl('-n', NS, 'get', 'deploy', 'agents-green', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    digest(2),
    'the idle colour was not touched',
  );
});

test('the alert entry point rolls back what a firing alert names; a resolved one does nothing', () => {
  // The release label as the SLO rules set it (the release the alert fired for, live now).
  const live = kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/release}');
  const payload = (status) => ({
    version: '4',
    status,
    alerts: [
      {
        status,
        labels: { alertname: 'TradingErrorRateHigh', service: 'agents', namespace: NS, severity: 'page', release: live },
        annotations: { summary: 'agents: 3% of responses are 5xx' },
      },
    ],
  });
  const file = join(scratch.dir, 'alert.json');
  writeFileSync(file, JSON.stringify(payload('resolved')));
  const resolved = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', '--output-style=static', `--alert=${file}`]);
  assert.equal(resolved.code, 0, resolved.out);
  assert.match(resolved.out, /no alert is firing/);
  assert.equal(selector(), 'blue');

  writeFileSync(file, '{"alerts": "nope"}');
  const bad = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', '--output-style=static', `--alert=${file}`]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /not an Alertmanager webhook payload/);

  writeFileSync(file, JSON.stringify(payload('firing')));
  const fired = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', '--output-style=static', `--alert=${file}`]);
  assert.equal(fired.code, 0, fired.out);
  assert.match(fired.out, /alert TradingErrorRateHigh: agents: 3% of responses are 5xx -> rollback of agents in staging/);
  assert.equal(selector(), 'green');
  assert.match(history().at(-1).reason, /^alert TradingErrorRateHigh/);
});

// Issue 17, scenario 2: the soak is a persisted phase, not a side effect of the switch. A deploy
// killed mid-soak leaves the active Service in phase Soaking with the old colour up; the rerun
// (from any machine) resumes the soak for the time left instead of promoting unjudged.
test('a deploy killed mid-soak: the rerun resumes the soak for the time left, then promotes', async () => {
  prometheus.up();
  const { from, to, run } = await startSoakOnIdleColour(7);
  process.kill(-run.child.pid, 'SIGKILL');
  await run.exited;
  const phase = () => kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.metadata.annotations.trading\\.dev/phase}');
  assert.equal(selector(), to, 'killed after the switch');
  assert.equal(phase(), 'Soaking', 'the cluster records that the soak is owed');
  assert.equal(replicas(from), 2, 'the old colour stays up while the soak is owed');
  // The killed run's lease lapses 15 s after its last renewal; a rerun then watches it for another
  // 15 s on its own clock before taking it over, and resumes.
  const rerun = await rerunOnceLeaseLapses(() => deploy('--soakSeconds=60'));
  assert.equal(rerun.code, 0, rerun.out);
  const left = Number(/resuming the soak an interrupted run left pending: (\d+) s of it left/.exec(rerun.out)?.[1]);
  assert.ok(left > 0 && left < 60, `resumed with ${left} s left:\n${rerun.out}`);
  assert.match(rerun.out, /soak passed after \d+ round\(s\)/);
  assert.match(rerun.out, new RegExp(`\\| agents \\| soaked \\| ${to} \\|`));
  assert.equal(phase(), 'Promoted');
  assert.equal(replicas(from), 0, 'scaled down only after the soak passed');
  assert.deepEqual(truth().warnings, []);
});

// Issue 17: the API server lost during the soak (the deploy's connection to it cut: api-proxy.mjs).
// The soak cannot check health, halts, and cannot even record that: the deploy fails saying it
// cannot tell where traffic is, the phase in the cluster is still Soaking, and the rerun once the
// API is back resumes the soak and promotes.
test('the API server lost during the soak: the deploy stops without claiming anything, the rerun resumes and promotes', async () => {
  const proxy = await apiProxy();
  let code;
  let run;
  let from;
  let to;
  try {
    ({ from, to, run } = await startSoakOnIdleColour(8, { KUBECONFIG: proxy.kubeconfig }));
    await proxy.cut();
    code = await run.exited;
  } finally {
    await proxy.close();
  }
  const out = run.output();
  assert.notEqual(code, 0, out);
  assert.match(out, /the health check could not run: cannot reach the Kubernetes API/);
  assert.match(out, /\| agents \| FAILED \| unknown \(cluster unreachable\): see npx nx run deploy:status \|/);
  assert.equal(selector(), to, 'traffic stayed on the new colour');
  assert.equal(kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.metadata.annotations.trading\\.dev/phase}'), 'Soaking', 'still owed');
  assert.equal(replicas(from), 2, 'the old colour is still up');
  // The failed run could not release its lease with the API down; remove it rather than wait it out.
  kubectl('-n', NS, 'delete', 'lease', 'deploy-agents', '--ignore-not-found');
  const rerun = await deploy('--soakSeconds=60');
  assert.equal(rerun.code, 0, rerun.out);
  assert.match(rerun.out, /resuming the soak an interrupted run left pending/);
  assert.match(rerun.out, /soak passed/);
  assert.equal(replicas(from), 0);
  assert.deepEqual(truth().warnings, []);
});

test('production: a canary with errors never moves traffic; a healthy canary is followed by the swap and soak', async () => {
  prometheus.up();
  record(digest(1));
  assert.equal((await prod('--skipAnalysis')).code, 0);
  assert.equal(selector(NS_PROD), 'blue');

  exporter.set({ errorRatio: 0.05, slowRatio: 0 });
  exporter.target({ namespace: NS_PROD, service: 'agents', color: 'blue', track: 'canary' });
  await waitForSeries(`namespace="${NS_PROD}",track="canary"`);
  record(digest(2));
  const bad = await prod('--soakSeconds=4');
  assert.notEqual(bad.code, 0, bad.out);
  assert.match(bad.out, /canary: 1 pod\(s\) of the new version behind the active Service \(blue\)/);
  assert.match(bad.out, /canary failed: analysis failed: error-rate 5\.\d\d% > 1\.00%/);
  assert.equal(selector(NS_PROD), 'blue');
  assert.throws(() => kubectl('-n', NS_PROD, 'get', 'deploy', 'agents-canary'), /NotFound/);
  assert.equal(replicas('green', NS_PROD), 0);

  exporter.set({ errorRatio: 0 });
  await sleep(3500); // the 3 s window forgets the errors
  const green = await startExporter({ name: `slo-test-green-${process.pid}` }); // the green pods after the swap
  try {
    green.target({ namespace: NS_PROD, service: 'agents', color: 'green' });
    await waitForSeries(`namespace="${NS_PROD}",color="green"`);
    const good = await prod('--soakSeconds=4');
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /canary before switching blue -> green[\s\S]*canary passed[\s\S]*switch traffic blue -> green[\s\S]*soak passed/);
    assert.equal(selector(NS_PROD), 'green');
  } finally {
    await green.close();
  }
});

const prodRelease = () => kubectl('-n', NS_PROD, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/release}');
/** A production deploy of digest(n) in the background, in its canary's analysis (the exporter reports a healthy canary). */
async function productionDeployInCanary(n, ...args) {
  const from = selector(NS_PROD);
  const liveRelease = prodRelease();
  exporter.set({ errorRatio: 0, slowRatio: 0 });
  exporter.target({ namespace: NS_PROD, service: 'agents', color: from, track: 'canary' });
  await waitForSeries(`namespace="${NS_PROD}",track="canary",color="${from}"`);
  record(digest(n));
  const run = deployInBackground('deploy:production', ...args);
  await run.waitFor(/analysis \(canary of agents\) round \d+: error-rate: last 0\.00%/);
  return { from, to: from === 'blue' ? 'green' : 'blue', liveRelease, run };
}

// Issue 17: the executor SIGKILLed during the production canary. Traffic never moved; the canary it
// left is an orphan that deploy:status reports; the rerun removes it, judges a canary of its own
// (never promotes on the dead run's rounds), then swaps and soaks.
test('production: a deploy killed during its canary leaves traffic untouched; the rerun removes the orphan, judges a new canary, swaps and soaks', async () => {
  const { from, to, liveRelease, run } = await productionDeployInCanary(3, '--soakSeconds=4');
  process.kill(-run.child.pid, 'SIGKILL');
  await run.exited;
  assert.equal(selector(NS_PROD), from, 'traffic never moved');
  assert.equal(prodRelease(), liveRelease);
  assert.equal(replicas('canary', NS_PROD), 1, 'the killed run left its canary behind');
  assert.match(truth(NS_PROD).warnings.join('\n'), /a canary is up/);

  const next = await startExporter({ name: `slo-test-${to}-${process.pid}` }); // the new colour's pods after the swap
  try {
    next.target({ namespace: NS_PROD, service: 'agents', color: to });
    await waitForSeries(`namespace="${NS_PROD}",color="${to}"`);
    const rerun = await rerunOnceLeaseLapses(() => prod('--soakSeconds=4'));
    assert.equal(rerun.code, 0, rerun.out);
    assert.match(rerun.out, /removing the canary agents-canary an interrupted deploy left \(1\/1 available/);
    assert.match(rerun.out, new RegExp(`canary: 1 pod\\(s\\)[\\s\\S]*canary passed[\\s\\S]*switch traffic ${from} -> ${to}[\\s\\S]*soak passed`));
    assert.equal(selector(NS_PROD), to);
    assert.throws(() => kubectl('-n', NS_PROD, 'get', 'deploy', 'agents-canary'), /NotFound/);
    const status = truth(NS_PROD);
    assert.equal(status.phase, 'Promoted');
    assert.deepEqual(status.warnings, []);
  } finally {
    await next.close();
  }
});

// Issue 34, path 7: a rollback during the part of a deploy before its switch (the production
// canary: about 25 minutes with its approval, analysis and integration tests) was refused, so the
// 60 s RTO could not be met until someone cancelled the workflow. Now it cancels the deploy: the
// deploy's lease is taken over, its canary removed (the new release's only traffic) and its
// colour scaled down, while traffic stays on the live release.
test('production: deploy:rollback during a running canary cancels the deploy within seconds; traffic stays on the live release', async () => {
  const { from, to, liveRelease, run } = await productionDeployInCanary(4, '--canaryAnalysisSeconds=120');
  const started = Date.now();
  // In the background, not spawnSync: a blocked event loop here stops the exporter answering
  // Prometheus (scrape timeout 900 ms), the canary's series go stale, and the deploy fails its
  // canary as inconclusive before the rollback reaches it (full12: the rollback then found no
  // deploy and rolled the live release back instead of cancelling).
  const rollbackRun = start(scratch.dir, 'npx', [
    'nx',
    'run',
    'deploy:rollback',
    '-c',
    'production',
    '--services=agents',
    '--reason=it: canary looks wrong',
    '--output-style=static',
  ]);
  const rollback = { code: await rollbackRun.exited, out: rollbackRun.output() };
  const commandSeconds = (Date.now() - started) / 1000;
  assert.equal(rollback.code, 0, rollback.out);
  const cancelled = Number(
    /deploy cancelled in ([\d.]+) s: canary removed, \w+ \(release [0-9a-f]{12}\) scaled down; traffic stays on/.exec(rollback.out)?.[1],
  );
  assert.ok(cancelled >= 0 && cancelled < 60, rollback.out);
  assert.match(rollback.out, /\| agents \| cancelled \|/);
  console.log(
    `rollback during the canary: canary removed ${cancelled.toFixed(2)} s after the command started its work; whole nx command ${commandSeconds.toFixed(1)} s`,
  );
  assert.throws(() => kubectl('-n', NS_PROD, 'get', 'deploy', 'agents-canary'), /NotFound/);
  assert.equal(replicas(to, NS_PROD), 0);
  assert.equal(selector(NS_PROD), from, 'traffic never moved');
  assert.equal(prodRelease(), liveRelease);
  // The deploy finds its lease taken at its next renewal and stops without writing anything more.
  const code = await run.exited;
  assert.notEqual(code, 0, run.output());
  assert.match(run.output(), /lost the deploy lease of agents to /);
  assert.equal(selector(NS_PROD), from);
  assert.throws(() => kubectl('-n', NS_PROD, 'get', 'deploy', 'agents-canary'), /NotFound/, 'the stopped deploy left no canary behind');
  assert.equal(history(NS_PROD).at(-1).outcome, 'failed');
  assert.match(history(NS_PROD).at(-1).reason, /cancelled before its switch by a rollback/);
  assert.deepEqual(truth(NS_PROD).warnings, []);
});
