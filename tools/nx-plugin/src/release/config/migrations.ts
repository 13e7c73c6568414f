import type { V1ConfigMap, V1ConfigMapVolumeSource, V1EnvVar, V1Job } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT_LABEL } from '@trading/release-model';
import { nonRootPod, restrictedContainer } from './pod-security';

// A service's schema migrations through the deploy (issue 30): its project's migrations.yaml (dir,
// table) and its SQL files in dbmate's format, each declaring `-- release: expand` or `contract`
// (checked before merge by the project's migrations-lint target). The deploy runs the expand
// migrations, the ones the live release can run beside, before the idle colour starts: a Kubernetes
// Job running dbmate, the files from a ConfigMap made of the release's commit. A contract migration
// runs only with `deploy --contract`, after the switch, once neither the live release nor its standby
// lacks it (plan/contracts.ts); by hand, `nx run <project>:migrate --contract`.

export interface MigrationFile {
  name: string;
  version: string;
  kind: 'expand' | 'contract';
  text: string;
}

export interface MigrationSet {
  /** The migrations.yaml it was read from, workspace-relative (for messages). */
  config: string;
  /** dbmate's table of applied versions, one per service. */
  table: string;
  files: MigrationFile[];
}

export interface MigrationPlan {
  table: string;
  /** What the Job gives dbmate: every expand migration, in order (dbmate applies the pending ones). */
  apply: MigrationFile[];
  /** Contract migrations: held back before the switch (deploy --contract runs them after it, when allowed). */
  held: MigrationFile[];
  /** The newest expand migration's version: the schema this release needs (null: none). */
  schemaVersion: string | null;
  /** Of the files applied: names the ConfigMap and the Job, so a rerun with the same files reuses them. */
  hash: string;
}

const FILE = /^(\d+)_[a-z0-9_]+\.sql$/;
/** A dbmate table's name: a plain SQL name (the down Job's script puts it into its query). */
export const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Reads a service's migrations (I/O): its migrations.yaml, workspace-relative, and the folder it names. */
export function readMigrations(workspaceRoot: string, configFile: string): MigrationSet {
  const path = resolve(workspaceRoot, configFile);
  if (!existsSync(path))
    throw new Error(`${configFile} not found: the service's migrations (its deploy file's "migrations") must name a project's migrations.yaml`);
  const config = parse(readFileSync(path, 'utf8')) as { dir?: unknown; table?: unknown };
  if (typeof config?.dir !== 'string' || typeof config.table !== 'string' || !TABLE_NAME.test(config.table))
    throw new Error(`${configFile}: needs dir (the folder of the migrations) and table (a SQL name)`);
  const dir = join(dirname(path), config.dir);
  if (!existsSync(dir)) throw new Error(`${configFile}: its folder ${config.dir} does not exist`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => parseFile(name, readFileSync(join(dir, name), 'utf8'), configFile));
  return { config: configFile, table: config.table, files };
}

/** One file's version and kind; a file without them is refused (the migrations lint says the same before merge). */
export function parseFile(name: string, text: string, where: string): MigrationFile {
  const version = FILE.exec(name)?.[1];
  if (!version) throw new Error(`${where}: ${name} is not named <version digits>_<lowercase_name>.sql`);
  const kind = /^-- release: (expand|contract)\s*$/m.exec(text)?.[1] as MigrationFile['kind'] | undefined;
  if (!kind) throw new Error(`${where}: ${name} declares neither "-- release: expand" nor "-- release: contract"`);
  return { name, version, kind, text };
}

/** Pure: what the deploy runs of a service's migrations. */
export function migrationPlan(set: MigrationSet): MigrationPlan {
  const apply = set.files.filter((f) => f.kind === 'expand');
  const held = set.files.filter((f) => f.kind === 'contract');
  const hash = createHash('sha256');
  hash.update(set.table);
  for (const f of apply) hash.update(`\0${f.name}\0${f.text}`);
  return { table: set.table, apply, held, schemaVersion: apply.at(-1)?.version ?? null, hash: hash.digest('hex').slice(0, 10) };
}

/** The ConfigMap's annotation naming dbmate's table of the files it holds. */
export const MIGRATIONS_TABLE = 'trading.dev/migrations-table';

