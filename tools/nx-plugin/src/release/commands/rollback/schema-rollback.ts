import type { DatabaseConfig } from '../../config/database';
import { type DownPlan, downPlan } from '../../config/down-migrations';
import { backupName } from '../../config/database-recovery';
import type { Kube } from '../../act/kube';
import { type Release, recordSchema } from '../../status/history';

// `deploy:rollback --database` (issue 30): the schema taken back with the application. Decided
// before anything moves (a schema that cannot be undone refuses the whole rollback of the
// service, so the operator chooses: without --database, or a restore); run after the switch,
// since the restored release ran beside the newer schema (expand only) and the live one needs it
// until its traffic is gone.

export interface SchemaRollback {
  plan: DownPlan;
  /** The ConfigMap holding the live release's migration files (its deploy's). */
  configMap: string;
}

/** What the database rollback will undo, or null when the schemas are the same; refused with the reason. */
export async function planSchemaRollback(
  kube: Kube,
  service: string,
  current: Release,
  target: Release,
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
  log(`schema: ${decision.plan.from} -> ${decision.plan.to} after the switch, undoing ${decision.plan.files.map((f) => f.name).join(', ')}`);
  return { plan: decision.plan, configMap: current.migrations! };
}

/** Runs the planned schema rollback and records the schema on the restored release's live entry. */
export async function runSchemaRollback(
  kube: Kube,
  service: string,
  environment: string,
  db: DatabaseConfig,
  rollback: SchemaRollback,
  restored: { release: string; migrations?: string },
  log: (m: string) => void,
): Promise<{ from: string; to: string; seconds: number }> {
  const { plan } = rollback;
  // A base backup before the down sections run (a restore's starting point if they lose data).
  const taken = db.kind === 'statefulset' ? await kube.takeBackup(environment, db, backupName(new Date(), `before-rollback-${service}`), log) : undefined;
  const backup = taken ? { name: taken.name, ...(taken.at ? { at: taken.at } : {}), ...(taken.lsn ? { lsn: taken.lsn } : {}) } : undefined;
  const ran = await kube.runDownMigrations(service, environment, db, plan, rollback.configMap, log);
  await kube.updateHistory(service, (h) => recordSchema(h, restored.release, plan.to, restored.migrations, backup));
  return { from: plan.from, to: plan.to, seconds: ran.seconds };
}
