import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheMetrics } from '../src/metrics';
import { type CacheServer, createCacheServer } from '../src/server';
import { FsStore } from '../src/stores/fs-store';
import { TokenRegistry } from '../src/tokens';
import { nxArtifact } from './artifact';

// The cache server as a CI service: its Prometheus metrics, the filesystem store's retention
// (least recently read evicted first, across restarts) and a graceful shutdown that finishes
// uploads in flight or discards them whole.
const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789';
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

let root: string;
let server: CacheServer;
let base: string;
let metrics: CacheMetrics;
let store: FsStore;

async function start(maxBytes = 0): Promise<void> {
  metrics = new CacheMetrics();
  store = await new FsStore(root, { maxBytes, onEvict: (b) => metrics.evicted(b), onSize: (b) => metrics.storeSize(b) }).init();
  server = createCacheServer({
    store,
    tokens: new TokenRegistry([
      { name: 'ci-main', scope: 'read-write', token: WRITE },
      { name: 'ci-pr', scope: 'read', token: READ },
    ]),
    maxArtifactBytes: 1024 * 1024,
    log: () => undefined,
    metrics,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const put = (hash: string, body: Buffer, token = WRITE) => fetch(`${base}/v1/cache/${hash}`, { method: 'PUT', body, headers: auth(token) });
const get = (hash: string) => fetch(`${base}/v1/cache/${hash}`, { headers: auth(READ) });
/** One sample of the exposition text, by metric name and label text; 0 when absent. */
async function sample(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cache-ops-'));
});
afterEach(async () => {
  if (server.listening) await server.shutdown(0);
  await rm(root, { recursive: true, force: true });
});

describe('metrics (GET /metrics, no token)', () => {
  it('counts hits, misses, bytes both ways, requests by status and refused uploads by reason', async () => {
    await start();
    const artifact = await nxArtifact();
    await (await get('1')).arrayBuffer(); // miss
    expect((await put('1', artifact)).status).toBe(200);
    await (await get('1')).arrayBuffer(); // hit
    expect((await put('1', artifact)).status).toBe(409); // exists
    expect((await put('2', artifact, READ)).status).toBe(403); // read-only token
    expect((await put('3', artifact, 'nope-nope-nope-nope')).status).toBe(401);
    expect((await put('4', Buffer.from('not a tarball at all'))).status).toBe(400);

    expect(await sample('nx_cache_hits_total')).toBe(1);
    expect(await sample('nx_cache_misses_total')).toBe(1);
    expect(await sample('nx_cache_bytes_received_total')).toBe(artifact.length);
    expect(await sample('nx_cache_bytes_sent_total')).toBe(artifact.length);
    expect(await sample('nx_cache_requests_total', '{method="GET",status="404"}')).toBe(1);
    expect(await sample('nx_cache_requests_total', '{method="PUT",status="200"}')).toBe(1);
    for (const reason of ['exists', 'read-only-token', 'unauthenticated', 'malformed']) {
      expect([reason, await sample('nx_cache_uploads_rejected_total', `{reason="${reason}"}`)]).toEqual([reason, 1]);
    }
    expect(await sample('nx_cache_request_duration_seconds_count', '{method="PUT"}')).toBe(5);
    expect(await sample('nx_cache_store_bytes')).toBe(artifact.length);
  });
});

describe('retention of the filesystem store', () => {
  it('evicts the least recently read entries once the cap is passed, and keeps that order across a restart', async () => {
    const artifacts = await Promise.all([1, 2, 3, 4].map((n) => nxArtifact({ 'dist/out.txt': String(n).repeat(2000 + n) })));
    const cap = artifacts[0].length + artifacts[1].length + artifacts[2].length + 10;
    await start(cap);
    for (const n of [1, 2, 3]) expect((await put(`${n}`, artifacts[n - 1])).status).toBe(200);
    await (await get('1')).arrayBuffer(); // 1 read after 2 and 3 were stored: 2 is now the least recently read
    expect((await put('4', artifacts[3])).status).toBe(200);
    expect((await get('2')).status).toBe(404);
    for (const n of ['1', '3', '4']) expect([n, (await get(n)).status]).toEqual([n, 200]);
    expect(await sample('nx_cache_evictions_total')).toBe(1);
    expect(store.sizeBytes).toBeLessThanOrEqual(cap);

    // A restart rebuilds the order from the files' mtimes (the last read): make 3 the oldest.
    await server.shutdown(0);
    const old = new Date(Date.now() - 3_600_000);
    await utimes(join(root, '3', '3'), old, old);
    await start(cap);
    expect((await put('5', artifacts[1])).status).toBe(200);
    expect((await get('3')).status).toBe(404);
    for (const n of ['1', '4', '5']) expect([n, (await get(n)).status]).toEqual([n, 200]);
  });
});

describe('graceful shutdown', () => {
  /** A PUT that sends part of its body now and the rest when `finish` is called. */
  function slowPut(hash: string, body: Buffer) {
    const req = request(`${base}/v1/cache/${hash}`, { method: 'PUT', headers: { ...auth(WRITE), 'Content-Length': String(body.length) } });
    const status = new Promise<number | 'cut off'>((resolve) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve('cut off'));
    });
    req.write(body.subarray(0, 100));
    return { status, finish: () => req.end(body.subarray(100)) };
  }

  it('lets an upload in flight finish within the grace period, and takes no new connections', async () => {
    await start();
    const artifact = await nxArtifact();
    const upload = slowPut('10', artifact);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = server.shutdown(5_000);
    setTimeout(upload.finish, 200);
    expect(await upload.status).toBe(200);
    expect(await stopping).toEqual({ finished: 1, cutOff: 0 });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await start();
    expect((await get('10')).status).toBe(200);
  });

  it('discards an upload still running when the grace period ends: nothing half-stored, nothing left in .incoming', async () => {
    await start();
    const artifact = await nxArtifact({ 'dist/big.bin': Buffer.alloc(200_000, 7) });
    const upload = slowPut('11', artifact);
    await new Promise((r) => setTimeout(r, 100));
    expect(await server.shutdown(300)).toEqual({ finished: 0, cutOff: 1 });
    expect(await upload.status).toBe('cut off');
    expect(await readdir(join(root, '.incoming'))).toEqual([]);
    await start();
    expect((await get('11')).status).toBe(404);
  });
});
