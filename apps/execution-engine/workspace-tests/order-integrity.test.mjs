// @workspace-test uses=postgres cached inputs=tools/testing/**/* needs=execution-engine:build-debug
// Issue 28, on processes: three engines (its debug build) on one database stand for three pods of
// any colours behind one Service. Clients send orders round-robin, each retried to another pod
// after an error and often for no reason (a lost answer), while one engine is killed with SIGKILL
// and replaced. The recorded history is then checked (tools/testing/order-checker.mjs): no
// acknowledged order lost, none booked twice, ids unique, the book consistent. The same traffic
// against engines that keep their state in the process (ENGINE_STATE=memory, the old per-pod
// journal) must fail the check, naming what it lost and booked twice: the check can fail.
// The cluster's mechanisms (deploy, canary, switch-back, rollback, pod and database restarts) are
// driven by the proof on the real node.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { checkOrderHistory, describe } from '../../../tools/testing/order-checker.mjs';
import { buildEngine, freePort, startEngine, throwawayDatabase } from '../../../tools/testing/local-services.mjs';
import { BOOK_SQL, orderTraffic, readBack } from '../../../tools/testing/order-traffic.mjs';

const CLIENTS = 6;
const ORDERS = 30;
let database;

before(() => {
  buildEngine();
  database = throwawayDatabase('integrity');
});
after(() => database?.drop());

const traffic = (urls, during) => orderTraffic({ urls, clients: CLIENTS, orders: ORDERS, attempts: 4, retryMs: 100, during });
const bookOf = (url) => JSON.parse(execFileSync('psql', [url, '-At', '-c', BOOK_SQL], { encoding: 'utf8' }));

test('three engines on one database, one killed and replaced mid-traffic: nothing lost, nothing booked twice, one consistent book', async () => {
  const env = { DATABASE_URL: database.url };
  const engines = [await startEngine(undefined, env), await startEngine(undefined, env), await startEngine(undefined, env)];
  const urls = () => engines.map((e) => e.url);
  try {
    const history = await traffic(urls, async () => {
      const victim = engines[1];
      process.kill(victim.pid, 'SIGKILL');
      engines[1] = await startEngine(await freePort(), env);
    });
    const result = checkOrderHistory({ history, final: await readBack(history, urls()), book: bookOf(database.url) });
    console.log(`order integrity, three engines on PostgreSQL, one SIGKILLed: ${describe(result)}`);
    assert.ok(result.ok, describe(result));
    assert.equal(result.counts.acknowledged, CLIENTS * ORDERS, 'every order was acknowledged in the end');
  } finally {
    for (const e of engines) await e.stop();
  }
});

test('the planted defect: engines keeping their state in the process lose and double-book, and the check names it', async () => {
  const env = { ENGINE_STATE: 'memory' };
  const engines = [await startEngine(undefined, env), await startEngine(undefined, env), await startEngine(undefined, env)];
  const urls = () => engines.map((e) => e.url);
  try {
    const history = await traffic(urls);
    const result = checkOrderHistory({ history, final: await readBack(history, urls()) });
    console.log(`order integrity, the planted per-pod journal: ${describe(result)}`);
    assert.equal(result.ok, false);
    assert.ok(result.counts['booked-twice'] > 0, describe(result));
    assert.ok(result.counts.lost > 0, describe(result));
  } finally {
    for (const e of engines) await e.stop();
  }
});
