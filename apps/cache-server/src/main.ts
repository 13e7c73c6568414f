import { readFileSync } from 'node:fs';
import { Storage } from '@google-cloud/storage';
import { jsonLineLogger } from './access-log';
import { ConfigError, loadConfig, type ServerConfig } from './config';
import { CacheMetrics } from './metrics';
import { createCacheServer } from './server';
import { FsStore } from './stores/fs-store';
import { GcsStore } from './stores/gcs-store';
import type { ArtifactStore } from './stores/store';
import { TokenRegistry } from './tokens';

async function openStore(config: ServerConfig['store'], metrics: CacheMetrics): Promise<ArtifactStore> {
  if (config.kind === 'fs') {
    return new FsStore(config.dir, {
      maxBytes: config.maxBytes,
      onEvict: (bytes) => metrics.evicted(bytes),
      onSize: (bytes) => metrics.storeSize(bytes),
    }).init();
  }
  // Credentials come from the environment (Workload Identity on GKE);
  // STORAGE_EMULATOR_HOST points the client at an emulator.
  const bucket = new Storage().bucket(config.bucket);
  const [exists] = await bucket.exists();
  if (!exists) throw new ConfigError(`GCS bucket ${config.bucket} does not exist or is not visible to these credentials`);
  return new GcsStore(bucket, config.prefix);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
  const metrics = new CacheMetrics();
  const store = await openStore(config.store, metrics);
  const tokens = new TokenRegistry(config.tokens);
  const server = createCacheServer({ store, tokens, maxArtifactBytes: config.maxArtifactBytes, log: jsonLineLogger(), metrics });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const hint = error.code === 'EADDRINUSE' ? ` (port ${config.port} is in use: set CACHE_PORT)` : '';
    console.error(`cache-server: ${error.message}${hint}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.error(
      `cache-server: listening on http://${config.host}:${port} (${store.kind} store${config.store.kind === 'fs' && config.store.maxBytes ? ` capped at ${config.store.maxBytes} bytes` : ''}, ${tokens.size} token(s), limit ${config.maxArtifactBytes} bytes)`,
    );
  });
  // SIGTERM (Kubernetes, a stopped job): no new connections; requests in flight finish within the
  // grace period, and an upload still running after it is discarded whole.
  const stop = (signal: string) => {
    console.error(`cache-server: ${signal}: finishing requests in flight (up to ${config.shutdownGraceSeconds} s)`);
    void server.shutdown(config.shutdownGraceSeconds * 1000).then(({ finished, cutOff }) => {
      console.error(`cache-server: stopped (${finished} request(s) finished, ${cutOff} cut off and discarded)`);
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`cache-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
