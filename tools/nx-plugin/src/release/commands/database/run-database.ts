import { withSchemaDefaults } from '../../../executors/options';
import backupSchema from '../../../executors/database-backup/schema.json';
import restoreSchema from '../../../executors/database-restore/schema.json';
import type { DatabaseBackupExecutorOptions } from '../../../executors/database-backup/schema';
import type { DatabaseRestoreExecutorOptions } from '../../../executors/database-restore/schema';
import { Kube } from '../../act/kube';
import type { EnvironmentConfig } from '../../config/config';
import type { StatefulSetDatabase } from '../../config/database';
import { type BackupRecord, backupName, parseRestoreTarget } from '../../config/database-recovery';
import { resolveTarget, type Target } from '../target';
import { databaseServices, leasesOf, releaseAll } from '../database-services';

/**
 * The database's backups and point-in-time recovery, as commands (`nx run deploy:backup-database`,
 * `nx run deploy:restore-database --to=…`): the environment resolved, its database checked to be one
 * the platform runs, then act/cluster/database-recovery.ts does the work.
 */
export interface DatabaseContext {
  workspaceRoot: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  now?: () => Date;
  /** A connected client (tests); otherwise one from the target's context. */
  kube?: Kube;
}

/** The executors' option normalisers: schema.json's defaults. */
export const normalizeBackupOptions = (options: DatabaseBackupExecutorOptions) =>
  withSchemaDefaults(backupSchema, options) as DatabaseBackupExecutorOptions & { configDir: string; reason: string };
export const normalizeRestoreOptions = (options: DatabaseRestoreExecutorOptions) =>
  withSchemaDefaults(restoreSchema, options) as DatabaseRestoreExecutorOptions & { configDir: string };

/** The environment's database, when the platform runs it; an external one is restored by its provider. */
export function statefulDatabase(env: EnvironmentConfig, environment: string, what: string): StatefulSetDatabase {
  const db = env.database;
  if (!db) throw new Error(`${environment} has no database in environments.yaml: nothing to ${what}`);
  if (db.kind !== 'statefulset')
    throw new Error(
      `the database of ${environment} is external (Secret ${db.secret}): ${what} it with its provider's tools (Cloud SQL: gcloud sql backups create; gcloud sql instances clone --point-in-time), not here`,
    );
  return db;
}

async function connect(target: Target, ctx: DatabaseContext): Promise<Kube> {
  return ctx.kube ?? (await Kube.connect({ context: target.context, namespace: target.env.namespace }));
}

export async function runBackup(given: DatabaseBackupExecutorOptions, ctx: DatabaseContext): Promise<BackupRecord & { seconds: number }> {
  const options = normalizeBackupOptions(given);
  const target = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  const db = statefulDatabase(target.env, options.environment, 'back up');
  const kube = await connect(target, ctx);
  const name = backupName((ctx.now ?? (() => new Date()))(), options.reason);
  ctx.log(`database backup in ${options.environment} (context ${target.context}, namespace ${target.env.namespace}): ${name}`);
  return kube.takeBackup(options.environment, db, name, ctx.log);
}

export async function runRestore(given: DatabaseRestoreExecutorOptions, ctx: DatabaseContext) {
  const options = normalizeRestoreOptions(given);
  const now = (ctx.now ?? (() => new Date()))();
  const target = resolveTarget(ctx.workspaceRoot, options, ctx.env);
  const db = statefulDatabase(target.env, options.environment, 'restore');
  const to = parseRestoreTarget(options.to, now);
  const kube = await connect(target, ctx);
  const services = databaseServices(target.services, db.secret);
  ctx.log(
    `database restore in ${options.environment} (context ${target.context}, namespace ${target.env.namespace}) to ${to.toISOString()}: ` +
      `${services.map((s) => s.name).join(', ') || 'no service'} stop serving until it is done; what was written after ${to.toISOString()} is not in the restored database`,
  );
  const leases = await leasesOf(
    kube,
    services.map((s) => s.name),
    ctx.log,
    (held) => `${held}: a restore waits for no deploy; nothing was changed (rerun once it is done, or abort it: nx run deploy:abort)`,
  );
  try {
    const held = leases.length ? kube.holding(leases[0]) : kube;
    const result = await held.restoreDatabase(
      options.environment,
      db,
      { time: to },
      now,
      services.map((s) => s.name),
      target.env.rolloutTimeoutSeconds,
      ctx.log,
    );
    const phases = Object.entries(result.phases)
      .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
      .join(', ');
    ctx.log(
      `database restored to ${to.toISOString()} in ${result.seconds.toFixed(1)} s (${phases}) from base backup ${result.backup}; the data from before is kept in ${result.aside} on the database's volume (remove it once satisfied)`,
    );
    return result;
  } finally {
    await releaseAll(leases);
  }
}
