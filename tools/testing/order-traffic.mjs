// Order traffic whose history can be checked (tools/testing/order-checker.mjs): clients post orders
// to the engine, each retried after an error and, every third order, once more for no reason (an
// answer the client lost), so one client id reaches several pods. Used by the engine's
// order-integrity test on processes and by the proof under traffic on the real node.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ACK = new Set([200, 201]);

/** One attempt: the status (or 'error' when no answer came) and the booking id of an acknowledgement. */
export async function postOrder(url, body, timeoutMs = 5000) {
  try {
    const response = await fetch(`${url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, id: response.ok ? JSON.parse(text).id : undefined, at: Date.now() };
  } catch {
    return { status: 'error', at: Date.now() };
  }
}

/**
 * The order a client sends as its n-th: prices around 40000 so orders cross and rest. Each order is
 * its own account: this traffic tests that no order is lost or booked twice, not the engine's
 * position limit, which per account would refuse a client's orders once they rested 50 BTC.
 */
export function orderBody(prefix, c, n) {
  return {
    account: `${prefix}c${c}-${n}`,
    client_order_id: `${prefix}c${c}-${n}`,
    side: (c + n) % 2 ? 'buy' : 'sell',
    price: String(40000 + ((n * 7 + c) % 5) - 2),
    quantity: '0.5',
  };
}

/**
 * `clients` clients send orders to `urls()` (its current URLs, round-robin per attempt) until each
 * has sent `orders`, or, with `orders` unset, until `during` has finished. `during` runs once
 * traffic flows. Attempts per order: up to `attempts`, `retryMs` apart. Returns the history.
 */
export async function orderTraffic({ urls, clients = 6, orders, prefix = '', attempts = 8, retryMs = 250, pauseMs = 0, during = async () => {} }) {
  const history = [];
  let sent = 0;
  let done = false;
  const client = async (c) => {
    for (let n = 0; orders === undefined ? !done : n < orders; n += 1) {
      const body = orderBody(prefix, c, n);
      const tries = [];
      for (let attempt = 0; attempt < attempts; attempt += 1) {
        const list = urls();
        const result = await postOrder(list[(c + n + attempt) % list.length], body);
        tries.push(result);
        sent += 1;
        const acknowledged = ACK.has(result.status);
        if (acknowledged && (attempt > 0 || n % 3 !== 0)) break;
        if (!acknowledged) await sleep(retryMs);
      }
      history.push({ client: body.client_order_id, attempts: tries });
      if (pauseMs) await sleep(pauseMs);
    }
  };
  let finished = 0;
  const running = Array.from({ length: clients }, (_, c) => client(c).finally(() => (finished += 1)));
  // Traffic flows once a few attempts went out (or a bounded run is already over: 2 orders of one
  // client are fewer than 5 attempts, and waiting for more hung the test that sent them).
  while (sent < clients * 5 && finished < clients) await sleep(20);
  try {
    await during();
  } finally {
    done = true;
  }
  await Promise.all(running);
  return history;
}

/** Each acknowledged client id read back through `urls` (round-robin): client -> booking id or null. */
export async function readBack(history, urls) {
  const final = new Map();
  let n = 0;
  for (const { client, attempts } of history) {
    if (!attempts.some((a) => ACK.has(a.status))) continue;
    let id = null;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const response = await fetch(`${urls[n++ % urls.length]}/api/orders/${client}`, { signal: AbortSignal.timeout(5000) });
        if (response.status === 404) break;
        if (response.ok) {
          id = (await response.json()).id;
          break;
        }
      } catch {
        /* no answer: ask again */
      }
      await sleep(250);
    }
    final.set(client, id);
  }
  return final;
}

/** The SQL that reads the engine's book and trades as order-checker.mjs takes them (one JSON value). */
export const BOOK_SQL = `select json_build_object(
  'orders', (select coalesce(json_agg(json_build_object('id', id, 'instrument', instrument, 'account', account, 'side', side, 'price', price, 'quantity', quantity, 'remaining', remaining)), '[]') from engine_orders),
  'trades', (select coalesce(json_agg(json_build_object('taker', taker, 'maker', maker, 'price', price, 'quantity', quantity)), '[]') from engine_trades),
  'positions', (select coalesce(json_agg(json_build_object('account', account, 'instrument', instrument, 'quantity', quantity, 'resting_buys', resting_buys, 'resting_sells', resting_sells)), '[]') from engine_positions))`;
