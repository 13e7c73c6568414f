// The SLO tests' shared setup (slo.test.mjs judges, slo-resilience.test.mjs recovers): `nx run
// deploy:*` in a scratch copy against the local cluster (kwok nodes) and the local Prometheus, which
// scrapes an exporter on loopback standing for the new version's pods (slo-exporter.mjs): its error
// share and latency are what the test sets. Each test file is its own process: its namespaces,
// exporter and scratch copy are its own, and with `privatePrometheus` its Prometheus too (a test
// that stops Prometheus stops its own, never the one the tests beside it query).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertStatusTruth } from '../../workspace-tests/release-status.mjs';
import { repoRoot, start, tryRun } from '../../workspace-tests/scratch.mjs';
import { deployScratch } from './deploy-scratch.mjs';
import { startPrivatePrometheus } from '../../workspace-tests/private-prometheus.mjs';
import { PROMETHEUS_URL, startExporter as startExporterFor, waitForSeries as waitForSeriesIn } from '../../workspace-tests/slo-exporter.mjs';
import { deleteTestNamespace, kubectl } from '../../workspace-tests/local-stack.mjs';

export const NS = `it-slo-${process.pid}`;
export const NS_PROD = `it-slo-prod-${process.pid}`;
export const INTERVAL = 2;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const digest = (n) => `127.0.0.1:5000/trading/slo-test@sha256:${String(n).repeat(64).slice(0, 64)}`;
export let scratch;
export let exporter;
/** The Prometheus the scratch copy's analysis queries: `{ url, up(), down() }` (down: a private one only). */
export let prometheus;
/** An exporter scraped by the fixture's Prometheus. */
export const startExporter = (options) => startExporterFor({ ...options, targets: prometheus.targets });
/** Waits until the fixture's Prometheus has a sample of the series. */
export const waitForSeries = (matcher) => waitForSeriesIn(matcher, { url: prometheus.url });

export const record = (image) => {
  mkdirSync(join(scratch.dir, 'dist/agents'), { recursive: true });
  writeFileSync(join(scratch.dir, 'dist/agents/image.json'), JSON.stringify({ project: 'agents', reference: image, revision: 'c'.repeat(40) }));
};
export const selector = (ns = NS) => kubectl('-n', ns, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
export const switchedAt = (ns = NS) =>
  Date.parse(kubectl('-n', ns, 'get', 'service', 'agents', '-o', 'jsonpath={.metadata.annotations.trading\\.dev/switched-at}'));
export const replicas = (color, ns = NS) => Number(kubectl('-n', ns, 'get', 'deploy', `agents-${color}`, '-o', 'jsonpath={.spec.replicas}'));
export const truth = (ns = NS) => assertStatusTruth(scratch.dir, { namespace: ns, service: 'agents', environment: ns === NS ? 'staging' : 'production' });
export const history = (ns = NS) => JSON.parse(kubectl('-n', ns, 'get', 'configmap', 'agents-releases', '-o', 'jsonpath={.data.history}'));
// Streamed, not static: the test reacts to the deploy's progress lines while it runs.
const nxArgs = ['--output-style=stream-without-prefixes', '--services=agents'];
// Never spawnSync a deploy here: the exporter lives in this process and must keep answering.
export const deploy = (...args) => deployOnce('deploy:staging', ...args);
export const prod = (...args) => deployOnce('deploy:production', ...args);
async function deployOnce(target, ...args) {
  const run = deployInBackground(target, ...args);
  return { code: await run.exited, out: run.output() };
}

/** A deploy in the background, so the test can change the traffic during its soak. */
export const deployInBackground = (target, ...args) => start(scratch.dir, 'npx', ['nx', 'run', target, ...nxArgs, ...args]);

/**
 * Reruns a deploy after a killed one: refused while the dead run's lease has not lapsed (15 s after
 * its last renewal, then 15 s watched on the rerun's clock), so retried every 3 s for up to a minute.
 */
export async function rerunOnceLeaseLapses(rerun) {
  let result;
  for (let i = 0; i < 20; i++) {
    result = await rerun();
    if (!/holds the lease/.test(result.out)) break;
    await sleep(3000);
  }
  return result;
}

/**
 * Deploys image `n` to the idle colour with a 60 s soak, healthy data for it, and returns once the
 * soak has judged a healthy round: the colours, and the deploy still running in the background
 * (with `env` added to its environment).
 */
export async function startSoakOnIdleColour(n, env = {}) {
  const from = selector();
  const to = from === 'blue' ? 'green' : 'blue';
  exporter.set({ errorRatio: 0, slowRatio: 0 });
  exporter.target({ namespace: NS, service: 'agents', color: to });
  await waitForSeries(`namespace="${NS}",color="${to}"`);
  record(digest(n));
  const run = start(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', ...nxArgs, '--soakSeconds=60'], env);
  await run.waitFor(new RegExp(`soak of agents on ${to}\\) round \\d+: error-rate: last 0\\.00%`));
  return { from, to, run };
}

/**
 * The cluster and Prometheus up (the local stack's, or with `privatePrometheus` one of the test's
 * own), a scratch copy whose environments analyse every 2 s over a 3 s window, the exporter, and
 * agents live on blue (digest 1, unjudged). `seed` more releases: each deployed unjudged in turn
 * (digest 2 goes to green, and so on).
 */
export async function setUp({ seed = 1, privatePrometheus = false } = {}) {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  if (privatePrometheus) {
    prometheus = await startPrivatePrometheus(`slo-${process.pid}`);
  } else {
    const shared = () => assert.equal(tryRun(repoRoot, 'bash', ['tools/prometheus/prometheus.sh', 'up']).code, 0, 'prometheus must start');
    shared();
    prometheus = {
      url: PROMETHEUS_URL,
      targets: undefined,
      up: shared,
      down: () => assert.fail("the local stack's Prometheus is not the test's to stop: setUp({ privatePrometheus: true })"),
    };
  }
  scratch = deployScratch({
    namespaces: { staging: NS, production: NS_PROD },
    settings: { rolloutTimeoutSeconds: 30, scaleDownDelaySeconds: 1 },
    analysis: { intervalSeconds: INTERVAL, windowSeconds: 3, prometheus: prometheus.url },
    edit: (envs) => {
      // The exporter is the traffic here (kwok pods serve none).
      for (const name of ['staging', 'production']) delete envs[name].analysis.load;
      envs.production.canary.analysisSeconds = 6;
      // kwok's pods serve no traffic (the exporter stands in): no baseline to compare the canary with
      // (canary-baseline.test.mjs judges that on the real node).
      delete envs.production.canary.baseline;
      // The live release is seeded unjudged (--skipAnalysis), which production's own configuration refuses.
      envs.production.requireAnalysis = false;
      // Its images carry no provenance of the commits recorded here: this judges the analysis (the act
      // deploy test verifies the images' attachments before production).
      envs.production.requireAttestations = false;
    },
  });
  exporter = await startExporter({ name: `slo-test-${process.pid}` });
  record(digest(1));
  const first = await deploy('--skipAnalysis');
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /analysis: SKIPPED \(--skipAnalysis\)/);
  assert.equal(selector(), 'blue');
  for (let n = 2; n <= seed; n++) {
    record(digest(n));
    const next = await deploy('--skipAnalysis');
    assert.equal(next.code, 0, next.out);
  }
}

/** Removes what setUp made: a private Prometheus stopped and its data gone; the local stack's left up. */
export async function tearDown() {
  await exporter?.close();
  for (const ns of [NS, NS_PROD]) deleteTestNamespace(ns);
  scratch?.cleanup();
  prometheus?.close?.();
}
