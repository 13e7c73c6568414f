import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a build leaves for deploys: they use `digest`, never a mutable tag. */
export interface ImageRecord {
  project: string;
  repository: string;
  tags: string[];
  /** Registry manifest digest (sha256:…) once pushed; null for a local-only build. */
  digest: string | null;
  /** repository@digest, the reference deploys use; null until pushed. */
  reference: string | null;
  /** The local image ID (config digest). */
  imageId: string;
  revision: string;
  version: string;
  created: string;
  sizeBytes: number;
}

/** Written to a temporary file and renamed, so readers see a whole record or none. */
export function writeImageRecord(path: string, record: ImageRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, path);
}

export function removeImageRecord(path: string): void {
  rmSync(path, { force: true });
}
