import type * as k8s from '@kubernetes/client-node';
import { type DatabaseConfig, SECRET_KEYS } from '../../config/database';
import { type MigrationPlan, migrationConfigMap, migrationJob, migrationName, urlSuffix } from '../../config/migrations';
import { type ClusterClient, KubeError } from './client';
import { FIELD_MANAGER } from './writes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MigrationRun {
  /** The schema version the release needs, now applied (null: the service has no expand migration). */
  schemaVersion: string | null;
  /** The files dbmate applied in this run (none when they were all applied before). */
  applied: string[];
  /** The Job of an earlier run with the same files had completed: nothing was run again. */
  reused: boolean;
}

/** The versions dbmate reports applying ("Applying: <file>"). */
export const appliedFiles = (log: string): string[] => [...log.matchAll(/^Applying: (\S+)$/gm)].map((m) => m[1]);

async function jobLog(c: ClusterClient, name: string): Promise<string> {
  const { namespace } = c.target;
  try {
    const pods = await c.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    const pod = pods.items[0]?.metadata?.name;
    if (!pod) return '(no pod)';
    return await c.core.readNamespacedPodLog({ name: pod, namespace, container: 'dbmate' });
  } catch (error) {
    return `(no log: ${(error as Error).message.split('\n')[0]})`;
  }
}

const finished = (job: k8s.V1Job): 'succeeded' | 'failed' | null => {
  const conditions = job.status?.conditions ?? [];
  if ((job.status?.succeeded ?? 0) >= 1 || conditions.some((x) => x.type === 'Complete' && x.status === 'True')) return 'succeeded';
  if ((job.status?.failed ?? 0) >= 1 || conditions.some((x) => x.type === 'Failed' && x.status === 'True')) return 'failed';
  return null;
};

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
  if (plan.held.length) log(`migrations: held back (contract, never run by a deploy): ${plan.held.map((f) => f.name).join(', ')}`);
  if (!plan.apply.length) return { schemaVersion: null, applied: [], reused: false };
  const image = db.migrationImage ?? (db.kind === 'statefulset' ? db.image : undefined);
  if (!image)
    throw new KubeError(
      `${service} has migrations, but the database of ${environment} names no migrationImage (an image with dbmate) in environments.yaml: nothing was rolled`,
    );
  if (!c.batch) throw new KubeError('this cluster client has no batch API: cannot run migration Jobs');
  const batch = c.batch;
  const name = migrationName(service, plan);
  const secret = await c.readOrNull(`read Secret ${db.secret}`, () => c.core.readNamespacedSecret({ name: db.secret, namespace }));
  const encoded = secret?.data?.[SECRET_KEYS.url];
  if (!encoded)
    throw new KubeError(`the database Secret ${db.secret} in ${namespace} has no key "${SECRET_KEYS.url}": the migrations cannot connect; nothing was rolled`);
  const ssa = c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply);
  const configMap = migrationConfigMap(service, environment, namespace, plan);
  await c.call(`apply ConfigMap ${name}`, () =>
    c.core.patchNamespacedConfigMap({ name, namespace, body: configMap, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );

  let job = await c.readOrNull(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }));
  if (job && finished(job) === 'succeeded') {
    log(`migrations: schema ${plan.schemaVersion} already applied (Job ${name} of these files completed before)`);
    return { schemaVersion: plan.schemaVersion, applied: [], reused: true };
  }
  if (job && finished(job) === 'failed') {
    log(`migrations: Job ${name} failed before; replacing it`);
    await c.call(`delete Job ${name}`, () => batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' }));
    while (await c.readOrNull(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }))) await sleep(pollMs);
    job = null;
  }
  const timeoutSeconds = db.migrationTimeoutSeconds;
  if (!job) {
    const body = migrationJob({
      service,
      environment,
      namespace,
      plan,
      image,
      secret: db.secret,
      key: SECRET_KEYS.url,
      urlSuffix: urlSuffix(Buffer.from(encoded, 'base64').toString('utf8')),
      timeoutSeconds,
    });
    await c.call(`create Job ${name}`, () => batch.createNamespacedJob({ namespace, body }));
    log(`migrations: Job ${name} runs ${plan.apply.length} expand migration(s) up to ${plan.schemaVersion} (dbmate, table ${plan.table})`);
  } else log(`migrations: Job ${name} is already running (an earlier run of this deploy); waiting for it`);

  const started = Date.now();
  for (;;) {
    const current = await c.call(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }));
    const outcome = finished(current);
    if (outcome === 'succeeded') {
      const output = await jobLog(c, name);
      const applied = appliedFiles(output);
      log(
        `migrations: schema ${plan.schemaVersion} after ${((Date.now() - started) / 1000).toFixed(1)} s; ${applied.length ? `applied ${applied.join(', ')}` : 'nothing was pending'}`,
      );
      return { schemaVersion: plan.schemaVersion, applied, reused: false };
    }
    if (outcome === 'failed' || Date.now() - started > (timeoutSeconds + 30) * 1000) {
      const output = (await jobLog(c, name)).trim().split('\n').slice(-15).join('\n');
      throw new KubeError(
        `the migration Job ${name} ${outcome === 'failed' ? 'failed' : `did not finish within ${timeoutSeconds} s`}; nothing was rolled, traffic is where it was. dbmate said:\n${output}\n(kubectl -n ${namespace} logs job/${name})`,
      );
    }
    await sleep(pollMs);
  }
}
