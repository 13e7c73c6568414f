import { Storage, type Bucket } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { GcsStore } from '../src/stores/gcs-store';
import { startEmulator } from './gcs-emulator';

// The GCS store against a GCS JSON API emulator (fake-gcs-server) on loopback.
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let bucket: Bucket;
let store: GcsStore;

beforeAll(async () => {
  emulator = await startEmulator();
  const storage = new Storage({ apiEndpoint: emulator.endpoint, projectId: 'test' });
  [bucket] = await storage.createBucket('nx-cache');
  store = new GcsStore(bucket);
});
afterAll(() => emulator?.stop());

async function upload(hash: string, body: Buffer) {
  const pending = await store.begin(hash);
  await pipeline(Readable.from([body]), pending.sink);
  return pending.commit();
}

describe('GcsStore', () => {
  it('stores an object under its prefix and reads it back with its size', async () => {
    const body = randomBytes(300_000);
    expect(await store.has('1')).toBe(false);
    expect(await store.get('1')).toBeNull();
    expect(await upload('1', body)).toBe('created');
    expect(await store.has('1')).toBe(true);
    const artifact = await store.get('1');
    expect(artifact?.size).toBe(body.length);
    expect((await buffer(artifact!.body)).equals(body)).toBe(true);
    const [files] = await bucket.getFiles({ prefix: 'nx-cache/' });
    expect(files.map((f) => f.name)).toEqual(['nx-cache/1']);
  });

  it('never replaces an existing object (precondition ifGenerationMatch=0)', async () => {
    await upload('2', Buffer.from('first'));
    expect(await upload('2', Buffer.from('second'))).toBe('exists');
    expect((await buffer((await store.get('2'))!.body)).toString()).toBe('first');
  });

  it('leaves nothing behind when an upload is aborted mid-stream', async () => {
    const pending = await store.begin('3');
    pending.sink.write(randomBytes(64 * 1024));
    await pending.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.has('3')).toBe(false);
    await expect(pending.commit()).rejects.toThrow();
  });
});
