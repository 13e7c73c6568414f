import { ConfigError, loadConfig } from '../src/config';

const noFile = () => {
  throw new Error('ENOENT: no such file');
};

describe('loadConfig', () => {
  it('uses local defaults with tokens from the environment', () => {
    const config = loadConfig({ CACHE_WRITE_TOKEN: 'w'.repeat(20), CACHE_READ_TOKEN: 'r'.repeat(20) }, noFile);
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 3333,
      maxArtifactBytes: 1024 ** 3,
      shutdownGraceSeconds: 25,
      store: { kind: 'fs', dir: 'tmp/cache-server', maxBytes: 0 },
      tokens: [
        { name: 'env:write', scope: 'read-write', token: 'w'.repeat(20) },
        { name: 'env:read', scope: 'read', token: 'r'.repeat(20) },
      ],
    });
  });

  it('caps the filesystem store, never below one artifact, and not a GCS store (a lifecycle rule does that)', () => {
    const tokens = { CACHE_WRITE_TOKEN: 'w'.repeat(20) };
    expect(loadConfig({ ...tokens, CACHE_MAX_STORE_BYTES: '5000', CACHE_MAX_ARTIFACT_BYTES: '1000', CACHE_SHUTDOWN_GRACE_SECONDS: '3' }, noFile)).toMatchObject(
      {
        store: { kind: 'fs', maxBytes: 5000 },
        shutdownGraceSeconds: 3,
      },
    );
    expect(() => loadConfig({ ...tokens, CACHE_MAX_STORE_BYTES: '500', CACHE_MAX_ARTIFACT_BYTES: '1000' }, noFile)).toThrow(
      'CACHE_MAX_STORE_BYTES=500 is below CACHE_MAX_ARTIFACT_BYTES=1000: one artifact would not fit',
    );
    expect(() => loadConfig({ ...tokens, CACHE_MAX_STORE_BYTES: 'lots' }, noFile)).toThrow(ConfigError);
    expect(() => loadConfig({ ...tokens, CACHE_STORE: 'gcs', CACHE_GCS_BUCKET: 'b', CACHE_MAX_STORE_BYTES: '5000' }, noFile)).toThrow(/lifecycle rule/);
  });

  it('reads a tokens file and a GCS store', () => {
    const file = JSON.stringify([{ name: 'ci-main', scope: 'read-write', sha256: 'a'.repeat(64) }]);
    const config = loadConfig(
      { CACHE_TOKENS_FILE: '/etc/tokens.json', CACHE_STORE: 'gcs', CACHE_GCS_BUCKET: 'b', CACHE_PORT: '0', CACHE_HOST: '0.0.0.0' },
      (path) => (path === '/etc/tokens.json' ? file : noFile()),
    );
    expect(config.store).toEqual({ kind: 'gcs', bucket: 'b', prefix: 'nx-cache/' });
    expect(config.tokens).toEqual([{ name: 'ci-main', scope: 'read-write', sha256: 'a'.repeat(64) }]);
    expect(config.port).toBe(0);
    expect(config.host).toBe('0.0.0.0');
  });

  it.each([
    [{}, /no tokens configured/],
    [{ CACHE_TOKENS_FILE: '/missing.json' }, /\/missing.json: ENOENT/],
    [{ CACHE_WRITE_TOKEN: 'w'.repeat(20), CACHE_STORE: 's3' }, /not one of: fs, gcs/],
    [{ CACHE_WRITE_TOKEN: 'w'.repeat(20), CACHE_STORE: 'gcs' }, /needs CACHE_GCS_BUCKET/],
    [{ CACHE_WRITE_TOKEN: 'w'.repeat(20), CACHE_PORT: '70000' }, /CACHE_PORT=70000 is not an integer between 0 and 65535/],
    [{ CACHE_WRITE_TOKEN: 'w'.repeat(20), CACHE_MAX_ARTIFACT_BYTES: '1.5' }, /CACHE_MAX_ARTIFACT_BYTES/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env, noFile)).toThrow(ConfigError);
    expect(() => loadConfig(env, noFile)).toThrow(message);
  });

  it('explains a malformed tokens file', () => {
    expect(() => loadConfig({ CACHE_TOKENS_FILE: 't.json' }, () => '{not json')).toThrow(/t.json: .*JSON/);
    expect(() => loadConfig({ CACHE_TOKENS_FILE: 't.json' }, () => '[{"name":"x","scope":"admin"}]')).toThrow(/t.json:[\s\S]*scope/);
  });
});
