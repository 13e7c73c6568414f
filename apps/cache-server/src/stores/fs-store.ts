import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ArtifactStore, PendingUpload, StoredArtifact } from './store';

const isCode = (error: unknown, code: string): boolean => typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;

export interface Retention {
  /** Total bytes the store may hold; beyond it the least recently read entries go first. 0: no cap. */
  maxBytes: number;
  onEvict?: (bytes: number) => void;
  onSize?: (bytes: number) => void;
}

/**
 * Artifacts as files under `root`, sharded by the first two characters of the
 * hash. An upload is written to `root/.incoming`, flushed to disk, then
 * published with link(2), which fails rather than replace an existing entry:
 * readers see a whole artifact or none, and the first writer wins.
 *
 * Retention: with `maxBytes`, each stored entry that takes the store past the cap evicts the
 * least recently read entries (a file's mtime is its last read, so the order survives a restart;
 * one server per directory). A reader that already opened an evicted file still gets it whole.
 */
export class FsStore implements ArtifactStore {
  readonly kind = 'filesystem';
  private readonly incoming: string;
  /** Entries in order of last read (first: least recent), with their sizes. */
  private readonly entries = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly root: string,
    private readonly retention: Retention = { maxBytes: 0 },
  ) {
    this.incoming = join(root, '.incoming');
  }

  async init(): Promise<this> {
    await mkdir(this.incoming, { recursive: true });
    const found: Array<{ hash: string; size: number; at: number }> = [];
    for (const shard of await readdir(this.root)) {
      if (shard.startsWith('.')) continue;
      for (const hash of await readdir(join(this.root, shard))) {
        const info = await stat(join(this.root, shard, hash));
        found.push({ hash, size: info.size, at: info.mtimeMs });
      }
    }
    for (const { hash, size } of found.sort((a, b) => a.at - b.at)) this.entries.set(hash, size);
    this.total = found.reduce((sum, e) => sum + e.size, 0);
    await this.evict();
    return this;
  }

  /** Bytes held, as the retention policy counts them. */
  get sizeBytes(): number {
    return this.total;
  }

  private async evict(): Promise<void> {
    const { maxBytes, onEvict } = this.retention;
    while (maxBytes > 0 && this.total > maxBytes && this.entries.size > 1) {
      const [hash, size] = this.entries.entries().next().value as [string, number];
      this.entries.delete(hash);
      this.total -= size;
      await rm(this.pathOf(hash), { force: true });
      onEvict?.(size);
    }
    this.retention.onSize?.(this.total);
  }

  private touch(hash: string, size: number): void {
    this.entries.delete(hash);
    this.entries.set(hash, size);
    const now = new Date();
    utimes(this.pathOf(hash), now, now).catch(() => undefined); // gone meanwhile: nothing to keep
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
    this.touch(hash, size);
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
          const { size } = await stat(final);
          this.entries.set(hash, size);
          this.total += size;
          await this.evict();
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
