import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { Bucket } from '@google-cloud/storage';
import type { ArtifactStore, PendingUpload, StoredArtifact } from './store';

const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/**
 * Artifacts as objects in a Google Cloud Storage bucket. An upload goes to a
 * temporary object under `incoming/`, then is copied server-side to its
 * final name with the precondition `ifGenerationMatch: 0` ("only if no object
 * exists"), so an existing entry is never replaced, and readers never see a
 * partial or rejected upload.
 */
export class GcsStore implements ArtifactStore {
  readonly kind = 'gcs';

  constructor(
    private readonly bucket: Bucket,
    private readonly prefix = 'nx-cache/',
  ) {}

  private objectOf(hash: string) {
    return this.bucket.file(`${this.prefix}${hash}`);
  }

  async has(hash: string): Promise<boolean> {
    const [exists] = await this.objectOf(hash).exists();
    return exists;
  }

  async get(hash: string): Promise<StoredArtifact | null> {
    const file = this.objectOf(hash);
    let size: number;
    try {
      const [metadata] = await file.getMetadata();
      size = Number(metadata.size);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
    return { size, body: file.createReadStream() };
  }

  async begin(hash: string): Promise<PendingUpload> {
    const temp = this.bucket.file(`${this.prefix}incoming/${hash}.${randomBytes(6).toString('hex')}`);
    const sink = temp.createWriteStream({ resumable: false, contentType: 'application/gzip' });
    let settled = false;
    const discard = async () => {
      settled = true;
      sink.destroy();
      await temp.delete({ ignoreNotFound: true }).catch(() => undefined);
    };
    return {
      sink,
      commit: async () => {
        if (settled) throw new Error('upload already settled');
        await finished(sink);
        try {
          await temp.copy(this.objectOf(hash), { preconditionOpts: { ifGenerationMatch: 0 } });
          return 'created';
        } catch (error) {
          if (statusOf(error) === 412) return 'exists';
          throw error;
        } finally {
          await discard();
        }
      },
      abort: discard,
    };
  }
}