export const migrationName = (service: string, plan: MigrationPlan) => `${service}-migrate-${plan.hash}`;

/** The labels of a service's migration Jobs and their ConfigMaps. */
export const migrationLabels = (service: string, environment: string) => ({
  'app.kubernetes.io/name': `${service}-migrate`,
  'app.kubernetes.io/part-of': 'trading-platform',
  'app.kubernetes.io/managed-by': 'nx-gke-deploy',
  'trading.dev/service': service,
  [ENVIRONMENT_LABEL]: environment,
});

/** The expand migrations' files, as dbmate reads them from a folder. */
export function migrationConfigMap(service: string, environment: string, namespace: string, plan: MigrationPlan): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: migrationName(service, plan),
      namespace,
      labels: migrationLabels(service, environment),
      // A database rollback reads the files back from here, and needs the table they were applied in.
      annotations: { [MIGRATIONS_TABLE]: plan.table },
    },
    data: Object.fromEntries(plan.apply.map((f) => [f.name, f.text])),
  };
}

export interface MigrationJobOptions {
  service: string;
  environment: string;
  namespace: string;
  plan: MigrationPlan;
  /** An image with dbmate on its PATH (the environment's database image carries it). */
  image: string;
  /** The Secret and key holding the database URL (the services' DATABASE_URL). */
  secret: string;
  key: string;
  /** Appended to the URL: the connection settings dbmate needs that the URL does not carry. */
  urlSuffix: string;
  timeoutSeconds: number;
}

/** What every migration Job has: where, from which image, the database URL's Secret, a deadline. */
export interface JobBase {
  name: string;
  service: string;
  environment: string;
  namespace: string;
  image: string;
  secret: string;
  key: string;
  timeoutSeconds: number;
}

/**
 * A migration Job: one non-root container from the migration image, read-only root filesystem,
 * DATABASE_URL from the Secret, the ConfigMap's files at /migrations, no retry (a failed migration
 * is reported, not repeated), gone an hour after it finished. Its command and extra environment are
 * the caller's (dbmate migrate; the down script).
 */
export function migrationJobBase(o: JobBase, run: { command: string[]; args?: string[]; env?: V1EnvVar[] }, files: V1ConfigMapVolumeSource): V1Job {
  const labels = migrationLabels(o.service, o.environment);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.timeoutSeconds,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: nonRootPod(),
          containers: [
            {
              name: 'dbmate',
              image: o.image,
              // A tag names it (the database image is rebuilt in place): ask the registry each time.
              imagePullPolicy: 'Always',
              ...run,
              env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: o.secret, key: o.key } } }, ...(run.env ?? [])],
              resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } },
              securityContext: restrictedContainer(),
              volumeMounts: [{ name: 'migrations', mountPath: '/migrations', readOnly: true }],
            },
          ],
          volumes: [{ name: 'migrations', configMap: files }],
        },
      },
    },
  };
}

/**
 * One run of dbmate over the ConfigMap's folder: `migrate` (never creates a database), its own
 * table per service, no schema dump (a read-only filesystem).
 */
export function migrationJob(o: MigrationJobOptions): V1Job {
  const name = migrationName(o.service, o.plan);
  return migrationJobBase(
    { ...o, name },
    {
      command: ['dbmate'],
      // $(DATABASE_URL): Kubernetes expands it from the container's environment.
      args: ['--url', `$(DATABASE_URL)${o.urlSuffix}`, '--migrations-dir', '/migrations', '--migrations-table', o.plan.table, '--no-dump-schema', 'migrate'],
    },
    { name },
  );
}

/**
 * Pure: what the URL from the Secret lacks for dbmate: TLS off unless it asks for TLS (the services
 * connect the same way), and a lock timeout, so no migration queues the live release behind it.
 */
export function urlSuffix(url: string, lockTimeout = '5s'): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const has = (key: string) => new URLSearchParams(query).has(key);
  const add = [...(has('sslmode') ? [] : ['sslmode=disable']), ...(has('lock_timeout') ? [] : [`lock_timeout=${lockTimeout}`])];
  if (!add.length) return '';
  const separator = !url.includes('?') ? '?' : /[?&]$/.test(url) ? '' : '&';
  return `${separator}${add.join('&')}`;
}
