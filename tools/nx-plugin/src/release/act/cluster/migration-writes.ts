import { type DatabaseConfig, SECRET_KEYS } from '../../config/database';
import { type DownPlan, downMigrationJob, downMigrationName } from '../../config/down-migrations';
import {
  MIGRATIONS_TABLE,
  type MigrationFile,
  type MigrationPlan,
  migrationConfigMap,
  migrationJob,
  migrationName,
  parseFile,
  TABLE_NAME,
  urlSuffix,
} from '../../config/migrations';
import { type ClusterClient, KubeError } from './client';
import { jobOutcome, runJob } from './jobs';
import { FIELD_MANAGER } from './writes';

export interface MigrationRun {
  /** The schema version the release needs, now applied (null: the service has no expand migration). */
  schemaVersion: string | null;
  /** The files dbmate applied in this run (none when they were all applied before). */
  applied: string[];
  /** The Job of an earlier run with the same files had completed: nothing was run again. */
  reused: boolean;
  /** The ConfigMap holding the files (recorded in the history: a database rollback undoes them from there). */
  configMap: string | null;
}

/** The versions dbmate reports applying ("Applying: <file>"). */
export const appliedFiles = (log: string): string[] => [...log.matchAll(/^Applying: (\S+)$/gm)].map((m) => m[1]);

/** The image the migration Jobs run (dbmate on its PATH): the environment's, else its database server's. */
function migrationImage(db: DatabaseConfig, service: string, environment: string, unchanged: string): string {
  const image = db.migrationImage ?? (db.kind === 'statefulset' ? db.image : undefined);
  if (!image)
    throw new KubeError(
      `${service} has migrations, but the database of ${environment} names no migrationImage (an image with dbmate) in environments.yaml: ${unchanged}`,
    );
  return image;
}

/** What the URL in the database Secret lacks for dbmate (urlSuffix); a Secret without one is an error. */
async function secretUrlSuffix(c: ClusterClient, db: DatabaseConfig, unchanged: string): Promise<string> {
  const { namespace } = c.target;
  const secret = await c.readOrNull(`read Secret ${db.secret}`, () => c.core.readNamespacedSecret({ name: db.secret, namespace }));
  const encoded = secret?.data?.[SECRET_KEYS.url];
  if (!encoded)
    throw new KubeError(`the database Secret ${db.secret} in ${namespace} has no key "${SECRET_KEYS.url}": the migrations cannot connect; ${unchanged}`);
  return urlSuffix(Buffer.from(encoded, 'base64').toString('utf8'));
}

/** Whether a Job of exactly these files completed before (then a deploy of them changes no schema). */
export async function migrationsDone(c: ClusterClient, service: string, plan: MigrationPlan): Promise<boolean> {
  if (!c.batch) return false;
  const batch = c.batch;
  const name = migrationName(service, plan);
  const job = await c.readOrNull(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace: c.target.namespace }));
  return job !== null && jobOutcome(job) === 'succeeded';
}

/**
 * A release's expand migrations applied before its idle colour starts: the files in a ConfigMap,
 * dbmate run by a Job from the environment's migration image with the services' database URL, the
 * Job awaited. A Job of the same files that completed before is reused (a rerun changes nothing);
 * a failed one is replaced. A failure throws with dbmate's own words: nothing has been rolled yet.
 */
