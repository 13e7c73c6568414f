// The analysis load generator against a local HTTP server: its request mix (GETs and JSON writes
// with per-send bodies), the command-line form of a mix, and what it counts.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { parseRequests, renderBody, startTraffic } from './traffic.mjs';

test('a mix is a /path or a JSON list of GETs and POSTs; anything else is refused, saying what is wanted', () => {
  assert.deepEqual(parseRequests('/api/status'), [{ method: 'GET', path: '/api/status' }]);
  assert.deepEqual(parseRequests('[{"path":"/a"},{"method":"POST","path":"/b","body":{"x":"{n}"}}]'), [
    { method: 'GET', path: '/a' },
    { method: 'POST', path: '/b', body: { x: '{n}' } },
  ]);
  assert.throws(() => parseRequests('[]'), /a \/path or a non-empty JSON list/);
  assert.throws(() => parseRequests('[{"method":"DELETE","path":"/a"}]'), /each one \{ method\?: GET \| POST/);
  assert.throws(() => parseRequests('[{"path":"a"}]'), /each one/);
});

test("a body's placeholders: the send's number, alternating sides, the run's id, in nested values", () => {
  const body = { client_order_id: 'load-{run}-{n}', side: '{side}', price: '100', legs: [{ note: '{n}' }], size: 1 };
  assert.deepEqual(renderBody(body, 0, 'r1'), { client_order_id: 'load-r1-0', side: 'buy', price: '100', legs: [{ note: '0' }], size: 1 });
  assert.equal(renderBody(body, 7, 'r1').side, 'sell');
});

test('the mix is sent in turn at the rate: each POST with its own body as JSON, refusals (4xx) not counted as failures', async () => {
  const received = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: data ? JSON.parse(data) : undefined });
      res.statusCode = req.method === 'POST' ? (received.length % 4 === 0 ? 422 : 201) : 200;
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const traffic = startTraffic({
    target: () => base,
    requests: parseRequests(JSON.stringify([{ path: '/api/status' }, { method: 'POST', path: '/api/orders', body: { id: 'load-{run}-{n}', side: '{side}' } }])),
    ratePerSecond: 40,
  });
  await new Promise((r) => setTimeout(r, 600));
  const seen = await traffic.stop();
  server.close();
  const gets = received.filter((r) => r.method === 'GET');
  const posts = received.filter((r) => r.method === 'POST');
  assert.ok(posts.length >= 5, `${received.length} requests`);
  assert.ok(Math.abs(gets.length - posts.length) <= 1, 'taken in turn');
  assert.ok(gets.every((r) => r.url === '/api/status' && r.body === undefined));
  assert.ok(posts.every((r) => r.url === '/api/orders' && r.type === 'application/json'));
  const ids = posts.map((r) => r.body.id);
  assert.equal(new Set(ids).size, ids.length, 'each send its own id');
  assert.match(ids[0], /^load-[0-9a-f]{8}-0$/);
  assert.deepEqual(
    posts.slice(0, 4).map((r) => r.body.side),
    ['buy', 'sell', 'buy', 'sell'],
  );
  assert.equal(seen.total, received.length);
  assert.equal(seen.failed, 0);
  assert.ok(seen.statuses[422] >= 1 && seen.statuses[201] >= 1 && seen.statuses[200] >= 1, JSON.stringify(seen.statuses));
});
