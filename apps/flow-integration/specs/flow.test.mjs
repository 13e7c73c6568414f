// Agents and engine as real processes: a signal in, the booked order out (see ../README.md).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { call, startAgents, startEngine } from '../../../tools/testing/local-services.mjs';

const BUY = { instrument: 'BTC-USD', price: '40000', strength: '0.5' };
let engine;
let agents;

// Each test starts from empty books: its own engine and agents.
beforeEach(async () => {
  engine = await startEngine();
  agents = await startAgents(engine.url);
});
afterEach(async () => {
  await agents?.stop();
  await engine?.stop();
});

async function waitFor(what, probe, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a signal posted to the agents is booked in the engine under the same client order id', async () => {
  const posted = await call(agents.url, '/api/signals', BUY);
  assert.equal(posted.status, 201, posted.text);
  const order = posted.json.order;
  assert.equal(order.status, 'booked');
  assert.equal(order.side, 'buy');
  assert.equal(order.limitPrice, '40000.0');
  const booked = (await call(engine.url, '/api/orders')).json.orders.find((o) => o.client_order_id === order.clientOrderId);
  assert.ok(booked, 'the engine lists the booking');
  assert.equal(booked.id, order.engineOrderId);
  assert.deepEqual([booked.side, booked.price, Number(booked.quantity)], ['buy', '40000', Number(order.quantity)]);
  const status = (await call(engine.url, '/api/status')).json;
  assert.equal(status.best_bid, '40000');
  // A retry of the same order (an answer lost on the way back) gets the first booking, not a second order.
  const retry = await call(engine.url, '/api/orders', {
    instrument: 'BTC-USD',
    client_order_id: order.clientOrderId,
    side: 'buy',
    price: '40000',
    quantity: order.quantity,
  });
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.json.id, order.engineOrderId);
  assert.equal((await call(engine.url, '/api/status')).json.resting_bids, status.resting_bids);
});

test("a booked order that trades becomes the agents' position", async () => {
  // Another participant's offer rests in the book; the agents' buy takes it.
  const offer = await call(engine.url, '/api/orders', { side: 'sell', price: '39999.5', quantity: '0.5' });
  assert.equal(offer.status, 201, offer.text);
  const posted = await call(agents.url, '/api/signals', { ...BUY, price: '39999.5' });
  assert.equal(posted.status, 201, posted.text);
  assert.equal(posted.json.order.filledQuantity, '0.5');
  const positions = (await call(agents.url, '/api/positions')).json.positions;
  const btc = positions.find((p) => p.instrument === 'BTC-USD');
  assert.equal(btc?.quantity, '0.5');
  assert.equal(btc?.averagePrice, '39999.5');
});

test("an agents' order that rests and is filled later, by another participant, becomes the agents' position too", async () => {
  const posted = await call(agents.url, '/api/signals', BUY);
  assert.equal(posted.status, 201, posted.text);
  assert.equal(posted.json.order.filledQuantity, '0', 'nothing to trade with: it rests');
  const quantity = posted.json.order.quantity;
  // Half of it is taken by a seller, then the rest: each a fill of the agents' resting buy.
  const half = (Number(quantity) / 2).toFixed(3);
  for (const q of [half, (Number(quantity) - Number(half)).toFixed(3)]) {
    const sold = await call(engine.url, '/api/orders', { side: 'sell', price: '40000', quantity: q });
    assert.equal(sold.status, 201, sold.text);
    assert.equal(sold.json.trades.length, 1, sold.text);
  }
  const btc = await waitFor('the later fills in the agents position', async () => {
    const positions = (await call(agents.url, '/api/positions')).json.positions;
    const p = positions.find((x) => x.instrument === 'BTC-USD');
    return Number(p?.quantity) === Number(quantity) ? p : undefined;
  });
  assert.equal(Number(btc.averagePrice), 40000);
  const order = (await call(agents.url, '/api/orders')).json.orders.find((o) => o.clientOrderId === posted.json.order.clientOrderId);
  assert.equal(Number(order.filledQuantity), Number(quantity));
  // Applied once: more rounds of the background sync change nothing.
  await new Promise((r) => setTimeout(r, 1000));
  const again = (await call(agents.url, '/api/positions')).json.positions.find((x) => x.instrument === 'BTC-USD');
  assert.equal(Number(again.quantity), Number(quantity));
});

test("refusals are reported with their reasons: the agents' risk limits, and the engine's", async () => {
  const weak = await call(agents.url, '/api/signals', { ...BUY, strength: '0.1' });
  assert.deepEqual([weak.status, weak.json.order], [200, null]);
  assert.match(weak.json.reason, /below the entry threshold/);
  // The engine trades BTC-USD only: the agents' ETH order is refused there, and says so.
  const eth = await call(agents.url, '/api/signals', { instrument: 'ETH-USD', price: '2000', strength: '-0.5' });
  assert.equal(eth.status, 200, eth.text);
  assert.equal(eth.json.order.status, 'refused');
  assert.equal(eth.json.order.lastError, 'HTTP 422: unknown instrument ETH-USD: this engine trades BTC-USD');
  // Far outside the engine's price band around the book's mid (other participants quote 39990/40010).
  for (const [side, price] of [
    ['buy', '39990'],
    ['sell', '40010'],
  ]) {
    assert.equal((await call(engine.url, '/api/orders', { side, price, quantity: '1' })).status, 201);
  }
  const far = await call(agents.url, '/api/signals', { ...BUY, price: '30000', strength: '-0.5' });
  assert.equal(far.json.order?.status, 'refused', far.text);
  assert.equal(far.json.order.lastError, 'HTTP 422: price 30000 is more than 500 bps from the reference 40000');
  const counts = (await call(agents.url, '/api/orders')).json.counts;
  assert.equal(counts.refused, 2);
  assert.equal(counts.pending, 0);
});

test('with the engine down an intent is kept, then delivered once when the engine is back', async () => {
  const port = Number(new URL(engine.url).port);
  await engine.stop();
  const posted = await call(agents.url, '/api/signals', { ...BUY, strength: '-0.4' });
  assert.equal(posted.status, 202, posted.text);
  assert.equal(posted.json.order.status, 'pending');
  assert.match(posted.json.order.lastError, /^engine unreachable: ConnectError/);
  const id = posted.json.order.clientOrderId;
  const metrics = (await call(agents.url, '/metrics')).text;
  assert.match(metrics, /^agents_order_intents_pending 1\.0$/m);
  engine = await startEngine(port);
  const delivered = await waitFor('the kept intent to be booked', async () =>
    (await call(agents.url, '/api/orders')).json.orders.find((o) => o.clientOrderId === id && o.status === 'booked'),
  );
  assert.ok(delivered.attempts >= 4, `tried ${delivered.attempts} times`);
  // Give the background delivery a few more rounds: it must not book the order again.
  await new Promise((r) => setTimeout(r, 1000));
  const bookings = (await call(engine.url, '/api/orders')).json.orders.filter((o) => o.client_order_id === id);
  assert.equal(bookings.length, 1);
  assert.equal(bookings[0].id, delivered.engineOrderId);
  assert.match((await call(agents.url, '/metrics')).text, /^agents_order_intents_pending 0\.0$/m);
});
