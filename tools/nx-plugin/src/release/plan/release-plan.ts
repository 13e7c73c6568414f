import type { BackupRecord } from '../config/database-recovery';
import { join } from 'node:path';
import { ImageRecordProblem, readPushedImageRecord } from '../../executors/docker-build/lib/image-record';
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

/** Reads dist/<project>/image.json; deploys go by digest, so a record without one is refused. */
export function wantedRelease(workspaceRoot: string, service: ServiceConfig): WantedRelease {
  const where = `dist/${service.project}/image.json`;
  let record: ReturnType<typeof readPushedImageRecord>;
  try {
    record = readPushedImageRecord(join(workspaceRoot, where));
  } catch (error) {
    if (!(error instanceof ImageRecordProblem)) throw error;
    throw new Error(
      {
        missing: `${service.name}: no image record at ${where}: run \`npx nx run ${service.project}:docker-build -c push\``,
        invalid: `${service.name}: ${where} is not valid JSON (${error.message}); rebuild the image`,
        unpushed: `${service.name}: ${where} has no image digest: push the image (docker-build -c push) so deploys can use it by digest`,
      }[error.kind],
    );
  }
  const commitTime = record.created && !Number.isNaN(Date.parse(record.created)) ? record.created : undefined;
  return { service, image: record.reference, gitSha: record.revision, ...(commitTime ? { commitTime } : {}) };
}
