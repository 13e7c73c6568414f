// @workspace-test uses=docker,cluster,prometheus cached images=agents,execution-engine,dashboard,load inputs=workspaceConfig,apps/dashboard-e2e/**/*,tools/nx-plugin/src/**/*,tools/deploy/**/*,tools/load/**/*,tools/testing/**/*
// Issue 18: the flow on the deployed services. The engine, the agents and the dashboard are
// deployed with `nx run deploy:staging` onto the local cluster's real node (a namespace of this
// test's own, annotated for the real node as trading-staging is), then the dashboard's browser tests
// run against that deploy (`nx run dashboard-e2e:e2e-deployed`): a signal posted to the agents'
// Service is booked by the engine's and shows on the dashboard page, served by its pod.
// Issue 28: the trading state lives in the namespace's PostgreSQL (the deploy ensures it), so the
// engine's pods can be replaced without losing a booking, and order traffic through the Service
// survives deploys, a switch-back, a rollback, killed pods and a restarted database: the history is
// checked as Jepsen's checkers do (tools/testing/order-checker.mjs), nothing lost or booked twice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, scratchCopy, start, tryRun } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, deleteTestNamespace, kubectlIn } from '../../workspace-tests/local-stack.mjs';
import { checkOrderHistory, describe } from '../../testing/order-checker.mjs';
import { BOOK_SQL, orderTraffic, readBack } from '../../testing/order-traffic.mjs';
import { restartCheck } from '../../testing/restart-check.mjs';

const NS = `it-flow-${process.pid}`;
const SERVICES = ['execution-engine', 'agents', 'dashboard'];
const kubectl = kubectlIn(NS);
let scratch;
const images = {};

before(() => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  scratch = scratchCopy();
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(envFile, 'utf8'));
  // Short analysis rounds: a faulty release is judged and switched back in seconds.
  Object.assign(envs.staging, { namespace: NS, scaleDownDelaySeconds: 5 });
  Object.assign(envs.staging.analysis, { intervalSeconds: 3, windowSeconds: 6, soakSeconds: 9, inconclusiveLimit: 3 });
  writeFileSync(envFile, stringify(envs));
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
  deleteTestNamespace(NS);
  scratch?.cleanup();
});

