// @workspace-test uses=postgres cached
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
import { ROOT, freePort, startEngine, throwawayDatabase } from '../../../tools/testing/local-services.mjs';

const CLIENTS = 6;
const ORDERS = 30;
let database;

before(() => {
  execFileSync('cargo', ['build', '--quiet', '--package', 'execution-engine'], { cwd: ROOT, stdio: 'inherit' });
  database = throwawayDatabase('integrity');
});
after(() => database?.drop());

async function post(url, body) {
  try {
    const response = await fetch(`${url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, id: response.ok ? JSON.parse(text).id : undefined };
  } catch {
    return { status: 'error' };
  }
}

/** Order traffic through `pods()` (its current URLs), retried; `during` runs once traffic flows. */
async function traffic(pods, during = async () => {}) {
  const history = [];
  let sent = 0;
  const client = async (c) => {
    for (let n = 0; n < ORDERS; n += 1) {
      const body = {
        client_order_id: `c${c}-${n}`,
        side: (c + n) % 2 ? 'buy' : 'sell',
        price: String(40000 + ((n * 7 + c) % 5) - 2),
        quantity: '0.5',
      };
      const attempts = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const urls = pods();
        const result = await post(urls[(c + n + attempt) % urls.length], body);
        attempts.push(result);
        sent += 1;
        const acknowledged = result.status === 200 || result.status === 201;
        // A client whose answer was lost retries: every third order once more, to another pod.
        if (acknowledged && (attempt > 0 || n % 3 !== 0)) break;
        if (!acknowledged && attempt < 3) await new Promise((r) => setTimeout(r, 100));
      }
      history.push({ client: body.client_order_id, attempts });
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  while (sent < CLIENTS * 5) await new Promise((r) => setTimeout(r, 20));
  await during();
  await Promise.all(clients);
  return history;
}

/** Each acknowledged client id read back through the pods, round-robin. */
async function readBack(history, urls) {
  const final = new Map();
  let n = 0;
  for (const { client, attempts } of history) {
    if (!attempts.some((a) => a.status === 200 || a.status === 201)) continue;
    const response = await fetch(`${urls[n++ % urls.length]}/api/orders/${client}`);
    final.set(client, response.ok ? (await response.json()).id : null);
  }
  return final;
}

function bookOf(url) {
  const sql = `select json_build_object(
      'orders', (select coalesce(json_agg(json_build_object('id', id, 'side', side, 'price', price, 'quantity', quantity, 'remaining', remaining)), '[]') from engine_orders),
      'trades', (select coalesce(json_agg(json_build_object('taker', taker, 'maker', maker, 'price', price, 'quantity', quantity)), '[]') from engine_trades))`;
  return JSON.parse(execFileSync('psql', [url, '-At', '-c', sql], { encoding: 'utf8' }));
}

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
