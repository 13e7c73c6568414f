import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BY_DIGEST } from './image-reference';

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
  /** The digests of the SBOM and build provenance attached to `digest` (docker-build --attest). */
  attestations?: { sbom: string; provenance: string };
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

/** Why dist/<project>/image.json cannot name a pushed image: missing, not JSON, or no digest. */
export class ImageRecordProblem extends Error {
  constructor(
    readonly kind: 'missing' | 'invalid' | 'unpushed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The record a pushed build left at `file` (dist/<project>/image.json), for the deploys and the
 * in-cluster Jobs that run its image: its `reference` is by digest, or this throws an
 * ImageRecordProblem the caller words for its reader.
 */
export function readPushedImageRecord(file: string): Pick<ImageRecord, 'revision'> & { reference: string; created?: string } {
  if (!existsSync(file)) throw new ImageRecordProblem('missing', `${file} is missing`);
  let record: Partial<ImageRecord>;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Partial<ImageRecord>;
  } catch (error) {
    throw new ImageRecordProblem('invalid', (error as Error).message);
  }
  const { reference } = record;
  if (typeof reference !== 'string' || !BY_DIGEST.test(reference)) throw new ImageRecordProblem('unpushed', `${file} names no pushed image digest`);
  return { reference, revision: String(record.revision ?? ''), ...(typeof record.created === 'string' ? { created: record.created } : {}) };
}