test('the database, the engine, the agents and the dashboard deploy onto the real node; engine and agents two pods each', () => {
  const result = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', `--services=${SERVICES.join(',')}`, '--skipAnalysis', '--output-style=static']);
  assert.equal(result.code, 0, result.out);
  const pods = JSON.parse(kubectl('get', 'pods', '-o', 'json')).items.filter((p) => !p.metadata.deletionTimestamp);
  const of = (service) => pods.filter((p) => p.metadata.labels['app.kubernetes.io/name'] === service);
  assert.ok(
    pods.every((p) => p.spec.nodeName === 'trading-node'),
    'every pod on the real node',
  );
  // Two of each stateful service: their state is the database's, not a pod's.
  assert.equal(of('execution-engine').length, 2, JSON.stringify(pods.map((p) => p.metadata.name)));
  assert.equal(of('agents').length, 2);
  assert.ok(of('dashboard').length >= 1);
  assert.equal(of('trading-db').length, 1);
  assert.match(result.out, /database: trading-db ready in /);
  // Issue 30: each service's expand migrations ran as a Job (dbmate from the database image) before
  // its pods started, recorded in its own table; the engine's contract migration was held back.
  assert.match(
    result.out,
    /\[execution-engine\] migrations: held back \(contract; deploy --contract runs it once the live and the standby release carry it\): 20261204000001_drop_engine_orders_resting\.sql/,
  );
  assert.match(result.out, /\[execution-engine\] migrations: Job execution-engine-migrate-[0-9a-f]{10} runs 2 expand migration\(s\) up to 20261205000000/);
  assert.match(
    result.out,
    /\[execution-engine\] migrations: schema 20261205000000 after [\d.]+ s; applied 20261204000000_engine_state\.sql, 20261205000000_engine_accounts\.sql/,
  );
  assert.match(result.out, /\[agents\] migrations: schema 20261204000000 after [\d.]+ s; applied 20261204000000_agents_state\.sql/);
  console.log(result.out.match(/^.*migrations: (schema|Job).*$/gm).join('\n'));
  const versions = (table) =>
    kubectl(
      'exec',
      'trading-db-0',
      '-c',
      'postgres',
      '--',
      'psql',
      '-U',
      'trading',
      '-d',
      'trading',
      '-AtX',
      '-c',
      `SELECT version FROM ${table} ORDER BY 1`,
    ).trim();
  assert.equal(versions('engine_schema_migrations'), '20261204000000\n20261205000000');
  assert.equal(versions('agents_schema_migrations'), '20261204000000');
  const status = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--output-style=static']);
  assert.equal(status.code, 0, status.out);
  assert.match(status.out, /^\| execution-engine \| .* \| 20261205000000 \|$/m);
  const rerun = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', '--services=execution-engine', '--skipAnalysis', '--output-style=static']);
  assert.equal(rerun.code, 0, rerun.out);
  assert.match(rerun.out, /migrations: schema 20261205000000 already applied \(Job execution-engine-migrate-[0-9a-f]{10} of these files completed before\)/);
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
  // Every browser test passed but the one that stops the engine (the process e2e's part): the
  // trade through the deployed services, and the Deployments page as the dashboard's own identity reads it.
  assert.match(result.out, /✓ .*a trade submitted through the agents appears on the dashboard/);
  assert.match(result.out, /✓ .*the Deployments page shows what runs in the namespace/);
  assert.match(result.out, /\b1 skipped\b/);
  assert.doesNotMatch(result.out, /✘|\d+ failed/);
});

const engineUrl = () => `http://${kubectl('get', 'service', 'execution-engine', '-o', 'jsonpath={.spec.clusterIP}')}`;
const enginePods = () =>
  JSON.parse(kubectl('get', 'pods', '-l', 'app.kubernetes.io/name=execution-engine', '-o', 'json')).items.filter((p) => !p.metadata.deletionTimestamp);
/** The orders a pod lists itself (its IP, the engine's port), or undefined when it does not answer. */
async function podBookings(pod) {
  try {
    const response = await fetch(`http://${pod.status.podIP}:8080/api/orders`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? (await response.json()).orders.length : undefined;
  } catch {
    return undefined;
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, seconds = 90) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await check()) return;
    await sleep(500);
  }
  assert.fail(`${what} within ${seconds} s`);
}
const readyCount = (pods) => pods.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
/** The engine's service file with these environment variables added: a new release of the same image. */
function engineRelease(env) {
  const file = join(scratch.dir, 'tools/deploy/services/execution-engine.yaml');
  const base = readFileSync(join(repoRoot, 'tools/deploy/services/execution-engine.yaml'), 'utf8');
  const extra = Object.entries(env).map(([k, v]) => `  ${k}: "${v}"`);
  writeFileSync(file, base.replace('env:\n', `env:\n${extra.join('\n')}\n`));
}
/** An nx target for the engine, in the background: the order traffic goes on while it runs. */
async function nx(target, ...args) {
  const run = start(scratch.dir, 'npx', ['nx', 'run', target, '--services=execution-engine', '--output-style=static', ...args]);
  return { code: await run.exited, out: run.output() };
}
const bookOf = () => JSON.parse(kubectl('exec', 'trading-db-0', '-c', 'postgres', '--', 'psql', '-U', 'trading', '-d', 'trading', '-At', '-c', BOOK_SQL));

// The check that failed before issue 28 (bookings gone after a pod replacement, a retry booked
// anew), as the main job runs it on its staging deploy (tools/testing/restart-check.mjs).
test('orders booked through the Service outlive the replacement of every engine pod; a retry gets the first booking back', async () => {
  const checked = await restartCheck({ namespace: NS, context: CONTEXT, orders: 20 });
  assert.deepEqual({ orders: checked.orders, pods: checked.pods }, { orders: 20, pods: 2 });
});

