// @workspace-test uses=docker,cluster,prometheus quiet cached images=agents,load inputs=workspaceConfig,tools/deploy/**/*,tools/load/**/*
// Issue 18: the production canary judged against a baseline of the live release (Kayenta-style),
// on the local cluster's real node with the local Prometheus. Every release answers in about
// 20 ms (the agents' FAULT_DELAY_MS test aid) and the slowed ones in 26 ms: a planted 30% slowdown
// that the absolute thresholds (p95 over 500 ms) never see. `nx run deploy:production` runs the
// canary beside baseline pods started with it, under the environment's own load hook; a slowed
// release must fail its canary (traffic untouched) and an unchanged one pass and go live. Two of
// each, alternating (each deploy is ~45 s of a test that runs alone); false positives and negatives
// are counted and printed. For a rate, run more: CANARY_BASELINE_RUNS=20 bash
// tools/workspace-tests/run.sh --uses docker,cluster,prometheus <this file> (in full15, 5 of each:
// every slowed canary failed at Mann-Whitney p ≤ 6.7e-7, every unchanged one passed at p ≥ 0.11).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { repoRoot, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, deleteTestNamespace, kubectlIn } from '../../workspace-tests/local-stack.mjs';

const NS = `it-canary-${process.pid}`;
const RUNS = Number(process.env.CANARY_BASELINE_RUNS ?? 2);
const BASE_DELAY_MS = 20;
const SLOW_DELAY_MS = 26;
const kubectl = kubectlIn(NS);
let scratch;
let agentsFile;
let baseAgents;

/** A new release of the agents: its delay, and a marker that makes each deploy a release of its own. */
function release(delayMs, mark) {
  writeFileSync(agentsFile, baseAgents.replace('env:\n', `env:\n  FAULT_DELAY_MS: "${delayMs}"\n  RELEASE_MARK: "${mark}"\n`));
}
const deploy = (...args) => tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:production', '--services=agents', '--output-style=static', ...args]);
const liveRelease = () => kubectl('get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/release}');

before(() => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'monitoring:up']).code, 0, 'Prometheus must start');
  scratch = scratchCopy();
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(envFile, 'utf8'));
  Object.assign(envs.production, { namespace: NS, context: envs.staging.context, rolloutTimeoutSeconds: 60, scaleDownDelaySeconds: 1 });
  // New pods' first series appear once Prometheus has discovered and scraped them (seconds here,
  // more while other tests load the machine): four rounds without data are tolerated.
  Object.assign(envs.production.analysis, { intervalSeconds: 3, windowSeconds: 6, soakSeconds: 3, inconclusiveLimit: 4 });
  // 30 requests/s through the active Service: about 10 each for the live, canary and baseline pod.
  const load = envs.production.analysis.load.command;
  load[load.indexOf('--rate') + 1] = '30';
  // 24 s of canary at a value per second: about 20 values per side.
  Object.assign(envs.production.canary, { analysisSeconds: 24, baseline: { stepSeconds: 1, minSamples: 15 } });
  // The live release is seeded unjudged (--skipAnalysis), which production's own configuration refuses.
  envs.production.requireAnalysis = false;
  // Its images carry no provenance of the commits recorded here: this judges the analysis (the act
  // deploy test verifies the images' attachments before production).
  envs.production.requireAttestations = false;
  writeFileSync(envFile, stringify(envs));
  agentsFile = join(scratch.dir, 'tools/deploy/services/agents.yaml');
  baseAgents = readFileSync(agentsFile, 'utf8');
  execFileSync('kubectl', ['--context', CONTEXT, 'create', 'namespace', NS]);
  execFileSync('kubectl', ['--context', CONTEXT, 'annotate', 'namespace', NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real']);
  const image = JSON.parse(readFileSync(join(repoRoot, 'dist/agents/image.json'), 'utf8'));
  mkdirSync(join(scratch.dir, 'dist/agents'), { recursive: true });
  writeFileSync(join(scratch.dir, 'dist/agents/image.json'), JSON.stringify(image));
});

after(() => {
  deleteTestNamespace(NS);
  scratch?.cleanup();
});

test(`a planted 30% slowdown fails the canary against its baseline and an unchanged release passes (${RUNS} runs each)`, () => {
  release(BASE_DELAY_MS, 'live');
  const first = deploy('--skipAnalysis');
  assert.equal(first.code, 0, first.out);
  const outcomes = { slow: [], same: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['slow', 'same']) {
      const live = liveRelease();
      release(kind === 'slow' ? SLOW_DELAY_MS : BASE_DELAY_MS, `${kind}-${i}`);
      const result = deploy();
      const verdict = result.out.match(/canary against its baseline: (passed|failed|inconclusive): (.*)/);
      assert.ok(verdict, `no canary-versus-baseline verdict:\n${result.out.slice(-3000)}`);
      outcomes[kind].push({ failed: result.code !== 0, verdict: verdict[1], detail: verdict[2] });
      if (result.code !== 0) {
        // Refused by the canary: traffic never moved, and neither the canary nor its baseline is left.
        assert.match(result.out, /canary failed: /, result.out.slice(-3000));
        assert.equal(liveRelease(), live, 'traffic stays on the live release');
        for (const name of ['agents-canary', 'agents-baseline']) assert.throws(() => kubectl('get', 'deploy', name), /NotFound/);
      } else {
        assert.match(result.out, /canary passed[\s\S]*switch traffic (blue -> green|green -> blue)[\s\S]*soak passed/);
        assert.notEqual(liveRelease(), live, 'the unchanged release went live');
      }
    }
  }
  const falseNegatives = outcomes.slow.filter((o) => !o.failed).length;
  const falsePositives = outcomes.same.filter((o) => o.failed).length;
  const show = (os) => os.map((o) => `  ${o.verdict}: ${o.detail}`).join('\n');
  console.log(
    `canary vs baseline, slowed releases:\n${show(outcomes.slow)}\nunchanged releases:\n${show(outcomes.same)}\nfalse negatives ${falseNegatives}/${RUNS}, false positives ${falsePositives}/${RUNS}`,
  );
  assert.ok(
    outcomes.slow.every((o) => o.verdict === 'failed'),
    'each slowed canary failed on the comparison (not for want of data)',
  );
  assert.equal(falseNegatives, 0);
  assert.equal(falsePositives, 0);
});
