// @workspace-test uses=docker,cluster cached images=execution-engine inputs=workspaceConfig,tools/deploy/**/*
// Blue-green deploys and rollbacks through `nx run deploy:*` against the local cluster (a real
// kube-apiserver with kwok nodes), in a scratch copy whose image records point at real images
// pushed to the local registry. The tests run in order and share the cluster state. The SLO
// analysis (canary, soak) has its own tests against a real Prometheus in slo.test.mjs; kwok pods
// serve no traffic, so these deploys say --skipAnalysis. What it breaks is its own: its namespace's
// pods made unschedulable, its deploy's path to the API server cut (api-proxy.mjs); the nodes and
// the API server serve the tests beside it throughout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiProxy } from '../../workspace-tests/api-proxy.mjs';
import { pushVariant } from '../../workspace-tests/images.mjs';
import { startReceiver } from '../../workspace-tests/webhook-receiver.mjs';
import { assertStatusTruth } from '../../workspace-tests/release-status.mjs';
import { repoRoot, run, scratchCopy, start, tryRun, withSeveralReplicas } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, deleteTestNamespace, kubectl } from '../../workspace-tests/local-stack.mjs';

const NS = `it-deploy-${process.pid}`;
const SERVICES = ['agents', 'dashboard', 'execution-engine'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let scratch;
const images = {};

// The commit's time, as docker-build records it (created): the history's lead time counts from it.
const COMMIT_TIME = new Date(Date.now() - 600_000).toISOString();

function record(project, image) {
  mkdirSync(join(scratch.dir, 'dist', project), { recursive: true });
  writeFileSync(
    join(scratch.dir, 'dist', project, 'image.json'),
    JSON.stringify({ project, reference: image, revision: 'f'.repeat(40), created: COMMIT_TIME }),
  );
}

// The environment's chat notifications go to a local webhook receiver (NOTIFY_WEBHOOK_URL, the
// variable environments.yaml names).
let webhook;
const notifyEnv = () => ({ NOTIFY_WEBHOOK_URL: webhook.url });
const deploy = (...args) => tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', '--output-style=static', '--skipAnalysis', ...args], notifyEnv());
const rollback = (...args) => tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:rollback', '--output-style=static', ...args], notifyEnv());
const selector = (svc) => kubectl('-n', NS, 'get', 'service', svc, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
const replicas = (svc, color) => Number(kubectl('-n', NS, 'get', 'deploy', `${svc}-${color}`, '-o', 'jsonpath={.spec.replicas}'));
const imageOf = (svc, color) => kubectl('-n', NS, 'get', 'deploy', `${svc}-${color}`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
const history = (svc) => JSON.parse(kubectl('-n', NS, 'get', 'configmap', `${svc}-releases`, '-o', 'jsonpath={.data.history}'));
const truth = (service = 'execution-engine') => assertStatusTruth(scratch.dir, { namespace: NS, service });
/**
 * New pods in the test's namespace unschedulable, as on a cluster out of room, without touching the
 * nodes the tests beside this one use: the namespace's node selector (the API server's
 * PodNodeSelector admission gives it to every pod created there) matches no node. Undone, the pods
 * created meanwhile are deleted (a pod's selector is its own for life): their ReplicaSets create
 * them afresh, and they schedule.
 */
const NODE_SELECTOR = 'scheduler.alpha.kubernetes.io/node-selector';
function unschedulable(on) {
  if (on) return kubectl('annotate', 'namespace', NS, '--overwrite', `${NODE_SELECTOR}=trading.dev/schedulable=never`);
  kubectl('annotate', 'namespace', NS, `${NODE_SELECTOR}-`);
  kubectl('-n', NS, 'delete', 'pods', '--field-selector=status.phase=Pending', '--wait=false');
}

before(async () => {
  webhook = await startReceiver();
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  for (const n of [1, 2, 3, 4]) images[n] = pushVariant('it-deploy', n);
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
  for (const p of SERVICES) record(p, images[1]);
});

after(() => {
  try {
    unschedulable(false);
  } catch {
    /* cluster gone */
  }
  deleteTestNamespace(NS);
  scratch?.cleanup();
  webhook?.stop();
});

test('a first deploy brings every service live on blue, with release history in the cluster', () => {
  const result = deploy();
  assert.equal(result.code, 0, result.out);
  for (const svc of SERVICES) {
    assert.equal(selector(svc), 'blue');
    assert.equal(imageOf(svc, 'blue'), images[1]);
    assert.deepEqual(
      history(svc).map((r) => [r.revision, r.outcome]),
      [[1, 'live']],
    );
  }
  assert.match(result.out, /\| execution-engine \| deployed \| blue \|/);
  // The chat heard each service's deploy start and go live, once each.
  for (const svc of SERVICES) {
    assert.equal(webhook.texts().filter((t) => t.startsWith(`🚀 ${svc} in staging: deploy started`)).length, 1, webhook.texts().join('\n'));
    assert.equal(webhook.texts().filter((t) => t.startsWith(`✅ ${svc} in staging: live`)).length, 1, webhook.texts().join('\n'));
  }
});

test('a second deploy flips only the changed service to green and scales blue down after the delay', () => {
  record('execution-engine', images[2]);
  const result = deploy();
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /switch traffic blue -> green/);
  assert.match(result.out, /\| agents \| unchanged \| blue \|/);
  assert.equal(selector('execution-engine'), 'green');
  assert.equal(imageOf('execution-engine', 'green'), images[2]);
  assert.equal(replicas('execution-engine', 'blue'), 0);
  assert.deepEqual(
    history('execution-engine').map((r) => r.outcome),
    ['superseded', 'live'],
  );
});

test('rollback scales blue back up, switches to it and prints the recovery time', () => {
  const result = rollback('--services=execution-engine', '--reason=it: test');
  assert.equal(result.code, 0, result.out);
  const seconds = Number(/recovered in ([\d.]+) s/.exec(result.out)?.[1]);
  assert.ok(seconds > 0 && seconds < 60, `recovery ${seconds} s`);
  assert.equal(selector('execution-engine'), 'blue');
  assert.equal(replicas('execution-engine', 'blue'), 2);
  const live = history('execution-engine').at(-1);
  assert.deepEqual([live.image, live.outcome, live.kind, live.reason], [images[1], 'live', 'rollback', 'it: test']);
  assert.match(
    webhook.texts().join('\n'),
    /⏪ execution-engine in staging: rolled back \(release [0-9a-f]{12}, by \S+\): green -> blue, traffic restored in [\d.]+ s; it: test/,
  );
  // The release taken off traffic is not deployed again by a plain rerun (issue 17).
  const again = deploy('--services=execution-engine');
  assert.notEqual(again.code, 0);
  assert.match(again.out, /release [0-9a-f]{12} was taken off traffic before \(rollback by \S+: it: test\); build a new release, or pass --retryAborted/);
  assert.match(webhook.texts().at(-1), /^❌ execution-engine in staging: deploy failed .*was taken off traffic before/);
  assert.equal(selector('execution-engine'), 'blue');
});

test('deploy:status shows what the cluster says, as a table and as JSON', () => {
  const table = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--output-style=static']);
  assert.equal(table.code, 0, table.out);
  assert.match(table.out, /\| execution-engine \| blue @[0-9a-f]{12} \| [0-9a-f]{12} \| RolledBack since \S+ \| 2 \|/);
  assert.match(table.out, /\| agents \| blue @[0-9a-f]{12} \| [0-9a-f]{12} \| Promoted since/);
  const out = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--json', '--output-style=static']);
  assert.equal(out.code, 0, out.out);
  const statuses = JSON.parse(out.out.split('\n').find((l) => l.startsWith('[')));
  const engine = statuses.find((s) => s.service === 'execution-engine');
  assert.equal(engine.live.color, selector('execution-engine'));
  assert.equal(engine.live.image, imageOf('execution-engine', 'blue'));
  assert.equal(engine.history.live.revision, history('execution-engine').at(-1).revision);
  assert.equal(engine.aborted.reason.startsWith('rollback by '), true);
  assert.deepEqual(engine.warnings, []);
  // Delivery metrics, from the history the deploys and the rollback wrote (DORA's four keys).
  const entries = history('execution-engine');
  const deployed = entries.filter((r) => r.kind === 'deploy' && r.outcome !== 'failed');
  assert.ok(deployed.length >= 2 && deployed.every((r) => r.commitTime === COMMIT_TIME), JSON.stringify(entries));
  assert.equal(engine.delivery.days7.deployments, deployed.length);
  assert.equal(engine.delivery.days7.failures, deployed.filter((r) => r.outcome === 'rolled-back').length);
  assert.ok(engine.delivery.days7.failures >= 1, 'the rollback above counts as a change failure');
  assert.ok(engine.delivery.days7.leadTimeSeconds >= 600 && engine.delivery.days7.leadTimeSeconds < 3600, JSON.stringify(engine.delivery));
  assert.ok(engine.delivery.days7.timeToRestoreSeconds > 0, JSON.stringify(engine.delivery));
  assert.match(table.out, /Delivery from the release history \(last 7 days \/ last 30 days\):/);
  assert.match(table.out, /\| execution-engine \| \d+ \/ \d+ \| [\d.]+ min \/ [\d.]+ min \| \d+% \(\d+\/\d+\) \//);
  // The same status as Prometheus metrics, in a file a textfile collector reads: promtool (the
  // Prometheus the stack runs ships it) accepts it, and its samples are the JSON's figures.
  const metrics = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--metricsFile=tmp/release.prom', '--output-style=static']);
  assert.equal(metrics.code, 0, metrics.out);
  const prom = readFileSync(join(scratch.dir, 'tmp/release.prom'), 'utf8');
  const lint = tryRun(scratch.dir, 'bash', ['-c', 'promtool check metrics < tmp/release.prom']);
  assert.equal(lint.code, 0, `${lint.out}\n${prom}`);
  // The engine's migrations ran as a Job before its release (kwok completes the Job's pod itself):
  // the schema version the history records is a label of its live release.
  assert.match(engine.history.live.schemaVersion, /^\d{14}$/, JSON.stringify(engine.history));
  assert.ok(
    prom.includes(
      `trading_release_live_info{environment="staging",service="execution-engine",color="${engine.live.color}",release="${engine.live.release}",image="${engine.live.image}",schema_version="${engine.history.live.schemaVersion}"} 1\n`,
    ),
    prom,
  );
  assert.match(
    prom,
    new RegExp(`^trading_delivery_deployments\\{environment="staging",service="execution-engine",window="7d"\\} ${engine.delivery.days7.deployments}$`, 'm'),
  );
  assert.match(
    prom,
    new RegExp(
      `^trading_delivery_time_to_restore_seconds\\{environment="staging",service="execution-engine",window="7d"\\} ${engine.delivery.days7.timeToRestoreSeconds}$`,
      'm',
    ),
  );
  const bad = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--environment=qa', '--output-style=static']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /status of qa: unknown environment "qa"/);
});

test('a release that never becomes ready times out: no switch, blue still active, green scaled down', () => {
  record('execution-engine', images[3]);
  unschedulable(true);
  try {
    const result = deploy('--services=execution-engine', '--rolloutTimeoutSeconds=4');
    assert.notEqual(result.code, 0);
    assert.match(
      result.out,
      /timed out after 4 s waiting for the green rollout.*\(\d\/\d pods Unschedulable: 0\/\d+ nodes are available.*\); traffic stays on blue, green scaled down/,
    );
  } finally {
    unschedulable(false);
  }
  assert.equal(selector('execution-engine'), 'blue');
  assert.equal(replicas('execution-engine', 'green'), 0);
  assert.equal(history('execution-engine').at(-1).outcome, 'failed');
});

test('a second deploy is refused while another holds the lease', () => {
  const now = new Date()
    .toISOString()
    .replace('Z', '000Z')
    .replace(/\.(\d{3})000Z$/, '.$1000Z');
  execFileSync('kubectl', ['--context', CONTEXT, 'apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'deploy-execution-engine', namespace: NS },
      spec: { holderIdentity: 'other-runner-1', leaseDurationSeconds: 60, renewTime: now, acquireTime: now },
    }),
  });
  const result = deploy('--services=execution-engine');
  assert.notEqual(result.code, 0);
  assert.match(result.out, /another deploy of execution-engine holds the lease \(other-runner-1/);
  assert.equal(selector('execution-engine'), 'blue');
  kubectl('-n', NS, 'delete', 'lease', 'deploy-execution-engine');
});

async function startDeployAndWaitForApply(image, color, outputStyle = 'static', env = {}) {
  const { child, exited, output } = start(
    scratch.dir,
    'npx',
    ['nx', 'run', 'deploy:staging', '--services=execution-engine', '--skipAnalysis', `--output-style=${outputStyle}`],
    env,
  );
  for (let i = 0; i < 120; i++) {
    try {
      if (imageOf('execution-engine', color) === image) return { child, exited, output };
    } catch {
      /* not created yet */
    }
    await sleep(250);
  }
  child.kill('SIGKILL');
  assert.fail(`the deploy never applied ${color}:\n${output()}`);
}

test('a deploy killed between apply and switch converges when rerun', async () => {
  record('execution-engine', images[4]);
  unschedulable(true);
  const { child, exited } = await startDeployAndWaitForApply(images[4], 'green');
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  assert.equal(selector('execution-engine'), 'blue', 'killed before the switch: traffic unchanged');
  unschedulable(false);
  // The crashed deploy's lease lapses within its 15 s; the rerun waits for that, then converges.
  let result;
  for (let i = 0; i < 8; i++) {
    result = deploy('--services=execution-engine');
    if (result.code === 0 || !/holds the lease/.test(result.out)) break;
    await sleep(3000);
  }
  assert.equal(result.code, 0, result.out);
  assert.equal(selector('execution-engine'), 'green');
  assert.equal(imageOf('execution-engine', 'green'), images[4]);
  assert.deepEqual(truth().warnings, []);
});

test('the API server lost mid-deploy fails the deploy clearly and leaves traffic where it was', async () => {
  // images[3] never became ready (a failed deploy, not one taken off traffic, so it may be retried).
  record('execution-engine', images[3]);
  unschedulable(true);
  // Live on green now, so the deploy applies the new image to blue; then its connection to the API
  // server is cut (api-proxy.mjs) while it waits for the rollout.
  const proxy = await apiProxy();
  let code;
  let output;
  try {
    let exited;
    ({ exited, output } = await startDeployAndWaitForApply(images[3], 'blue', 'static', { KUBECONFIG: proxy.kubeconfig }));
    await proxy.cut();
    code = await exited;
  } finally {
    await proxy.close();
  }
  assert.notEqual(code, 0);
  assert.match(output(), new RegExp(String.raw`cannot reach the Kubernetes API at https?://\S+ \(context ${CONTEXT}\)`));
  unschedulable(false);
  assert.equal(selector('execution-engine'), 'green', 'traffic stays on the live colour');
  assert.equal(imageOf('execution-engine', 'blue'), images[3], 'the idle colour had the new image applied, never switched to');
});

test('SIGTERM during a deploy (a cancelled job) releases its lease at once and leaves traffic where it was', async () => {
  // The previous test's deploy died with the API server and could not release its lease.
  kubectl('-n', NS, 'delete', 'lease', 'deploy-execution-engine', '--ignore-not-found');
  record('execution-engine', images[1]);
  unschedulable(true);
  // Streamed: a cancelled job's log must show what the deploy did on its way out.
  const { child, exited, output } = await startDeployAndWaitForApply(images[1], 'blue', 'stream-without-prefixes');
  process.kill(-child.pid, 'SIGTERM');
  const code = await exited;
  // The executor's last lines may land just after Nx itself has exited.
  for (let i = 0; i < 40 && !/interrupted \(SIGTERM\)/.test(output()); i++) await sleep(250);
  unschedulable(false);
  assert.notEqual(code, 0, output());
  assert.match(output(), /interrupted \(SIGTERM\): canaries removed and leases released for execution-engine; each service's phase is recorded in the cluster/);
  assert.throws(() => kubectl('-n', NS, 'get', 'lease', 'deploy-execution-engine'), /NotFound/, 'no rerun has to wait for a dead lease');
  assert.equal(selector('execution-engine'), 'green');
  assert.equal(truth().live.image, images[4], 'deploy:status: the interrupted release is not live');
});

// Issue 17: two deploys of different releases started at the same moment from two checkouts. The
// namespace's new pods are unschedulable so the winner is still rolling out when the loser asks
// for the lease.
test('two deploys racing: one holds the lease and goes live, the other is refused and moves nothing', async () => {
  const other = scratchCopy();
  withSeveralReplicas(other.dir);
  try {
    for (const file of ['tools/deploy/environments.yaml']) writeFileSync(join(other.dir, file), readFileSync(join(scratch.dir, file)));
    mkdirSync(join(other.dir, 'dist/execution-engine'), { recursive: true });
    writeFileSync(
      join(other.dir, 'dist/execution-engine/image.json'),
      JSON.stringify({ project: 'execution-engine', reference: images[2], revision: 'e'.repeat(40) }),
    );
    record('execution-engine', images[3]); // neither is on a colour now (green: 4, live; blue: 1)
    unschedulable(true);
    const args = ['nx', 'run', 'deploy:staging', '--services=execution-engine', '--skipAnalysis', '--output-style=static'];
    // images[2] was rolled back earlier in this file: the other checkout retries it on purpose, so
    // either run may win the lease (found when the other won it first and was refused for that).
    const runs = [start(scratch.dir, 'npx', args), start(other.dir, 'npx', [...args, '--retryAborted'])];
    const image = [images[3], images[2]];
    const first = await Promise.race(runs.map((r, i) => r.exited.then((code) => ({ i, code }))));
    unschedulable(false);
    const codes = await Promise.all(runs.map((r) => r.exited));
    const loser = first.i;
    const winner = 1 - loser;
    assert.notEqual(codes[loser], 0, runs[loser].output());
    assert.match(runs[loser].output(), /another deploy of execution-engine holds the lease \(/);
    assert.equal(codes[winner], 0, runs[winner].output());
    const live = selector('execution-engine');
    assert.equal(imageOf('execution-engine', live), image[winner], 'the winner is live');
    for (const color of ['blue', 'green']) assert.notEqual(imageOf('execution-engine', color), image[loser], 'the loser applied nothing');
    const status = truth();
    assert.equal(status.live.image, image[winner]);
    assert.deepEqual(status.warnings, []);
  } finally {
    unschedulable(false);
    other.cleanup();
  }
});

test('bad input: unknown environment or service, missing context, and a dry run that touches nothing', () => {
  const env = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', '--environment=qa']);
  assert.notEqual(env.code, 0);
  assert.match(env.out, /unknown environment "qa": .* defines staging, production/);
  const svc = deploy('--services=ledger');
  assert.notEqual(svc.code, 0);
  assert.match(svc.out, /unknown service\(s\) ledger: known are agents, cache-server, dashboard, execution-engine/);
  const ctx = deploy('--context=gke_acme_europe-west1_prod');
  assert.notEqual(ctx.code, 0);
  assert.match(ctx.out, /kubeconfig has no context "gke_acme_europe-west1_prod"/);
  // Production names no context of its own (issue 31, finding 14): without DEPLOY_CONTEXT or
  // --context even its dry run is refused, naming both, instead of planning against the local cluster.
  const production = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:production', '--dryRun', '--output-style=static'], { DEPLOY_CONTEXT: '' });
  assert.notEqual(production.code, 0, production.out);
  assert.match(
    production.out,
    /production names no kubeconfig context, and none is given: set DEPLOY_CONTEXT .* or pass --context=<context>; nothing was touched/,
  );
  const dry = deploy('--dryRun', '--context=nowhere');
  assert.equal(dry.code, 0, dry.out);
  assert.match(dry.out, /kind: Deployment[\s\S]*readOnlyRootFilesystem: true[\s\S]*kind: Service/);
});

test('no image records (a merge that changed no image): refused by default, a no-op success with --allowNothingToDeploy; a config-only change still goes through staging', () => {
  run(scratch.dir, 'mv', ['dist', 'dist.off']);
  const config = join(scratch.dir, 'tools/deploy/services/agents.yaml');
  const saved = readFileSync(config, 'utf8');
  try {
    const before = history('agents').length;
    const refused = deploy();
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /agents: unchanged \(no image record; the live release [0-9a-f]{12} already has today's config\)/);
    assert.match(refused.out, /cache-server: skipped, no image record and never deployed/);
    assert.match(refused.out, /nothing to deploy: no service has a pushed image record/);
    const allowed = deploy('--allowNothingToDeploy');
    assert.equal(allowed.code, 0, allowed.out);
    assert.match(allowed.out, /nothing to deploy: no service has a pushed image record .*the live releases stay as they are/);
    assert.equal(history('agents').length, before, 'nothing written');
    // Issue 34, path 12: only tools/deploy/services/agents.yaml changed (no image was rebuilt).
    // Before, staging skipped it, and production (which builds every image) got it first.
    const liveColor = selector('agents');
    const liveImage = imageOf('agents', liveColor);
    writeFileSync(config, saved.replace(/LOG_LEVEL: .*/, 'LOG_LEVEL: debug'));
    const configOnly = deploy();
    assert.equal(configOnly.code, 0, configOnly.out);
    assert.match(
      configOnly.out,
      /agents: no new image, but its deploy config changed \(release [0-9a-f]{12} -> [0-9a-f]{12}\): deploying the live image with it/,
    );
    const now = selector('agents');
    assert.notEqual(now, liveColor, 'the new config went out blue-green');
    assert.equal(imageOf('agents', now), liveImage, 'the same image');
    assert.match(kubectl('-n', NS, 'get', 'deploy', `agents-${now}`, '-o', 'jsonpath={.spec.template.spec.containers[0].env}'), /"LOG_LEVEL","value":"debug"/);
  } finally {
    writeFileSync(config, saved);
    run(scratch.dir, 'mv', ['dist.off', 'dist']);
  }
});
