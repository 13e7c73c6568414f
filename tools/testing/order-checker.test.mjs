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
  assert.deepEqual(result, { ok: true, counts: { clients: 3, attempts: 5, acknowledged: 1 }, problems: [], knownLoss: [] });
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

test('one book per instrument: the synthetic twin resting below the real book is no crossed book; a trade across instruments is', () => {
  const orders = [
    { id: 1, instrument: 'BTC-USD', side: 'buy', price: 40000, quantity: 1, remaining: 1 },
    { id: 2, instrument: 'BTC-USD.SYNTHETIC', side: 'sell', price: 100, quantity: 1, remaining: 1 },
    { id: 3, instrument: 'BTC-USD.SYNTHETIC', side: 'buy', price: 100, quantity: 1, remaining: 0 },
    { id: 4, instrument: 'BTC-USD.SYNTHETIC', side: 'sell', price: 100, quantity: 1, remaining: 0 },
  ];
  const trades = [{ taker: 4, maker: 3, price: 100, quantity: 1 }];
  const separate = checkOrderHistory({ history: [], final: new Map(), book: { orders, trades } });
  assert.equal(separate.ok, true, describe(separate));
  const across = checkOrderHistory({
    history: [],
    final: new Map(),
    book: {
      orders: [...orders, { id: 5, instrument: 'BTC-USD', side: 'sell', price: 40000, quantity: 1, remaining: 0 }],
      trades: [...trades, { taker: 5, maker: 2, price: 100, quantity: 1 }],
    },
  });
  assert.deepEqual(across.problems.map((p) => p.kind).sort(), ['bad-trade', 'fills']);
  assert.match(describe(across), /order 5 of BTC-USD traded with maker 2 of BTC-USD.SYNTHETIC/);
});

test("positions: each account's position is the sum of its fills and its resting figures its orders' remainders; a drifted one is named", () => {
  const orders = [
    { id: 1, instrument: 'X', account: 'mm', side: 'sell', price: 10, quantity: 5, remaining: 2 },
    { id: 2, instrument: 'X', account: 'al', side: 'buy', price: 10, quantity: 3, remaining: 0 },
    { id: 3, instrument: 'X', account: 'al', side: 'buy', price: 9, quantity: 4, remaining: 4 },
  ];
  const trades = [{ taker: 2, maker: 1, price: 10, quantity: 3 }];
  const kept = [
    { account: 'mm', instrument: 'X', quantity: -3, resting_buys: 0, resting_sells: 2 },
    { account: 'al', instrument: 'X', quantity: 3, resting_buys: 4, resting_sells: 0 },
  ];
  const check = (positions) => checkOrderHistory({ history: [], final: new Map(), book: { orders, trades, positions } });
  assert.equal(check(kept).ok, true, describe(check(kept)));
  const drifted = check([{ ...kept[0], quantity: 0 }, kept[1]]);
  assert.deepEqual(
    drifted.problems.map((p) => p.detail),
    ['account mm in X: quantity 0, its orders and fills say -3'],
  );
  const missing = check([kept[0]]);
  assert.deepEqual(missing.counts.position, 1, describe(missing));
});

test('a point-in-time recovery: orders acknowledged after its mark and gone are its known loss, listed; one acknowledged before it and gone is lost', () => {
  const mark = Date.parse('2026-12-05T11:00:00Z');
  const at = (id, ms) => ({ status: 201, id, at: mark + ms });
  const history = [
    { client: 'before', attempts: [at(1, -500)] },
    { client: 'gone-before', attempts: [at(2, -1)] },
    { client: 'after', attempts: [{ status: 503, at: mark - 10 }, at(3, 0)] },
    { client: 'after-kept', attempts: [at(4, 200)] },
    // Acknowledged after the mark, its replay answered after the recovery: booked again, once.
    { client: 'rebooked', attempts: [at(5, 100), at(9, 5000)] },
    // A new booking after the recovery given an id handed out before it: the id was reused.
    { client: 'new', attempts: [at(3, 6000)] },
  ];
  const final = new Map([
    ['before', 1],
    ['gone-before', null],
    ['after', null],
    ['after-kept', 4],
    ['rebooked', 9],
    ['new', 3],
  ]);
  const result = checkOrderHistory({ history, final, recoveredTo: mark });
  assert.deepEqual(result.knownLoss, [
    { client: 'after', id: 3, at: '2026-12-05T11:00:00.000Z' },
    { client: 'rebooked', id: 5, at: '2026-12-05T11:00:00.100Z', bookedAgainAs: 9 },
  ]);
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.client]),
    [
      ['lost', 'gone-before'],
      ['id-reused', 'new'],
    ],
  );
  assert.equal(result.counts['known loss'], 2);
  assert.match(describe(result), /known loss \(acknowledged after the recovery's mark\): after as 3 at 2026-12-05T11:00:00.000Z/);
  // Without a recovery, the same history loses both and books one twice.
  assert.deepEqual(checkOrderHistory({ history, final }).counts, { clients: 6, attempts: 8, acknowledged: 6, lost: 2, 'booked-twice': 1, 'id-reused': 1 });
});
