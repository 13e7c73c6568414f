import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AccessRecord } from '../src/access-log';
import { createCacheServer } from '../src/server';
import { FsStore } from '../src/stores/fs-store';
import { TokenRegistry } from '../src/tokens';
import { nxArtifact, tarOf } from './artifact';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789';
const LIMIT = 256 * 1024;

let root: string;
let server: Server;
let base: string;
let logs: AccessRecord[];

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const put = (hash: string, body: Buffer, token = WRITE) =>
  fetch(`${base}/v1/cache/${hash}`, { method: 'PUT', body, headers: { ...auth(token), 'Content-Type': 'application/octet-stream' } });
const get = (hash: string, token = READ) => fetch(`${base}/v1/cache/${hash}`, { headers: auth(token) });

/** Sends a PUT whose body stops short of its declared Content-Length, then hangs up. */
function truncatedPut(hash: string, body: Buffer, declared: number): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(`${base}/v1/cache/${hash}`, {
      method: 'PUT',
      headers: { ...auth(WRITE), 'Content-Length': String(declared) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('reset'));
    req.write(body, () => setTimeout(() => req.socket?.destroy(), 50));
  });
}

const incomingLeft = async () => readdir(join(root, '.incoming'));

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cache-server-'));
  logs = [];
  server = createCacheServer({
    store: await new FsStore(root).init(),
    tokens: new TokenRegistry([
      { name: 'ci-main', scope: 'read-write', token: WRITE },
      { name: 'ci-pr', scope: 'read', token: READ },
    ]),
    maxArtifactBytes: LIMIT,
    log: (record) => logs.push(record),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('cache server', () => {
  it('stores an artifact once and serves the same bytes with its length', async () => {
    const artifact = await nxArtifact();
    expect((await get('123')).status).toBe(404);
    const stored = await put('123', artifact);
    expect(stored.status).toBe(200);
    const hit = await get('123');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-length')).toBe(String(artifact.length));
    expect(Buffer.from(await hit.arrayBuffer()).equals(artifact)).toBe(true);
    const head = await fetch(`${base}/v1/cache/123`, { method: 'HEAD', headers: auth(READ) });
    expect(head.status).toBe(200);
  });

  it('never overwrites an entry: a second upload answers 409 and the first bytes stay', async () => {
    const first = await nxArtifact({ 'a.txt': 'first' });
    await put('42', first);
    const second = await put('42', await nxArtifact({ 'a.txt': 'second' }));
    expect(second.status).toBe(409);
    expect(Buffer.from(await (await get('42')).arrayBuffer()).equals(first)).toBe(true);
  });

  it('lets exactly one of two racing uploads of one hash win', async () => {
    const [a, b] = await Promise.all([put('77', await nxArtifact({ x: 'a' })), put('77', await nxArtifact({ x: 'b' }))]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await incomingLeft()).toEqual([]);
  });

  it('lets a read-only token read but not write (403, which Nx ignores)', async () => {
    const denied = await put('9', await nxArtifact(), READ);
    expect(denied.status).toBe(403);
    expect((await get('9')).status).toBe(404);
  });

  it('answers 401 in text/plain, as Nx requires, for a missing or wrong token', async () => {
    const none = await fetch(`${base}/v1/cache/1`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('text/plain');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).toMatch(/missing bearer token/);
    const wrong = await get('1', 'not-a-real-token-at-all');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/invalid bearer token/);
    expect((await put('1', await nxArtifact(), 'not-a-real-token-at-all')).status).toBe(401);
  });

  it('rejects a corrupted upload and never serves it', async () => {
    const artifact = await nxArtifact({ 'big.bin': randomBytes(20_000) });
    artifact[Math.floor(artifact.length / 2)] ^= 0xff;
    const response = await put('5', artifact);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/not a valid gzip tar archive/);
    expect((await get('5')).status).toBe(404);
    expect(await incomingLeft()).toEqual([]);
  });

  it('rejects a truncated upload (body shorter than Content-Length) and never serves it', async () => {
    const artifact = await nxArtifact({ 'big.bin': randomBytes(50_000) });
    const outcome = await truncatedPut('6', artifact.subarray(0, 20_000), artifact.length);
    expect(outcome === 'reset' || outcome === 400).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get('6')).status).toBe(404);
    expect(await incomingLeft()).toEqual([]);
  });

  it('rejects data that is not an Nx artifact', async () => {
    expect((await put('7', randomBytes(1000))).status).toBe(400);
    expect((await put('7', gzipSync('plain text, not tar'))).status).toBe(400);
    const noCode = await put('7', gzipSync(Buffer.alloc(1024)));
    expect(noCode.status).toBe(400);
    expect(await noCode.text()).toMatch(/no exit code entry/);
    expect((await get('7')).status).toBe(404);
  });

  it('rejects an artifact whose exit code entry is not 4 bytes', async () => {
    const response = await put('8', gzipSync(await tarOf([['code', '0']])));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/not 4 bytes/);
  });

  it('enforces the size limit from Content-Length and while streaming', async () => {
    const big = await nxArtifact({ 'big.bin': randomBytes(LIMIT + 10) });
    const declared = await put('10', big);
    expect(declared.status).toBe(413);
    const streamed = await fetch(`${base}/v1/cache/11`, {
      method: 'PUT',
      headers: auth(WRITE),
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await get('11')).status).toBe(404);
  });

  it('refuses bad hashes, unknown paths and methods', async () => {
    expect((await get('..%2F..%2Fetc')).status).toBe(400);
    expect((await get('a.b')).status).toBe(400);
    expect((await fetch(`${base}/v2/cache/1`, { headers: auth(READ) })).status).toBe(404);
    expect((await fetch(`${base}/v1/cache/1`, { method: 'DELETE', headers: auth(WRITE) })).status).toBe(405);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('serves its OpenAPI document without a token, naming every route it answers', async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const doc = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/metrics', '/v1/cache/{hash}']);
    expect(
      Object.keys(doc.paths['/v1/cache/{hash}'])
        .filter((k) => k !== 'parameters')
        .sort(),
    ).toEqual(['get', 'put']);
  });

  it('logs each request with the token name and never the token', async () => {
    await put('12', await nxArtifact());
    await get('12');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logs.map((r) => [r.method, r.path, r.status, r.principal])).toEqual([
      ['PUT', '/v1/cache/12', 200, 'ci-main'],
      ['GET', '/v1/cache/12', 200, 'ci-pr'],
    ]);
    expect(logs[1].bytes).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain(WRITE);
    expect(JSON.stringify(logs)).not.toContain(READ);
  });
});