// The proof under traffic (issue 28): clients keep sending orders, each retried through the Service,
// while the release machinery and failures act on the pods and the database.
test('order traffic through deploys, a switch-back, a rollback, killed pods, a database restart and a killed deploy reconciled: nothing lost or booked twice', async () => {
  const steps = [];
  const step = async (name, action) => {
    const started = Date.now();
    await action();
    steps.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  let url = engineUrl();
  const history = await orderTraffic({
    urls: () => [url],
    clients: 6,
    prefix: 'proof-',
    pauseMs: 100,
    attempts: 120,
    retryMs: 250,
    during: async () => {
      await step('blue-green deploy', async () => {
        engineRelease({ RELEASE_NOTE: 'proof-2' });
        const result = await nx('deploy:staging', '--skipAnalysis');
        assert.equal(result.code, 0, result.out);
      });
      await step('kill -9 of an engine pod', async () => {
        kubectl('delete', 'pod', enginePods()[0].metadata.name, '--grace-period=0', '--force');
        await until('two engine pods ready again', () => readyCount(enginePods()) === 2);
      });
      await step('kill -9 of an agents pod', async () => {
        const [agents] = JSON.parse(kubectl('get', 'pods', '-l', 'app.kubernetes.io/name=agents', '-o', 'json')).items;
        kubectl('delete', 'pod', agents.metadata.name, '--grace-period=0', '--force');
      });
      await step('database pod restarted', async () => {
        const uid = kubectl('get', 'pod', 'trading-db-0', '-o', 'jsonpath={.metadata.uid}');
        kubectl('delete', 'pod', 'trading-db-0', '--wait=false');
        await until('the database ready again', () => {
          const pod = JSON.parse(kubectl('get', 'pod', 'trading-db-0', '-o', 'json', '--ignore-not-found') || '{}');
          return pod.metadata?.uid !== uid && readyCount([pod]) === 1;
        });
      });
      await step('a release with 30% errors switched back by the analysis', async () => {
        engineRelease({ RELEASE_NOTE: 'proof-3', FAULT_ERROR_RATE: '0.3' });
        const result = await nx('deploy:staging', '--analysisIntervalSeconds=3');
        assert.notEqual(result.code, 0, result.out);
        assert.match(result.out, /rolled back: soak analysis failed in round \d+: error-rate/, result.out);
      });
      await step('deploy:rollback', async () => {
        const result = await nx('deploy:rollback');
        assert.equal(result.code, 0, result.out);
      });
      // Last (issue 34, path 6): a deploy killed in its soak left traffic on its unjudged release
      // until a person acted. Its lease is its deadline: once it expired, deploy:reconcile takes
      // the release off traffic (the scheduled reconcile workflow runs it).
      await step('a deploy SIGKILLed in its soak, then deploy:reconcile once its lease expired', async () => {
        engineRelease({ RELEASE_NOTE: 'proof-4' });
        const run = start(scratch.dir, 'npx', [
          'nx',
          'run',
          'deploy:staging',
          '--services=execution-engine',
          // Streamed: static output arrives only when the task ends, too late to kill it in its soak.
          '--output-style=stream-without-prefixes',
          '--analysisIntervalSeconds=3',
        ]);
        await run.waitFor(/analysis \(soak of execution-engine/, 120_000);
        // Killed while its soak runs: the deploy must still be running (it owes a 9 s soak).
        assert.equal(run.child.exitCode, null, `the deploy ended before it was killed:\n${run.output()}`);
        process.kill(-run.child.pid, 'SIGKILL');
        await run.exited;
        let reconciled;
        for (let i = 0; i < 20 && !reconciled; i++) {
          const r = await nx('deploy:reconcile');
          assert.equal(r.code, 0, r.out);
          if (/\| execution-engine \| done \| abort \|/.test(r.out)) reconciled = r;
          else {
            assert.match(r.out, /a run holds its lease|holds the lease/, r.out); // the killed run's lease has not expired yet
            await sleep(3000);
          }
        }
        assert.ok(reconciled, 'deploy:reconcile took the orphaned release off traffic');
        assert.match(reconciled.out, /taken off traffic: back on (blue|green)/);
      });
      url = engineUrl();
      await sleep(2000);
    },
  });
  const book = bookOf();
  const result = checkOrderHistory({ history, final: await readBack(history, [url]), book });
  // The analysed deploys' load wrote orders too (issue 34): on the engine's synthetic instrument,
  // checked as a book of their own, never on the real one.
  const synthetic = book.orders.filter((o) => o.instrument === 'BTC-USD.SYNTHETIC').length;
  console.log(`proof under traffic on the real node (${steps.join(', ')}): ${describe(result)}; ${synthetic} synthetic orders from the analysis load`);
  assert.ok(synthetic > 0, "the analysis load's orders reached the engine's synthetic instrument");
  assert.deepEqual([...new Set(book.orders.map((o) => o.instrument))].sort(), ['BTC-USD', 'BTC-USD.SYNTHETIC']);
  assert.ok(result.ok, describe(result));
  assert.equal(result.counts.acknowledged, history.length, 'every order acknowledged in the end');
  assert.ok(history.length >= 100, `${history.length} orders`);
});

// Issue 30: the database half of a rollback on the real node, under order traffic. A release adding
// a column is deployed (its expand migration by the deploy's Job), then `deploy:rollback --database`
// switches the engine back and undoes the column by its down section: every order booked before and
// during it is still there, nothing booked twice, and the two times (traffic back, schema back) are
// printed (docs/rollback.md, section 4).
test('an expand migration deployed and undone by deploy:rollback --database on the real node under order traffic: the column gone, the schema recorded, no order lost or booked twice, timed', async () => {
  const migration = join(scratch.dir, 'apps/execution-engine/migrations/20261206000000_order_note.sql');
  writeFileSync(
    migration,
    '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD COLUMN note text;\n-- migrate:down\nALTER TABLE engine_orders DROP COLUMN note;\n',
  );
  const sql = (query) => kubectl('exec', 'trading-db-0', '-c', 'postgres', '--', 'psql', '-U', 'trading', '-d', 'trading', '-AtX', '-c', query).trim();
  const noteColumn = () => sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'engine_orders' AND column_name = 'note'");
  let deployed;
  let rollback;
  const url = engineUrl();
  try {
    engineRelease({ RELEASE_NOTE: 'a release adding a column' });
    // The expand migration runs while orders flow (it takes engine_orders' lock for a moment), then
    // the rollback switches back and undoes it, still under the same traffic.
    const history = await orderTraffic({
      urls: () => [url],
      clients: 4,
      prefix: 'schema-',
      pauseMs: 100,
      attempts: 60,
      during: async () => {
        await sleep(1000);
        deployed = await nx('deploy:staging', '--skipAnalysis');
        assert.equal(deployed.code, 0, deployed.out);
        assert.equal(noteColumn(), '1');
        await sleep(1000);
        rollback = await nx('deploy:rollback', '--database', '--reason=schema rollback test');
        await sleep(1000);
      },
    });
    assert.match(deployed.out, /migrations: schema 20261206000000 after [\d.]+ s; applied 20261206000000_order_note\.sql/);
    assert.equal(rollback.code, 0, rollback.out);
    const result = checkOrderHistory({ history, final: await readBack(history, [url]) });
    assert.ok(result.ok, describe(result));
    assert.equal(result.counts.acknowledged, history.length, 'every order acknowledged in the end');
    assert.equal(noteColumn(), '0', 'the down section ran');
    assert.equal(sql('SELECT max(version) FROM engine_schema_migrations'), '20261205000000');
    const traffic = Number(/recovered in ([\d.]+) s/.exec(rollback.out)?.[1]);
    const schema = Number(/migrations: schema 20261205000000 after ([\d.]+) s; undid 20261206000000_order_note\.sql/.exec(rollback.out)?.[1]);
    assert.ok(traffic > 0 && schema > 0, rollback.out);
    const status = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--services=execution-engine', '--output-style=static']);
    assert.match(status.out, /^\| execution-engine \| .* \| 20261205000000 \|$/m);
    console.log(
      `database rollback on the real node: traffic back in ${traffic.toFixed(2)} s, schema 20261206000000 -> 20261205000000 in ${schema.toFixed(1)} s (the down Job); ${describe(result)}`,
    );
  } finally {
    rmSync(migration, { force: true });
  }
});

// Issue 30: point-in-time recovery on the real node. A base backup (deploy:backup-database), orders
// acknowledged, the moment T, more orders, then a destructive mistake (every order and trade
// truncated); deploy:restore-database --to=T brings back exactly the state at T (the orders before it,
// none after), keeps the data from before the restore, and the engine serves the restored book.
test('deploy:restore-database takes the database back to a moment before a destructive change on the real node: the orders acknowledged before it back, none after, timed', async () => {
  const sql = (query) => kubectl('exec', 'trading-db-0', '-c', 'postgres', '--', 'psql', '-U', 'trading', '-d', 'trading', '-AtX', '-c', query).trim();
  const checksum = () =>
    sql(
      "SELECT count(*) || ' ' || coalesce(md5(string_agg(id || ':' || coalesce(client_order_id, '') || ':' || remaining, ',' ORDER BY id)), '-') FROM engine_orders",
    );
  const count = (prefix) => Number(sql(`SELECT count(*) FROM engine_orders WHERE client_order_id LIKE '${prefix}%'`));
  const run = (target, ...args) => tryRun(scratch.dir, 'npx', ['nx', 'run', target, '--output-style=static', ...args]);
  const backup = run('deploy:backup-database', '--reason=pitr test');
  assert.equal(backup.code, 0, backup.out);
  assert.match(backup.out, /database: base backup \d{8}T\d{6}Z-pitr-test taken: \d+ KiB in \d+ s/);
  const url = engineUrl();
  const before = await orderTraffic({ urls: () => [url], clients: 2, orders: 5, prefix: 'pitr-a-' });
  assert.ok(
    before.every((o) => o.attempts.some((a) => a.status === 200 || a.status === 201)),
    'the orders before T are acknowledged',
  );
  await sleep(1500);
  const target = new Date();
  const atTarget = checksum();
  await sleep(1500);
  const after = await orderTraffic({ urls: () => [url], clients: 2, orders: 3, prefix: 'pitr-b-' });
  assert.equal(count('pitr-b-'), after.length);
  // The destructive mistake.
  sql('TRUNCATE engine_trades, engine_orders CASCADE');
  assert.equal(count('pitr-a-'), 0);
  const restore = run('deploy:restore-database', `--to=${target.toISOString()}`);
  assert.equal(restore.code, 0, restore.out);
  const seconds = Number(/database restored to \S+ in ([\d.]+) s \(([^)]*)\)/.exec(restore.out)?.[1]);
  const phases = /database restored to \S+ in [\d.]+ s \(([^)]*)\)/.exec(restore.out)?.[1];
  assert.ok(seconds > 0 && seconds < 300, restore.out);
  assert.match(restore.out, /the data from before is kept in \/var\/lib\/postgresql\/data\/pgdata\.before-restore-\d{8}T\d{6}Z/);
  assert.equal(checksum(), atTarget, 'the orders are exactly those at T');
  assert.equal(count('pitr-a-'), before.length);
  assert.equal(count('pitr-b-'), 0, 'nothing written after T');
  // The replaced engine pods serve the restored book: each order before T reads back as booked.
  const result = checkOrderHistory({ history: before, final: await readBack(before, [url]) });
  assert.ok(result.ok, describe(result));
  const next = await orderTraffic({ urls: () => [url], clients: 1, orders: 2, prefix: 'pitr-c-' });
  assert.equal(count('pitr-c-'), next.length, 'the restored database takes new orders');
  console.log(
    `point-in-time recovery on the real node: ${seconds.toFixed(1)} s (${phases}); ${before.length} orders before T back, ${after.length} after T not`,
  );
});

