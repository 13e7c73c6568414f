import { z } from 'zod';
import type { TokenSpec } from './tokens';

export interface ServerConfig {
  host: string;
  port: number;
  maxArtifactBytes: number;
  /** Seconds requests in flight get to finish on SIGTERM before the rest are cut off. */
  shutdownGraceSeconds: number;
  /** fs: total bytes kept (least recently read evicted first; 0: no cap). GCS: a bucket lifecycle rule. */
  store: { kind: 'fs'; dir: string; maxBytes: number } | { kind: 'gcs'; bucket: string; prefix: string };
  tokens: TokenSpec[];
}

const tokenFileSchema = z.array(
  z.object({
    name: z.string().min(1),
    scope: z.enum(['read', 'read-write']),
    token: z.string().optional(),
    sha256: z.string().optional(),
  }),
);

export class ConfigError extends Error {}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not an integer between ${min} and ${max}`);
  }
  return value;
};

/**
 * Server settings from the environment. `readFile` reads CACHE_TOKENS_FILE;
 * it is injected so this stays pure and testable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, readFile: (path: string) => string): ServerConfig {
  const tokens: TokenSpec[] = [];
  if (env.CACHE_TOKENS_FILE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(env.CACHE_TOKENS_FILE));
    } catch (error) {
      throw new ConfigError(`CACHE_TOKENS_FILE ${env.CACHE_TOKENS_FILE}: ${(error as Error).message}`);
    }
    const result = tokenFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new ConfigError(`CACHE_TOKENS_FILE ${env.CACHE_TOKENS_FILE}: ${z.prettifyError(result.error)}`);
    }
    tokens.push(...result.data);
  }
  if (env.CACHE_WRITE_TOKEN) tokens.push({ name: 'env:write', scope: 'read-write', token: env.CACHE_WRITE_TOKEN });
  if (env.CACHE_READ_TOKEN) tokens.push({ name: 'env:read', scope: 'read', token: env.CACHE_READ_TOKEN });
  if (tokens.length === 0) {
    throw new ConfigError('no tokens configured: set CACHE_WRITE_TOKEN and/or CACHE_READ_TOKEN, or CACHE_TOKENS_FILE');
  }

  const kind = env.CACHE_STORE ?? 'fs';
  let store: ServerConfig['store'];
  const maxArtifactBytes = int(env, 'CACHE_MAX_ARTIFACT_BYTES', 1024 ** 3, 1, Number.MAX_SAFE_INTEGER);
  if (kind === 'fs') {
    const maxBytes = int(env, 'CACHE_MAX_STORE_BYTES', 0, 0, Number.MAX_SAFE_INTEGER);
    if (maxBytes > 0 && maxBytes < maxArtifactBytes) {
      throw new ConfigError(
        `CACHE_MAX_STORE_BYTES=${maxBytes} is below CACHE_MAX_ARTIFACT_BYTES=${maxArtifactBytes}: one artifact would not fit; raise it, or lower the artifact limit`,
      );
    }
    store = { kind: 'fs', dir: env.CACHE_DIR || 'tmp/cache-server', maxBytes };
  } else if (kind === 'gcs') {
    if (env.CACHE_MAX_STORE_BYTES)
      throw new ConfigError('CACHE_MAX_STORE_BYTES applies to the filesystem store; for GCS set a lifecycle rule on the bucket (docs/remote-cache.md)');
    if (!env.CACHE_GCS_BUCKET) throw new ConfigError('CACHE_STORE=gcs needs CACHE_GCS_BUCKET');
    store = { kind: 'gcs', bucket: env.CACHE_GCS_BUCKET, prefix: env.CACHE_GCS_PREFIX ?? 'nx-cache/' };
  } else {
    throw new ConfigError(`CACHE_STORE=${kind} is not one of: fs, gcs`);
  }

  return {
    host: env.CACHE_HOST || '127.0.0.1',
    port: int(env, 'CACHE_PORT', 3333, 0, 65535),
    maxArtifactBytes,
    shutdownGraceSeconds: int(env, 'CACHE_SHUTDOWN_GRACE_SECONDS', 25, 0, 3600),
    store,
    tokens,
  };
}
