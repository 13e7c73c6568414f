import type { DatabaseConfig } from '../../config/database';
import { type DownPlan, downPlan } from '../../config/down-migrations';
import { type BackupRecord, backupName, recordOf } from '../../config/database-recovery';
import type { Kube, Lease } from '../../act/kube';
import { live, type Release, recordSchema } from '@trading/release-model';
import { leasesOf } from '../database-services';

// `deploy:rollback --database` (issue 30): the schema taken back with the application. Decided
// before anything moves (a schema that cannot be taken back refuses the whole rollback of the
// service, so the operator chooses: without --database, or a restore); run after the switch,
// since the restored release ran beside the newer schema (expand only) and the live one needs it
// until its traffic is gone. Two ways back: the live release's down sections (a Job, seconds, no
// data lost), or, when one of its expand migrations has none, a point-in-time recovery to the mark
// its deploy wrote before migrating (everything written after the mark is left out of the
// recovered database: the known loss, kept aside on the database's volume).

/** The database a rollback with --database takes back, and the services keeping their state in it. */
export interface DatabaseRollback {
  config: DatabaseConfig;
  services: string[];
  /** How long a recovery waits for the server and the services' new pods (the environment's rollout timeout). */
  timeoutSeconds: number;
}

export type SchemaRollback =
  | {
      kind: 'down';
      plan: DownPlan;
      /** The ConfigMap holding the live release's migration files (its deploy's). */
      configMap: string;
    }
  | {
      kind: 'recover';
      from: string;
      to: string;
      /** The live release's deploy's backup, and the mark (restore point) written after it. */
      backup: string;
      mark: { lsn: string; at: string };
      why: string;
    };

export interface SchemaRollbackResult {
  from: string;
  to: string;
  seconds: number;
  /** With a point-in-time recovery: the mark, and where the data from before it went. */
  recovered?: { backup: string; mark: string; at: string; aside: string };
}

/** What the database rollback will do, or null when the schemas are the same; refused with the reason. */
export async function planSchemaRollback(
  kube: Kube,
  service: string,
  current: Release,
  target: Release,
  database: DatabaseRollback,
  log: (m: string) => void,
): Promise<SchemaRollback | null> {
  const refuse = (why: string) =>
    new Error(`${service}: the schema cannot be rolled back: ${why}. Nothing was changed (without --database, only the application rolls back)`);
  if (current.schemaVersion && !current.migrations && (!target.schemaVersion || current.schemaVersion > target.schemaVersion))
    throw refuse(
      `the live release's entry records schema ${current.schemaVersion} but not the migration files that made it (deployed before they were recorded)`,
    );
  const set = current.migrations ? await kube.readMigrationSet(current.migrations) : { table: '', files: [] };
  const decision = downPlan(set.files, set.table, current.schemaVersion, target.schemaVersion);
  if ('refused' in decision) throw refuse(decision.refused);
  if ('nothing' in decision) {
    log(`schema: nothing to undo (${decision.nothing})`);
    return null;
  }
  if ('irreversible' in decision) {
    const recover = await recoveryPlan(kube, service, current, target, database, decision.irreversible);
    if (typeof recover === 'string') throw refuse(recover);
    log(
      `schema: ${recover.from} -> ${recover.to} after the switch by a point-in-time recovery to the mark of backup ${recover.backup} (${recover.mark.lsn}, ${recover.mark.at}), since ${recover.why}; ` +
        `what ${database.services.join(', ')} wrote after ${recover.mark.at} is the known loss: not in the recovered database, kept aside on its volume`,
    );
    return recover;
  }
  log(`schema: ${decision.plan.from} -> ${decision.plan.to} after the switch, undoing ${decision.plan.files.map((f) => f.name).join(', ')}`);
  return { kind: 'down', plan: decision.plan, configMap: current.migrations! };
}

/**
 * From the other services' histories: a recovery to the live release's mark, or why there is none. The
 * whole database goes back, so no other service's live release may have migrated it after the mark
 * (its schema would go back under it).
 */
