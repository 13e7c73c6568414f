import type { Kube } from '../../act/kube';
import { type BackupRecord, backupName, recordOf } from '../../config/database-recovery';
import type { StatefulSetDatabase } from '../../config/database';
import { recordRollbackBackup } from '@trading/release-model';

/** A rollback's base backup once it settled: taken, or the error that stopped it. */
export type RollbackBackup = { taken: BackupRecord } | { error: Error };

/**
 * Every rollback of a service that keeps its state in the environment's StatefulSet database
 * takes a base backup (with its mark): started as the rollback begins, never awaited by the switch
 * (traffic goes back in seconds while it runs). Its promise never rejects.
 */
export function startRollbackBackup(
  kube: Pick<Kube, 'takeBackup'>,
  environment: string,
  db: StatefulSetDatabase,
  service: string,
  log: (m: string) => void,
  now = new Date(),
): Promise<RollbackBackup> {
  return kube.takeBackup(environment, db, backupName(now, `before-rollback-${service}`), log).then(
    (taken) => ({ taken: recordOf(taken) }),
    (error: Error) => ({ error }),
  );
}

/**
 * After traffic is back: a taken backup is recorded on the restored release's entry as
 * rollbackBackup; a failed one is said, and the rollback still succeeds (traffic is back).
 */
export async function settleRollbackBackup(
  kube: Pick<Kube, 'updateHistory'>,
  service: string,
  release: string,
  backup: Promise<RollbackBackup>,
  log: (m: string) => void,
): Promise<BackupRecord | undefined> {
  const settled = await backup;
  if ('error' in settled) {
    log(`database: the rollback's base backup failed (traffic is back all the same; take one with deploy:backup-database): ${settled.error.message}`);
    return undefined;
  }
  await kube.updateHistory(service, (h) => recordRollbackBackup(h, release, settled.taken));
  return settled.taken;
}
