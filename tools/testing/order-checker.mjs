// Checks a recorded history of order traffic the way Jepsen's checkers do (read the history, not
// the code): what the clients were told, what the service answers when asked again afterwards,
// and, where the database is at hand, the book itself. Pure: no I/O.
//
//   history: [{ client: 'c-1', attempts: [{ status: 201 | 200 | 422 | 503 | 'error', id?: number, at?: epoch ms answered }] }]
//            every attempt of one client order id, to whichever pod answered
//   final:   Map(client -> booking id, or null): each acknowledged id read back through the service
//   book:    optional { orders: [{ id, instrument?, account?, side, price, quantity, remaining }], trades: [{ taker, maker, price, quantity }],
//            positions?: [{ account, instrument, quantity, resting_buys, resting_sells }] }
//            prices and quantities as integers (fixed-point units); one book per instrument (the
//            engine's and its synthetic twin's, which the deploy analysis' load writes to)
//
//   recoveredTo: optional epoch ms, the mark of a point-in-time recovery: an order acknowledged at
//            or after it (`at` of its attempt) and gone afterwards is the recovery's known loss,
//            counted and listed in `knownLoss` (with the booking a retry made after it, if one did),
//            not a problem; one acknowledged before it must be there
//
// Returns { ok, counts, problems: [{ kind, client?, id?, detail }], knownLoss: [{ client, id, at }] }. Kinds: `lost` (acknowledged,
// then not found or found as another booking), `booked-twice` (one client id acknowledged as two
// bookings), `id-reused` (one booking id acknowledged for two client ids), `fills` (an order's fills
// and remainder do not add up to its quantity), `bad-trade` (a trade at a price its taker did not
// accept, an order trading with itself or with another instrument's), `crossed-book` (a resting bid
// at or above a resting ask of the same instrument), `position` (an account's position is not the
// sum of its fills, or what it rests not the sum of its orders' remainders).

const ACK = new Set([200, 201]);

export function checkOrderHistory({ history, final, book, recoveredTo }) {
  const problems = [];
  const knownLoss = [];
  const byId = new Map();
  let acknowledged = 0;
  let attempts = 0;
  for (const { client, attempts: tries } of history) {
    attempts += tries.length;
    const acks = tries.filter((t) => ACK.has(t.status));
    const ids = [...new Set(acks.map((t) => t.id))];
    if (ids.length === 0) continue;
    acknowledged += 1;
    for (const id of ids) {
      const other = byId.get(id);
      if (other !== undefined && other !== client)
        problems.push({ kind: 'id-reused', id, client, detail: `booking ${id} acknowledged for ${other} and ${client}` });
      byId.set(id, client);
    }
    const read = final.get(client) ?? null;
    // Bookings a recovery took away: acknowledged at or after its mark, and not what the service
    // reads back now (a retry after the recovery may have booked the order again: one booking).
    const ackedAt = (id) => Math.min(...acks.filter((t) => t.id === id).map((t) => t.at ?? -Infinity));
    const gone = recoveredTo === undefined ? [] : ids.filter((id) => id !== read && ackedAt(id) >= recoveredTo);
    for (const id of gone) knownLoss.push({ client, id, at: new Date(ackedAt(id)).toISOString(), ...(read !== null ? { bookedAgainAs: read } : {}) });
    const kept = ids.filter((id) => !gone.includes(id));
    if (kept.length > 1) problems.push({ kind: 'booked-twice', client, detail: `${client} acknowledged as bookings ${kept.join(' and ')}` });
    if (kept.length === 0 && read === null) continue;
    if (read === null) problems.push({ kind: 'lost', client, detail: `${client} acknowledged as booking ${kept[0]}, not found afterwards` });
    else if (!ids.includes(read)) problems.push({ kind: 'lost', client, detail: `${client} acknowledged as booking ${ids[0]}, read back as ${read}` });
  }
  if (book) problems.push(...checkBook(book));
  const counts = { clients: history.length, attempts, acknowledged, ...(recoveredTo !== undefined ? { 'known loss': knownLoss.length } : {}) };
  for (const p of problems) counts[p.kind] = (counts[p.kind] ?? 0) + 1;
  return { ok: problems.length === 0, counts, problems, knownLoss };
}

