import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ArtifactInspector } from './artifact-inspector';
import type { AccessLogger } from './access-log';
import { isValidHash } from './hash';
import { HttpError } from './http-error';
import openapiDocument from './openapi.json';
import { CacheMetrics, rejectReason } from './metrics';
import type { ArtifactStore } from './stores/store';
import { canWrite, type Principal, type TokenRegistry } from './tokens';

export interface CacheServerOptions {
  store: ArtifactStore;
  tokens: TokenRegistry;
  maxArtifactBytes: number;
  log: AccessLogger;
  /** Counted for GET /metrics (default: a registry of its own). */
  metrics?: CacheMetrics;
}

export interface CacheServer extends Server {
  /**
   * Stops taking connections and lets requests in flight finish for up to `graceMs`; then closes
   * what is left: an upload cut off is discarded whole (never half-stored). Resolves once every
   * request has settled, with how many finished in the grace period and how many were cut off.
   */
  shutdown(graceMs: number): Promise<{ finished: number; cutOff: number }>;
}

const CACHE_PATH = /^\/v1\/cache\/([^/?#]*)$/;
const OPENAPI = JSON.stringify(openapiDocument);

interface Outcome {
  bytes: number;
  principal: Principal | null;
  detail?: string;
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  res.end(`${text}\n`);
}

/**
 * Nx's self-hosted remote cache API (GET and PUT /v1/cache/{hash}), with the
 * status codes Nx's client acts on: 200 stored or found, 404 miss, 409 entry
 * exists (never overwritten), 403 token may not write, 401 no valid token.
 */
export function createCacheServer(options: CacheServerOptions): CacheServer {
  const { store, tokens, maxArtifactBytes, log } = options;
  const metrics = options.metrics ?? new CacheMetrics();
  const inflight = new Set<Promise<void>>();

  const authenticate = (req: IncomingMessage): Principal => {
    const result = tokens.authenticate(req.headers.authorization);
    if (result.ok) return result.principal;
    throw new HttpError(401, result.reason === 'missing' ? 'missing bearer token' : 'invalid bearer token');
  };

  async function handleGet(req: IncomingMessage, res: ServerResponse, hash: string, outcome: Outcome): Promise<void> {
    outcome.principal = authenticate(req);
    const artifact = await store.get(hash);
    if (!artifact) {
      metrics.miss();
      throw new HttpError(404, 'not found');
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(artifact.size) });
    if (req.method === 'HEAD') {
      artifact.body.destroy();
      res.end();
      metrics.hit(0);
      return;
    }
    outcome.bytes = artifact.size;
    await pipeline(artifact.body, res);
    metrics.hit(artifact.size);
  }

  async function handlePut(req: IncomingMessage, res: ServerResponse, hash: string, outcome: Outcome): Promise<void> {
    const principal = authenticate(req);
    outcome.principal = principal;
    if (!canWrite(principal)) throw new HttpError(403, 'this token may only read');
    const declared = req.headers['content-length'];
    let expectedBytes: number | undefined;
    if (declared !== undefined) {
      expectedBytes = Number(declared);
      if (!Number.isSafeInteger(expectedBytes) || expectedBytes < 0) throw new HttpError(400, 'malformed Content-Length');
      if (expectedBytes > maxArtifactBytes) throw new HttpError(413, `artifact larger than the ${maxArtifactBytes}-byte limit`);
    }
    if (await store.has(hash)) throw new HttpError(409, 'entry exists and is never overwritten');

    const inspector = new ArtifactInspector({ maxBytes: maxArtifactBytes, expectedBytes });
    const upload = await store.begin(hash);
    try {
      await pipeline(req, inspector, upload.sink);
    } catch (error) {
      await upload.abort();
      if (error instanceof HttpError) throw error;
      // The client went away or the body ended early: nothing is stored.
      throw new HttpError(400, `upload incomplete after ${inspector.bytes} bytes`);
    }
    const result = await upload.commit();
    outcome.bytes = inspector.bytes;
    if (result === 'exists') throw new HttpError(409, 'entry exists and is never overwritten');
    metrics.stored(inspector.bytes);
    sendText(res, 200, 'stored');
  }

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    const outcome: Outcome = { bytes: 0, principal: null };

    const finish = () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (path !== '/metrics') metrics.request(req.method ?? '?', res.statusCode, ms / 1000);
      const reason = req.method === 'PUT' ? rejectReason(res.statusCode, outcome.detail ?? '') : null;
      if (reason) metrics.reject(reason);
      log({
        method: req.method ?? '?',
        path,
        status: res.statusCode,
        bytes: outcome.bytes,
        ms: Math.floor(ms),
        principal: outcome.principal?.name ?? null,
        remote: req.socket.remoteAddress,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
      });
    };
    res.once('close', finish);

    const route = async (): Promise<void> => {
      if (path === '/healthz') {
        sendText(res, 200, 'ok');
        return;
      }
      if (path === '/openapi.json' && req.method === 'GET') {
        // This API's description (hand-written: src/openapi.json), for clients and the DAST scan.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(OPENAPI);
        return;
      }
      if (path === '/metrics' && req.method === 'GET') {
        // Counts only, no entries or tokens: unauthenticated, like /healthz, for Prometheus.
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(body);
        return;
      }
      const match = CACHE_PATH.exec(path);
      if (!match) throw new HttpError(404, 'no such endpoint');
      const hash = match[1];
      if (!isValidHash(hash)) throw new HttpError(400, 'invalid hash');
      if (req.method === 'GET' || req.method === 'HEAD') return handleGet(req, res, hash, outcome);
      if (req.method === 'PUT') return handlePut(req, res, hash, outcome);
      throw new HttpError(405, 'method not allowed');
    };

    const handled = route().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'internal error';
      outcome.detail = error instanceof Error ? error.message : String(error);
      const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
      if (req.method === 'PUT' && !req.readableEnded) {
        // Do not read a rejected body; close the connection once answered.
        headers.Connection = 'close';
        req.resume();
      }
      sendText(res, status, message, headers);
    });
    inflight.add(handled);
    void handled.finally(() => inflight.delete(handled));
  }) as CacheServer;

  server.shutdown = async (graceMs) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const pending = [...inflight];
    let cutOff = 0;
    const graceOver = new Promise<'grace-over'>((resolve) => setTimeout(() => resolve('grace-over'), graceMs).unref());
    if ((await Promise.race([Promise.all(pending), graceOver])) === 'grace-over') {
      cutOff = inflight.size;
      server.closeAllConnections(); // an upload cut off fails its pipeline and is discarded
    }
    await Promise.all([...inflight]);
    await closed;
    return { finished: pending.length - cutOff, cutOff };
  };
  return server;
}
