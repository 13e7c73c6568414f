import type { Readable, Writable } from 'node:stream';

export interface StoredArtifact {
  size: number;
  body: Readable;
}

/**
 * An upload in progress. Bytes go to `sink`; nothing is visible to readers
 * until `commit` succeeds, and `commit` never replaces an existing entry.
 */
export interface PendingUpload {
  sink: Writable;
  /** Publishes the upload; `exists` when the hash was already stored (the upload is discarded). */
  commit(): Promise<'created' | 'exists'>;
  /** Discards the upload. Safe to call more than once and after a failed commit. */
  abort(): Promise<void>;
}

export interface ArtifactStore {
  readonly kind: string;
  has(hash: string): Promise<boolean>;
  /** The stored artifact, or null when there is none. */
  get(hash: string): Promise<StoredArtifact | null>;
  begin(hash: string): Promise<PendingUpload>;
}