function checkBook({ orders, trades, positions }) {
  const problems = [];
  const filled = new Map();
  const add = (id, q) => filled.set(id, (filled.get(id) ?? 0n) + BigInt(q));
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const t of trades) {
    add(t.maker, t.quantity);
    add(t.taker, t.quantity);
    const taker = byId.get(t.taker);
    const maker = byId.get(t.maker);
    if (t.maker === t.taker) problems.push({ kind: 'bad-trade', id: t.taker, detail: `order ${t.taker} traded with itself` });
    else if (taker && maker && taker.instrument !== maker.instrument)
      problems.push({ kind: 'bad-trade', id: t.taker, detail: `order ${t.taker} of ${taker.instrument} traded with maker ${t.maker} of ${maker.instrument}` });
    else if (taker && maker) {
      const accepted = taker.side === 'buy' ? BigInt(t.price) <= BigInt(taker.price) : BigInt(t.price) >= BigInt(taker.price);
      if (!accepted || BigInt(t.price) !== BigInt(maker.price))
        problems.push({ kind: 'bad-trade', id: t.taker, detail: `order ${t.taker} traded at ${t.price} with maker ${t.maker} at ${maker.price}` });
    }
  }
  for (const o of orders) {
    const total = BigInt(o.remaining) + (filled.get(o.id) ?? 0n);
    if (total !== BigInt(o.quantity)) problems.push({ kind: 'fills', id: o.id, detail: `order ${o.id}: fills and remainder ${total}, quantity ${o.quantity}` });
  }
  for (const instrument of new Set(orders.map((o) => o.instrument))) {
    const resting = orders.filter((o) => o.instrument === instrument && BigInt(o.remaining) > 0n);
    const bids = resting.filter((o) => o.side === 'buy').map((o) => BigInt(o.price));
    const asks = resting.filter((o) => o.side === 'sell').map((o) => BigInt(o.price));
    if (bids.length && asks.length) {
      const bid = bids.reduce((a, b) => (a > b ? a : b));
      const ask = asks.reduce((a, b) => (a < b ? a : b));
      const of = instrument === undefined ? '' : ` of ${instrument}`;
      if (bid >= ask) problems.push({ kind: 'crossed-book', detail: `best bid ${bid} at or above best ask ${ask}${of}` });
    }
  }
  if (positions) problems.push(...checkPositions(orders, trades, positions));
  return problems;
}

/** Each account's position against its fills and its resting figures against its orders. */
function checkPositions(orders, trades, positions) {
  const expected = new Map();
  const figures = (o) => {
    const key = `${o.account}\u0000${o.instrument}`;
    if (!expected.has(key)) expected.set(key, { account: o.account, instrument: o.instrument, quantity: 0n, resting_buys: 0n, resting_sells: 0n });
    return expected.get(key);
  };
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const t of trades) {
    for (const o of [byId.get(t.taker), byId.get(t.maker)]) {
      if (o) figures(o).quantity += (o.side === 'buy' ? 1n : -1n) * BigInt(t.quantity);
    }
  }
  for (const o of orders) if (BigInt(o.remaining) > 0n) figures(o)[o.side === 'buy' ? 'resting_buys' : 'resting_sells'] += BigInt(o.remaining);
  const problems = [];
  const seen = new Set();
  for (const p of positions) {
    const key = `${p.account}\u0000${p.instrument}`;
    seen.add(key);
    const want = expected.get(key) ?? { quantity: 0n, resting_buys: 0n, resting_sells: 0n };
    for (const field of ['quantity', 'resting_buys', 'resting_sells']) {
      if (BigInt(p[field]) !== want[field])
        problems.push({ kind: 'position', detail: `account ${p.account} in ${p.instrument}: ${field} ${p[field]}, its orders and fills say ${want[field]}` });
    }
  }
  for (const [key, want] of expected) {
    if (!seen.has(key) && (want.quantity || want.resting_buys || want.resting_sells))
      problems.push({ kind: 'position', detail: `account ${want.account} in ${want.instrument}: no position kept, its orders and fills say ${want.quantity}` });
  }
  return problems;
}

/** One line per kind and the first few problems, for a test's message or a benchmark's output. */
export function describe(result) {
  const kinds = Object.entries(result.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lost = result.knownLoss ?? [];
  const listed = lost.slice(0, 10).map((l) => `${l.client} as ${l.id} at ${l.at}${l.bookedAgainAs ? ` (booked again as ${l.bookedAgainAs})` : ''}`);
  const more = lost.length > 10 ? `, and ${lost.length - 10} more (knownLoss lists them all)` : '';
  const loss = lost.length ? [`  known loss (acknowledged after the recovery's mark): ${listed.join(', ')}${more}`] : [];
  return [kinds, ...loss, ...result.problems.slice(0, 10).map((p) => `  ${p.kind}: ${p.detail}`)].join('\n');
}
