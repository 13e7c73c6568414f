import type * as k8s from '@kubernetes/client-node';
import {
  type DatabaseConfig,
  DATABASE_NAME,
  databaseClaim,
  databaseSecret,
  databaseService,
  databaseStatefulSet,
  databaseStoreConfigMap,
  databaseVolume,
  STORE_CONFIG_MAP,
} from '../../config/database';
import { type ClusterClient, KubeError, statusOf } from './client';
import { FIELD_MANAGER } from './writes';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The environment's database present and ready before any service that keeps its state there is
 * rolled: the Secret created once (never replaced: the data was initialised with its password),
 * the volume, the server and its Service applied (server-side, idempotent), then the server's
 * readiness (pg_isready) awaited. (A deploy's call also opens a Service a failed restore left
 * closed: the deploy runs only once no restore holds the leases.) An external database only needs its Secret, which its operators
 * create; a missing one is an error naming it, and nothing is rolled.
 */
export async function ensureDatabase(
  c: ClusterClient,
  environment: string,
  db: DatabaseConfig,
  timeoutSeconds: number,
  log: (m: string) => void,
  /** A restore's request: the Service selects no pod until the restore opens it again. */
  closedForRestore?: string,
): Promise<void> {
  const { namespace } = c.target;
  const secret = await c.readOrNull(`read Secret ${db.secret}`, () => c.core.readNamespacedSecret({ name: db.secret, namespace }));
  if (db.kind === 'external') {
    if (!secret)
      throw new KubeError(
        `the database Secret ${db.secret} is missing in namespace ${namespace}: create it with the key "url" (postgresql://…) before deploying`,
      );
    log(`database: external, from Secret ${db.secret}`);
    return;
  }
  if (!secret) {
    try {
      await c.core.createNamespacedSecret({ namespace, body: databaseSecret(environment, namespace, db.secret) });
      log(`database: Secret ${db.secret} generated (password and URL; never stored in the repository)`);
    } catch (error) {
      if (statusOf(error) !== 409) throw c.explain(error, `create Secret ${db.secret}`);
    }
  }
  const apply = (what: string, call: () => Promise<unknown>) => c.call(`apply ${what}`, call);
  const ssa = c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply);
  // The data volume, bound to its claim (created once, never replaced). The WAL archive and the
  // base backups are in the store; the scripts that reach it, in a ConfigMap.
  const volume = databaseVolume(environment, namespace, db);
  await apply(`PersistentVolume ${volume.metadata!.name}`, () =>
    c.core.patchPersistentVolume({ name: volume.metadata!.name!, body: volume, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
  const claim = databaseClaim(environment, namespace, db);
  const existingClaim = await c.readOrNull(`read the database claim ${claim.metadata!.name}`, () =>
    c.core.readNamespacedPersistentVolumeClaim({ name: claim.metadata!.name!, namespace }),
  );
  if (!existingClaim)
    await c.call(`create the database claim ${claim.metadata!.name}`, () => c.core.createNamespacedPersistentVolumeClaim({ namespace, body: claim }));
  const scripts = databaseStoreConfigMap(environment, namespace);
  await apply(`ConfigMap ${STORE_CONFIG_MAP}`, () =>
    c.core.patchNamespacedConfigMap({ name: STORE_CONFIG_MAP, namespace, body: scripts, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
  const set = databaseStatefulSet(environment, namespace, db);
  await apply(`StatefulSet ${DATABASE_NAME}`, () =>
    c.apps.patchNamespacedStatefulSet({ name: DATABASE_NAME, namespace, body: set, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
  await applyDatabaseService(c, environment, closedForRestore);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const current: k8s.V1StatefulSet = await c.call(`read StatefulSet ${DATABASE_NAME}`, () =>
      c.apps.readNamespacedStatefulSet({ name: DATABASE_NAME, namespace }),
    );
    const status = current.status;
    const settled = (status?.observedGeneration ?? 0) >= (current.metadata?.generation ?? 1) && status?.updateRevision === status?.currentRevision;
    if (settled && (status?.readyReplicas ?? 0) >= 1) {
      log(`database: ${DATABASE_NAME} ready in ${namespace}`);
      return;
    }
    if (Date.now() > deadline) {
      throw new KubeError(
        `the database ${DATABASE_NAME} in ${namespace} was not ready within ${timeoutSeconds} s (ready ${status?.readyReplicas ?? 0}/1): nothing was rolled; see kubectl -n ${namespace} describe statefulset ${DATABASE_NAME}`,
      );
    }
    await sleep(1000);
  }
}

/**
 * The server's Service, server-side applied (idempotent): open, or closed for a restore's request.
 * With no request it opens a Service a restore closed.
 */
export async function applyDatabaseService(c: ClusterClient, environment: string, closedForRestore?: string): Promise<void> {
  const { namespace } = c.target;
  const service = databaseService(environment, namespace, closedForRestore);
  const ssa = c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply);
  await c.call(`apply Service ${DATABASE_NAME}`, () =>
    c.core.patchNamespacedService({ name: DATABASE_NAME, namespace, body: service, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
}