// Issue 30: a release whose expand migration cannot be undone (no down section), deployed while
// orders flow, taken back by `deploy:rollback --database`: traffic back on the previous release,
// then a point-in-time recovery to the mark its deploy wrote before migrating. Every order
// acknowledged before the mark is there; those acknowledged after it are the recovery's known
// loss, counted and listed; none is booked twice and no booking id is handed out again (the
// sequences are moved past their values before the recovery).
test("an irreversible migration taken back by deploy:rollback --database on the real node under order traffic: a point-in-time recovery to the deploy's mark, its known loss listed, nothing before it lost, no id reused, timed", async () => {
  const migration = join(scratch.dir, 'apps/execution-engine/migrations/20261207000000_order_tag.sql');
  writeFileSync(migration, '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD COLUMN tag text;\n-- migrate:down\n');
  const sql = (query) => kubectl('exec', 'trading-db-0', '-c', 'postgres', '--', 'psql', '-U', 'trading', '-d', 'trading', '-AtX', '-c', query).trim();
  const tagColumn = () => sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'engine_orders' AND column_name = 'tag'");
  let deployed;
  let rollback;
  const url = engineUrl();
  try {
    engineRelease({ RELEASE_NOTE: 'a release adding a column it cannot drop' });
    const history = await orderTraffic({
      urls: () => [url],
      clients: 4,
      prefix: 'recover-',
      pauseMs: 100,
      attempts: 120,
      during: async () => {
        await sleep(1000);
        deployed = await nx('deploy:staging', '--skipAnalysis');
        assert.equal(deployed.code, 0, deployed.out);
        assert.equal(tagColumn(), '1');
        await sleep(2000); // orders acknowledged after the mark: the known loss
        rollback = await nx('deploy:rollback', '--database', '--reason=recovery rollback test');
        await sleep(2000); // orders on the recovered database
      },
    });
    const mark = /database: base backup \S+ taken: .*; mark (\S+) at (\S+)/.exec(deployed.out);
    assert.ok(mark, `the deploy's backup names its mark:\n${deployed.out}`);
    assert.equal(rollback.code, 0, rollback.out);
    assert.match(rollback.out, /schema: 20261207000000 -> 20261205000000 after the switch by a point-in-time recovery to the mark of backup/);
    // The sequences moved on while the server's Service selected no pod, and only then opened.
    assert.match(rollback.out, /sequence\(s\) moved 1000000 past their values before the restore[\s\S]*database: its Service selects the server again/);
    const result = checkOrderHistory({ history, final: await readBack(history, [url]), recoveredTo: Date.parse(mark[2]) });
    assert.ok(result.ok, describe(result));
    assert.ok(result.knownLoss.length > 0, `orders were acknowledged after the mark: ${describe(result)}`);
    assert.equal(tagColumn(), '0', 'the recovery took the column back');
    assert.equal(sql('SELECT max(version) FROM engine_schema_migrations'), '20261205000000');
    const traffic = Number(/recovered in ([\d.]+) s/.exec(rollback.out)?.[1]);
    const recovery = Number(/by a point-in-time recovery to the mark of backup \S+ in ([\d.]+) s/.exec(rollback.out)?.[1]);
    assert.ok(traffic > 0 && recovery > 0 && recovery < 300, rollback.out);
    const status = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--services=execution-engine', '--output-style=static']);
    assert.match(status.out, /^\| execution-engine \| .* \| 20261205000000 \|$/m);
    console.log(
      `database rollback by point-in-time recovery on the real node: traffic back in ${traffic.toFixed(2)} s, schema 20261207000000 -> 20261205000000 in ${recovery.toFixed(1)} s (to the mark ${mark[1]}); ${describe(result)}`,
    );
  } finally {
    rmSync(migration, { force: true });
  }
});