export async function runMigrations(
  c: ClusterClient,
  service: string,
  environment: string,
  db: DatabaseConfig,
  plan: MigrationPlan,
  log: (m: string) => void,
  pollMs = 1000,
): Promise<MigrationRun> {
  const { namespace } = c.target;
  if (plan.held.length)
    log(
      `migrations: held back (contract; deploy --contract runs it once the live and the standby release carry it): ${plan.held.map((f) => f.name).join(', ')}`,
    );
  if (!plan.apply.length) return { schemaVersion: null, applied: [], reused: false, configMap: null };
  const unchanged = 'nothing was rolled';
  const image = migrationImage(db, service, environment, unchanged);
  if (!c.batch) throw new KubeError('this cluster client has no batch API: cannot run migration Jobs');
  const name = migrationName(service, plan);
  const suffix = await secretUrlSuffix(c, db, unchanged);
  const ssa = c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply);
  const configMap = migrationConfigMap(service, environment, namespace, plan);
  await c.call(`apply ConfigMap ${name}`, () =>
    c.core.patchNamespacedConfigMap({ name, namespace, body: configMap, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
  const body = migrationJob({
    service,
    environment,
    namespace,
    plan,
    image,
    secret: db.secret,
    key: SECRET_KEYS.url,
    urlSuffix: suffix,
    timeoutSeconds: db.migrationTimeoutSeconds,
  });
  const contracts = plan.apply.filter((f) => f.kind === 'contract').length;
  const what = contracts ? `${plan.apply.length - contracts} expand and ${contracts} contract` : `${plan.apply.length} expand`;
  log(`migrations: Job ${name} runs ${what} migration(s) up to ${plan.schemaVersion} (dbmate, table ${plan.table})`);
  const run = await runJob(c, body, db.migrationTimeoutSeconds, pollMs, 'nothing was rolled, traffic is where it was', log);
  if (run.reused) {
    log(`migrations: schema ${plan.schemaVersion} already applied (Job ${name} of these files completed before)`);
    return { schemaVersion: plan.schemaVersion, applied: [], reused: true, configMap: name };
  }
  const applied = appliedFiles(run.output);
  log(
    `migrations: schema ${plan.schemaVersion} after ${run.seconds.toFixed(1)} s; ${applied.length ? `applied ${applied.join(', ')}` : 'nothing was pending'}`,
  );
  return { schemaVersion: plan.schemaVersion, applied, reused: false, configMap: name };
}

/** The live release's migration files and their table, read back from the ConfigMap its deploy made. */
export async function readMigrationSet(c: ClusterClient, configMap: string): Promise<{ table: string; files: MigrationFile[] }> {
  const { namespace } = c.target;
  const found = await c.readOrNull(`read ConfigMap ${configMap}`, () => c.core.readNamespacedConfigMap({ name: configMap, namespace }));
  if (!found) throw new KubeError(`the ConfigMap ${configMap} of the live release's migrations is gone from ${namespace}: nothing to undo the schema with`);
  const table = found.metadata?.annotations?.[MIGRATIONS_TABLE] ?? '';
  if (!TABLE_NAME.test(table)) throw new KubeError(`the ConfigMap ${configMap} names no migrations table (annotation ${MIGRATIONS_TABLE})`);
  const files = Object.entries(found.data ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, text]) => parseFile(name, text, `ConfigMap ${configMap}`));
  return { table, files };
}

/** The database half of a rollback: the live release's migrations undone by a Job (config/down-migrations.ts). */
export async function runDownMigrations(
  c: ClusterClient,
  service: string,
  environment: string,
  db: DatabaseConfig,
  plan: DownPlan,
  configMap: string,
  log: (m: string) => void,
  pollMs = 1000,
): Promise<{ seconds: number; undone: string[]; reused: boolean }> {
  const { namespace } = c.target;
  const unchanged = `the schema stays at ${plan.from}`;
  const image = migrationImage(db, service, environment, unchanged);
  const suffix = await secretUrlSuffix(c, db, unchanged);
  const body = downMigrationJob({
    service,
    environment,
    namespace,
    plan,
    configMap,
    image,
    secret: db.secret,
    key: SECRET_KEYS.url,
    urlSuffix: suffix,
    timeoutSeconds: db.migrationTimeoutSeconds,
  });
  const name = downMigrationName(service, plan);
  log(`migrations: Job ${name} undoes ${plan.files.map((f) => f.name).join(', ')}: schema ${plan.from} -> ${plan.to}`);
  const run = await runJob(c, body, db.migrationTimeoutSeconds, pollMs, unchanged, log);
  const undone = [...run.output.matchAll(/^Rolled back: (\S+)/gm)].map((m) => m[1]);
  log(
    run.reused
      ? `migrations: schema already at ${plan.to} (Job ${name} completed before)`
      : `migrations: schema ${plan.to} after ${run.seconds.toFixed(1)} s; undid ${undone.join(', ') || 'nothing (none was applied)'}`,
  );
  return { seconds: run.seconds, undone, reused: run.reused };
}
