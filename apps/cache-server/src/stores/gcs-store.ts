import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Bucket } from '@google-cloud/storage';
import type { ArtifactStore, PendingUpload, StoredArtifact } from './store';

const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/**
 * Artifacts as objects in a Google Cloud Storage bucket. Each upload is one
 * single-request (non-resumable) upload straight to the final object name with
 * the precondition `ifGenerationMatch: 0` ("only if no object exists"):
 * - GCS creates the object only when the whole request succeeds, and the
 *   request body ends only after the server has verified the artifact, so a
 *   rejected or cut-off upload is aborted and leaves nothing behind;
 * - an existing entry is never replaced: GCS answers 412, reported as `exists`.
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
    const upload = this.objectOf(hash).createWriteStream({
      resumable: false,
      contentType: 'application/gzip',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    let outcome: 'created' | 'exists' | undefined;
    let finalizing = false;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (upload.write(chunk)) callback();
        else upload.once('drain', () => callback());
      },
      final(callback) {
        finalizing = true;
        upload.end();
        finished(upload).then(
          () => {
            outcome = 'created';
            callback();
          },
          (error: unknown) => {
            if (statusOf(error) !== 412) return callback(error as Error);
            outcome = 'exists';
            callback();
          },
        );
      },
      destroy(error, callback) {
        // Aborting the request means GCS never creates the object.
        if (outcome === undefined) upload.destroy(error ?? new Error('upload aborted'));
        callback(error);
      },
    });
    upload.on('error', (error) => {
      if (!finalizing) sink.destroy(error);
    });
    return {
      sink,
      commit: async () => {
        await finished(sink);
        if (outcome === undefined) throw new Error('upload did not complete');
        return outcome;
      },
      abort: async () => {
        sink.destroy();
      },
    };
  }
}