// The check can fail: the same traffic against engines that keep their state in the pod (the old
// per-pod journal, ENGINE_STATE=memory) with one pod killed must be caught, named.
test('the planted defect: a release keeping its book in the pod loses orders when one is killed, and the check names it', async () => {
  engineRelease({ RELEASE_NOTE: 'planted', ENGINE_STATE: 'memory' });
  const deployed = await nx('deploy:staging', '--skipAnalysis');
  assert.equal(deployed.code, 0, deployed.out);
  const url = engineUrl();
  const history = await orderTraffic({
    urls: () => [url],
    clients: 6,
    prefix: 'planted-',
    pauseMs: 50,
    attempts: 40,
    during: async () => {
      // Only a pod that has acknowledged orders can lose them, and only once its process is gone.
      // On a busy machine (full12) the pod killed 2 s into the traffic had lost nothing: the
      // Service had not reached it yet, or its container still answered after the forced delete.
      let victim;
      await until('an engine pod with bookings of its own', async () => {
        for (const pod of enginePods()) if ((await podBookings(pod)) >= 3) victim ??= pod;
        return victim !== undefined;
      });
      const booked = (await podBookings(victim)) ?? 3;
      kubectl('delete', 'pod', victim.metadata.name, '--grace-period=0', '--force');
      // Gone: no answer at its IP, or a new pod there listing fewer orders.
      await until('the killed pod no longer answers', async () => ((await podBookings(victim)) ?? 0) < booked);
      await until('two engine pods ready again', () => readyCount(enginePods()) === 2);
      await sleep(1000);
    },
  });
  const result = checkOrderHistory({ history, final: await readBack(history, [url]) });
  console.log(`the planted per-pod book on the real node: ${describe(result)}`);
  assert.equal(result.ok, false, 'the check must fail on the planted defect');
  assert.ok(result.counts.lost > 0, describe(result));
  // The main job's restart check fails on it too, naming the lost bookings.
  await assert.rejects(
    restartCheck({ namespace: NS, context: CONTEXT, orders: 5 }),
    /after the engine's pods were replaced: restart-\w+-0: booked as \d+, read back as nothing/,
  );
});

