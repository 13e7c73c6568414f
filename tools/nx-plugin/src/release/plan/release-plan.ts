import type { BackupRecord } from '../config/database-recovery';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/config';

/** One service's wanted release, from the image record docker-build left. */
export interface WantedRelease {
  service: ServiceConfig;
  image: string;
  gitSha: string;
  /** The commit's time, from the record's `created` (lead time for changes); none for a config-only release. */
  commitTime?: string;
  /** The schema version its migrations brought the database to (set by the deploy once they ran). */
  schemaVersion?: string;
  /** The ConfigMap of the migration files applied for it (the history records it). */
  migrations?: string;
  /** The contract migrations its files carry, held back by its deploy (the history records them). */
  contracts?: string[];
  /** The base backup its deploy took before its migrations ran (the history records it). */
  backup?: BackupRecord;
}

export interface ImageRecordLike {
  reference: string | null;
  revision: string;
  created?: string;
}

/** Reads dist/<project>/image.json; deploys go by digest, so a record without one is refused. */
export function wantedRelease(workspaceRoot: string, service: ServiceConfig): WantedRelease {
  const file = join(workspaceRoot, 'dist', service.project, 'image.json');
  if (!existsSync(file)) {
    throw new Error(`${service.name}: no image record at dist/${service.project}/image.json: run \`npx nx run ${service.project}:docker-build -c push\``);
  }
  let record: ImageRecordLike;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as ImageRecordLike;
  } catch (error) {
    throw new Error(`${service.name}: dist/${service.project}/image.json is not valid JSON (${(error as Error).message}); rebuild the image`);
  }
  if (!record.reference || !/@sha256:[0-9a-f]{64}$/.test(record.reference)) {
    throw new Error(
      `${service.name}: dist/${service.project}/image.json has no image digest: push the image (docker-build -c push) so deploys can use it by digest`,
    );
  }
  const commitTime = record.created && !Number.isNaN(Date.parse(record.created)) ? record.created : undefined;
  return { service, image: record.reference, gitSha: record.revision, ...(commitTime ? { commitTime } : {}) };
}
