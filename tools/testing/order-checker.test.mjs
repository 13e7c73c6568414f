import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOrderHistory, describe } from './order-checker.mjs';

const ok = (id) => ({ status: 201, id });
const replay = (id) => ({ status: 200, id });

test('a clean history: every acknowledged order read back as itself', () => {
  const history = [
    { client: 'a', attempts: [{ status: 'error' }, ok(1), replay(1)] },
    { client: 'b', attempts: [{ status: 503 }] },
    { client: 'c', attempts: [{ status: 422 }] },
  ];
  const result = checkOrderHistory({ history, final: new Map([['a', 1]]) });
  assert.deepEqual(result, { ok: true, counts: { clients: 3, attempts: 5, acknowledged: 1 }, problems: [] });
});

test('a retry booked a second time, an acknowledged order lost, a booking id given twice', () => {
  const history = [
    { client: 'a', attempts: [ok(1), ok(7)] },
    { client: 'b', attempts: [ok(2)] },
    { client: 'c', attempts: [ok(3)] },
    { client: 'd', attempts: [ok(3)] },
  ];
  const final = new Map([
    ['a', 1],
    ['b', null],
    ['c', 3],
    ['d', 9],
  ]);
  const result = checkOrderHistory({ history, final });
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.client ?? p.id]),
    [
      ['booked-twice', 'a'],
      ['lost', 'b'],
      ['id-reused', 'd'],
      ['lost', 'd'],
    ],
  );
  assert.match(describe(result), /booked-twice 1, .*lost 2/);
});

test('the book: fills that do not add up, a trade past the limit, a crossed book', () => {
  const orders = [
    { id: 1, side: 'sell', price: 100, quantity: 5, remaining: 0 },
    { id: 2, side: 'buy', price: 99, quantity: 5, remaining: 0 },
    { id: 3, side: 'buy', price: 105, quantity: 2, remaining: 2 },
    { id: 4, side: 'sell', price: 104, quantity: 1, remaining: 1 },
  ];
  const trades = [{ taker: 2, maker: 1, price: 100, quantity: 4 }];
  const result = checkOrderHistory({ history: [], final: new Map(), book: { orders, trades } });
  assert.deepEqual(result.problems.map((p) => p.kind).sort(), ['bad-trade', 'crossed-book', 'fills', 'fills']);
  const clean = checkOrderHistory({
    history: [],
    final: new Map(),
    book: { orders: [orders[0], { ...orders[1], price: 100 }], trades: [{ ...trades[0], quantity: 5 }] },
  });
  assert.equal(clean.ok, true, describe(clean));
});