// Issue 30: a release whose expand migration fails never starts; traffic stays where it was, and the
// deploy says what dbmate said. (Last: it leaves the engine's migrations planted in the scratch copy.)
test('a release whose migration fails is not rolled: traffic untouched, the error named', async () => {
  const live = kubectl('get', 'service', 'execution-engine', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
  const revisions = JSON.parse(kubectl('get', 'configmap', 'execution-engine-releases', '-o', 'jsonpath={.data.history}')).length;
  writeFileSync(
    join(scratch.dir, 'apps/execution-engine/migrations/20261206000000_planted_failure.sql'),
    '-- release: expand\n-- migrate:up\nALTER TABLE no_such_table ADD COLUMN note text;\n-- migrate:down\nALTER TABLE no_such_table DROP COLUMN note;\n',
  );
  engineRelease({ RELEASE_NOTE: 'a release with a failing migration' });
  const result = await nx('deploy:staging', '--skipAnalysis');
  assert.notEqual(result.code, 0, result.out);
  assert.match(result.out, /the migration Job execution-engine-migrate-[0-9a-f]{10} failed; nothing was rolled, traffic is where it was\. dbmate said:/);
  assert.match(result.out, /no_such_table/);
  assert.equal(kubectl('get', 'service', 'execution-engine', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}'), live);
  assert.equal(JSON.parse(kubectl('get', 'configmap', 'execution-engine-releases', '-o', 'jsonpath={.data.history}')).length, revisions, 'no release recorded');
});