async function recoveryPlan(
  kube: Kube,
  service: string,
  current: Release,
  target: Release,
  database: DatabaseRollback,
  why: string,
): Promise<Extract<SchemaRollback, { kind: 'recover' }> | string> {
  if (database.config.kind !== 'statefulset')
    return `${why}; the database is external, so its provider's point-in-time recovery takes it back (docs/rollback.md, section 4)`;
  const mark = current.backup?.mark;
  if (!current.backup || !mark)
    return `${why}, and the live release's deploy recorded no mark to recover to (no backup with a restore point before its migrations): nx run deploy:restore-database --to=<a time before its deploy>`;
  for (const other of database.services.filter((s) => s !== service)) {
    const theirs = live(await kube.readHistory(other))?.backup;
    if (theirs && theirs.name > current.backup.name)
      return `${why}, and ${other}'s live release migrated the database after the mark (its backup ${theirs.name}): a recovery to the mark would take ${other}'s schema back under it; roll ${other} back first`;
  }
  return { kind: 'recover', from: current.schemaVersion!, to: target.schemaVersion!, backup: current.backup.name, mark, why };
}

/** A recovery takes every database service's state back: their leases, held until it is done, else nothing moves. */
export async function fenceDatabaseServices(
  kube: Kube,
  service: string,
  schema: SchemaRollback | null,
  database: DatabaseRollback,
  log: (m: string) => void,
): Promise<Lease[]> {
  if (schema?.kind !== 'recover') return [];
  return leasesOf(
    kube,
    database.services.filter((s) => s !== service),
    log,
    (held) =>
      `${service}: the schema cannot be rolled back now: a point-in-time recovery takes every service's state back, and ${held}; nothing was changed (roll back one service at a time, once its deploy is done)`,
  );
}

/** Runs the planned schema rollback and records the schema on the restored release's live entry. */
export async function runSchemaRollback(
  kube: Kube,
  service: string,
  environment: string,
  database: DatabaseRollback,
  rollback: SchemaRollback,
  restored: { release: string; migrations?: string },
  log: (m: string) => void,
  /** The base backup the rollback took (before its switch): the down sections need no other. */
  taken?: BackupRecord,
): Promise<SchemaRollbackResult> {
  const db = database.config;
  if (rollback.kind === 'recover' && db.kind === 'statefulset') {
    // No base backup first: the recovery moves the whole data directory aside, and a new backup
    // could push the mark's own one out of the retention.
    const { mark, backup } = rollback;
    const result = await kube.restoreDatabase(environment, db, { backup, mark }, new Date(), database.services, database.timeoutSeconds, log);
    log(
      `schema: ${rollback.from} -> ${rollback.to} by a point-in-time recovery to the mark of backup ${backup} in ${result.seconds.toFixed(1)} s; what was written after ${mark.at} is kept in ${result.aside}`,
    );
    await kube.updateHistory(service, (h) => recordSchema(h, restored.release, rollback.to, restored.migrations));
    return { from: rollback.from, to: rollback.to, seconds: result.seconds, recovered: { backup, mark: mark.lsn, at: mark.at, aside: result.aside } };
  }
  if (rollback.kind !== 'down') throw new Error(`${service}: a point-in-time recovery needs the StatefulSet database`);
  const { plan } = rollback;
  // A base backup before the down sections run (a restore's starting point if they lose data): the
  // rollback's own, or one taken now when it could not take it.
  const backup: BackupRecord | undefined =
    taken ??
    (db.kind === 'statefulset' ? recordOf(await kube.takeBackup(environment, db, backupName(new Date(), `before-rollback-${service}`), log)) : undefined);
  const ran = await kube.runDownMigrations(service, environment, db, plan, rollback.configMap, log);
  await kube.updateHistory(service, (h) => recordSchema(h, restored.release, plan.to, restored.migrations, backup));
  return { from: plan.from, to: plan.to, seconds: ran.seconds };
}
