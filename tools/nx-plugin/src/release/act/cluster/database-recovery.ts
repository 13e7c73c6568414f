import type * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATABASE_NAME, type StatefulSetDatabase } from '../../config/database';
import {
  backupJob,
  type BackupRecord,
  backupRecord,
  describeTarget,
  NO_BACKUP,
  type RecordedSequence,
  recordedSequences,
  type RecoveryJobOptions,
  type RestoreTarget,
  restoreJob,
  restoreOutcome,
  SEQUENCE_GAP,
  sequencesJob,
  stamp,
  walSwitchJob,
} from '../../config/database-recovery';
import { type ClusterClient, KubeError } from './client';
import { applyDatabaseService, ensureDatabase } from './database-writes';
import { JobFailed, jobLog, runJob } from './jobs';

const words = (kind: string, speaker: string) => ({ kind, speaker, prefix: 'database' });

/** A base backup of the environment's database into its object store (config/database-recovery.ts). */
export async function takeBackup(
  c: ClusterClient,
  environment: string,
  db: StatefulSetDatabase,
  backup: string,
  log: (m: string) => void,
  pollMs = 1000,
): Promise<BackupRecord & { seconds: number; reused: boolean }> {
  const o: RecoveryJobOptions = { environment, namespace: c.target.namespace, db, timeoutSeconds: db.migrationTimeoutSeconds };
  const run = await runJob(c, backupJob(o, backup), o.timeoutSeconds, pollMs, 'no backup was taken', log, words('backup', 'pg_basebackup'));
  const said = /^backup \S+: (\d+ KiB in \d+ s)/m.exec(run.output)?.[1];
  const record = backupRecord(backup, run.output);
  log(
    `database: base backup ${backup} ${run.reused ? 'was taken before' : `taken${said ? `: ${said}` : ''} (${run.seconds.toFixed(1)} s)`}${record.lsn ? `, WAL from ${record.lsn}` : ''}${record.mark ? `; mark ${record.mark.lsn} at ${record.mark.at}` : ''}`,
  );
  return { ...record, seconds: run.seconds, reused: run.reused };
}

async function scaleDatabase(c: ClusterClient, replicas: number): Promise<void> {
  const { namespace } = c.target;
  await c.call(`scale StatefulSet ${DATABASE_NAME} to ${replicas}`, () =>
    c.apps.patchNamespacedStatefulSetScale(
      { name: DATABASE_NAME, namespace, body: { spec: { replicas } } },
      c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.MergePatch),
    ),
  );
}

async function databasePods(c: ClusterClient): Promise<k8s.V1Pod[]> {
  const pods = await c.call('list the database pods', () =>
    c.core.listNamespacedPod({ namespace: c.target.namespace, labelSelector: `app.kubernetes.io/name=${DATABASE_NAME}` }),
  );
  return pods.items.filter((p) => !p.metadata?.labels?.['job-name']);
}

async function servicePods(c: ClusterClient, service: string): Promise<k8s.V1Pod[]> {
  const pods = await c.call(`list the pods of ${service}`, () =>
    c.core.listNamespacedPod({ namespace: c.target.namespace, labelSelector: `app.kubernetes.io/name=${service}` }),
  );
  return pods.items;
}

export interface RestoreResult {
  target: RestoreTarget;
  backup: string;
  /** Where the data directory from before the restore was moved (inside the data volume). */
  aside: string;
  /** Each phase's seconds: archive, stop, restore, replay, sequences, services. */
  phases: Record<string, number>;
  seconds: number;
}

/**
 * A point-in-time recovery of the environment's database to `target`, holding the deploy leases of
 * the services that use it (the caller takes them): the server's current WAL archived, the server
 * stopped, the restore Job (the newest base backup before the target in place, the old data moved
 * aside), the server started (it replays the archive to the target and promotes; ready only then),
 * and the services' pods replaced, so that no process keeps a view of the state from before.
 * Every step can be rerun: a rerun with the same `request` finds each Job done.
 */
