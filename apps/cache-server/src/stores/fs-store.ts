import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ArtifactStore, PendingUpload, StoredArtifact } from './store';

const isCode = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;

/**
 * Artifacts as files under `root`, sharded by the first two characters of the
 * hash. An upload is written to `root/.incoming`, flushed to disk, then
 * published with link(2), which fails rather than replace an existing entry:
 * readers see a whole artifact or none, and the first writer wins.
 */
export class FsStore implements ArtifactStore {
  readonly kind = 'filesystem';
  private readonly incoming: string;

  constructor(private readonly root: string) {
    this.incoming = join(root, '.incoming');
  }

  async init(): Promise<this> {
    await mkdir(this.incoming, { recursive: true });
    return this;
  }

  private pathOf(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    try {
      await stat(this.pathOf(hash));
      return true;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
  }

  async get(hash: string): Promise<StoredArtifact | null> {
    let handle;
    try {
      handle = await open(this.pathOf(hash), 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    }
    const { size } = await handle.stat();
    // The stream owns the handle from here and closes it when done.
    return { size, body: handle.createReadStream() };
  }

  async begin(hash: string): Promise<PendingUpload> {
    const temp = join(this.incoming, `${hash}.${randomBytes(6).toString('hex')}`);
    const final = this.pathOf(hash);
    const sink = createWriteStream(temp, { flags: 'wx' });
    let settled = false;
    const discard = async () => {
      settled = true;
      sink.destroy();
      await rm(temp, { force: true });
    };
    return {
      sink,
      commit: async () => {
        if (settled) throw new Error('upload already settled');
        await finished(sink);
        const handle = await open(temp, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true });
        try {
          await link(temp, final);
          return 'created';
        } catch (error) {
          if (isCode(error, 'EEXIST')) return 'exists';
          throw error;
        } finally {
          await discard();
        }
      },
      abort: discard,
    };
  }
}