export async function restoreDatabase(
  c: ClusterClient,
  environment: string,
  db: StatefulSetDatabase,
  target: RestoreTarget,
  request: Date,
  services: string[],
  timeoutSeconds: number,
  log: (m: string) => void,
  pollMs = 1000,
): Promise<RestoreResult> {
  const { namespace } = c.target;
  const id = stamp(request);
  const o: RecoveryJobOptions = { environment, namespace, db, timeoutSeconds: db.migrationTimeoutSeconds };
  const phases: Record<string, number> = {};
  const started = Date.now();
  let mark = started;
  const phase = (name: string) => {
    phases[name] = (Date.now() - mark) / 1000;
    mark = Date.now();
  };

  const set = await c.readOrNull(`read StatefulSet ${DATABASE_NAME}`, () => c.apps.readNamespacedStatefulSet({ name: DATABASE_NAME, namespace }));
  if (!set) throw new KubeError(`there is no database StatefulSet ${DATABASE_NAME} in ${namespace}: nothing to restore (deploy once first)`);
  let sequences: RecordedSequence[] = [];
  let noSequences = 'the WAL-switch Job printed none';
  if ((set.spec?.replicas ?? 1) > 0) {
    const job = walSwitchJob(o, id);
    const run = await runJob(c, job, 90, pollMs, 'nothing was changed', log, words('WAL switch', 'the archive check'));
    sequences = recordedSequences(run.reused ? await jobLog(c, job.metadata!.name!) : run.output);
    log(run.reused ? 'database: the WAL was archived by an earlier run of this restore' : `database: ${run.output.trim().split('\n').at(-1)}`);
  } else {
    log(`database: the server is stopped (an earlier run of this restore stopped it): the archive is what it archived`);
    noSequences = 'its server was stopped by an earlier run';
  }
  phase('archive');

  await scaleDatabase(c, 0);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while ((await databasePods(c)).length > 0) {
    if (Date.now() > deadline)
      throw new KubeError(`the database pod did not stop within ${timeoutSeconds} s; the data is untouched; see kubectl -n ${namespace} get pods`);
    await sleep(pollMs);
  }
  log(`database: server stopped`);
  phase('stop');

  let prepared: { backup: string; aside: string } | null;
  try {
    const run = await runJob(c, restoreJob(o, id, target), o.timeoutSeconds, pollMs, 'the data directory is untouched', log, words('restore', 'the restore'));
    prepared = restoreOutcome(run.output);
    log(`database: ${run.output.trim().split('\n').at(-1) ?? ''}`);
  } catch (error) {
    if (error instanceof JobFailed && error.output.includes(NO_BACKUP)) {
      // Nothing was changed: the server comes back on its own data.
      await ensureDatabase(c, environment, db, timeoutSeconds, log);
      throw new KubeError(
        `${error.output.trim().split('\n').at(-1)}. The server runs on its own data again. Take backups before you need them: nx run deploy:backup-database (every deploy that migrates takes one)`,
      );
    }
    throw new KubeError(
      `${(error as Error).message}\nThe server is stopped (StatefulSet ${DATABASE_NAME} at 0 replicas). Fix the cause and rerun this restore with the same --to, or start the server on its own data: kubectl -n ${namespace} scale statefulset ${DATABASE_NAME} --replicas=1`,
    );
  }
  phase('restore');

  // The server starts behind a Service that selects no pod: once it promotes, no service may book
  // an order before the sequences are moved on (an old pod reconnecting would be handed an id
  // already acknowledged after the target). A deploy, or this restore's end, opens it again.
  const closed = `the database's Service stays closed to the services (a rerun of this restore, or a deploy, opens it)`;
  try {
    await ensureDatabase(c, environment, db, timeoutSeconds, log, id);
  } catch (error) {
    throw new KubeError(
      `${(error as Error).message}\nThe server did not finish replaying the archive to ${describeTarget(target)}: kubectl -n ${namespace} logs ${DATABASE_NAME}-0. The data from before the restore is kept in ${prepared?.aside ?? 'pgdata.before-restore-<request>'} on its volume; ${closed}.`,
    );
  }
  phase('replay');

  if (sequences.length) {
    const pod = await c.call(`read pod ${DATABASE_NAME}-0`, () => c.core.readNamespacedPod({ name: `${DATABASE_NAME}-0`, namespace }));
    const host = pod.status?.podIP;
    if (!host) throw new KubeError(`the restored server's pod has no address yet: the sequences were not moved; ${closed}`);
    const run = await runJob(c, sequencesJob(o, id, sequences, host), 90, pollMs, `the database is restored, but ${closed}`, log, words('sequences', 'psql'));
    log(
      run.reused
        ? 'database: the sequences were moved on by an earlier run of this restore'
        : `database: ${sequences.length} sequence(s) moved ${SEQUENCE_GAP} past their values before the restore: no id is handed out twice`,
    );
  } else {
    log(`database: no sequence values were recorded before the restore (${noSequences}): ids handed out after the target may be handed out again`);
  }
  await applyDatabaseService(c, environment);
  log('database: its Service selects the server again');
  phase('sequences');

  // Replaced, not restarted in place: a pod started after this moment has read nothing from before.
  const replacedAt = Date.now() - 1000;
  for (const service of services) {
    const pods = await servicePods(c, service);
    for (const pod of pods) {
      await c.call(`delete pod ${pod.metadata!.name}`, () => c.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace })).catch(() => undefined);
    }
    log(`database: ${pods.length} pod(s) of ${service} replaced: they start on the restored state`);
  }
  const servicesDeadline = Date.now() + timeoutSeconds * 1000;
  for (const service of services) {
    for (;;) {
      const deployments = await c.call(`list the Deployments of ${service}`, () =>
        c.apps.listNamespacedDeployment({ namespace, labelSelector: `app.kubernetes.io/name=${service}` }),
      );
      const wanted = deployments.items.reduce((n, d) => n + (d.spec?.replicas ?? 0), 0);
      const fresh = (await servicePods(c, service)).filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          new Date(p.metadata?.creationTimestamp ?? 0).getTime() >= replacedAt &&
          p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
      ).length;
      if (fresh >= wanted) break;
      if (Date.now() > servicesDeadline)
        throw new KubeError(
          `the database is restored to ${describeTarget(target)}, but ${service} has ${fresh} of ${wanted} new pod(s) ready after ${timeoutSeconds} s: kubectl -n ${namespace} get pods -l app.kubernetes.io/name=${service}`,
        );
      await sleep(pollMs);
    }
  }
  phase('services');
  return { target, backup: prepared?.backup ?? '(unknown)', aside: prepared?.aside ?? '(unknown)', phases, seconds: (Date.now() - started) / 1000 };
}
