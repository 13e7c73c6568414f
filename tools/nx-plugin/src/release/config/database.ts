import type { V1ConfigMap, V1PersistentVolume, V1PersistentVolumeClaim, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ENVIRONMENT_LABEL } from '@trading/release-model';
import { type ObjectStore, STORE_SCRIPTS, storeEnv } from './object-store';
import { nonRootPod, restrictedContainer } from './pod-security';

/**
 * An environment's PostgreSQL, where the services keep their trading state (issue 28). `statefulset`:
 * one server in the namespace from the image built from Debian's packages, its data on a
 * PersistentVolume on the node; `external`: a database the platform does not run (Cloud SQL for
 * PostgreSQL with HA on GKE), reached through the URLs in `secret`, which its operators create.
 */
export const databaseSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('statefulset'),
    image: z.string().min(1),
    storage: z.string().regex(/^\d+(Mi|Gi)$/, 'a size such as 1Gi'),
    /** The node's folder the volume lives in (a hostPath PersistentVolume per namespace). */
    nodePath: z.string().startsWith('/'),
    /** The node the volume and the server are pinned to; needed once more than one node can run them. */
    node: z.string().min(1).optional(),
    secret: z.string().default('trading-db'),
    /** The image the services' migration Jobs run dbmate from (default: the server's image, which carries it). */
    migrationImage: z.string().min(1).optional(),
    migrationTimeoutSeconds: z.number().int().min(10).default(300),
    /** Base backups kept in the store (database-recovery.ts); older ones and the WAL only they need are removed. */
    backupsKept: z.number().int().min(1).default(5),
    /**
     * The object storage the WAL is archived to and the base backups are kept in, through the GCS
     * JSON API (object-store.ts): Cloud Storage, or the local stack's fake-gcs-server. The objects
     * go under the namespace's name, so environments may share a bucket.
     */
    store: z.object({
      endpoint: z.string().url(),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'a bucket name: 3 to 63 lowercase letters, digits, dots, dashes, underscores'),
      /** On GKE: the metadata server's token URL (Workload Identity); the emulator needs none. */
      tokenUrl: z.string().url().optional(),
    }),
  }),
  z.object({
    kind: z.literal('external'),
    secret: z.string().min(1),
    /** An image with dbmate on its PATH, for the services' migration Jobs (required when a service has migrations). */
    migrationImage: z.string().min(1).optional(),
    migrationTimeoutSeconds: z.number().int().min(10).default(300),
  }),
]);
export type DatabaseConfig = z.infer<typeof databaseSchema>;

export const DATABASE_NAME = 'trading-db';
export const DATABASE_PORT = 5432;
export const DATA_CLAIM = 'trading-db-data';
export const DATA_MOUNT = '/var/lib/postgresql/data';
export const PGDATA = `${DATA_MOUNT}/pgdata`;
/** The archive's scripts (object-store.ts), from a ConfigMap, at the same path in the server and in the Jobs. */
export const STORE_CONFIG_MAP = 'trading-db-store';
export const STORE_MOUNT = '/etc/trading-db';
export const DATABASE_USER = 'trading';
export const DATABASE_DB = 'trading';
const USER = DATABASE_USER;
const DATABASE = DATABASE_DB;
/** The Secret's keys: the server's password and each service's URL (DATABASE_URL). */
export const SECRET_KEYS = { password: 'password', url: 'url' } as const;

const labels = (environment: string) => ({
  'app.kubernetes.io/name': DATABASE_NAME,
  'app.kubernetes.io/part-of': 'trading-platform',
  'app.kubernetes.io/managed-by': 'nx-gke-deploy',
  [ENVIRONMENT_LABEL]: environment,
});

/** The connection URL the services get from the Secret: the in-namespace Service, SCRAM password. */
export function databaseUrl(namespace: string, password: string): string {
  return `postgresql://${USER}:${encodeURIComponent(password)}@${DATABASE_NAME}.${namespace}.svc:${DATABASE_PORT}/${DATABASE}`;
}

/**
 * The environment's credentials, generated here once (never committed): created only when absent,
 * never replaced, so a redeploy keeps the password the data was initialised with.
 */
export function databaseSecret(environment: string, namespace: string, name: string, password = randomBytes(24).toString('base64url')): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: labels(environment) },
    type: 'Opaque',
    stringData: { [SECRET_KEYS.password]: password, [SECRET_KEYS.url]: databaseUrl(namespace, password) },
  };
}

export type StatefulSetDatabase = Extract<DatabaseConfig, { kind: 'statefulset' }>;

/** The data's folder on the node (the WAL archive and the base backups are in the store). */
const DATA_FOLDER = DATABASE_NAME;

/** The data volume on the node, bound to the namespace's claim only. */
export function databaseVolume(environment: string, namespace: string, db: StatefulSetDatabase): V1PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `${namespace}-${DATA_FOLDER}`, labels: labels(environment) },
    spec: {
      capacity: { storage: db.storage },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'trading-local',
      claimRef: { namespace, name: DATA_CLAIM },
      hostPath: { path: `${db.nodePath}/${namespace}/${DATA_FOLDER}`, type: 'DirectoryOrCreate' },
      ...(db.node
        ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [db.node] }] }] } } }
        : {}),
    },
  };
}

export function databaseClaim(environment: string, namespace: string, db: StatefulSetDatabase): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: DATA_CLAIM, namespace, labels: labels(environment) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'trading-local',
      volumeName: `${namespace}-${DATA_FOLDER}`,
      resources: { requests: { storage: db.storage } },
    },
  };
}

/** The database's store: its objects under the namespace's name. */
export const storeOf = (namespace: string, db: StatefulSetDatabase): ObjectStore => ({ ...db.store, prefix: namespace });

/** The store's scripts and where they are mounted. */
export function databaseStoreConfigMap(environment: string, namespace: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: STORE_CONFIG_MAP, namespace, labels: labels(environment) }, data: { ...STORE_SCRIPTS } };
}

/**
 * The server's WAL archiving (PostgreSQL's continuous archiving, 26.3): every finished WAL segment
 * copied to the store, written once (object-store.ts), and a segment switch at least once a minute,
 * so a point-in-time recovery can reach any moment up to a minute ago (up to now after the
 * restore's own switch). `wal_level=replica` also lets pg_basebackup take the base backups. (On
 * GKE the database is Cloud SQL's, `external`: its own backups and point-in-time recovery.)
 */
export const ARCHIVE_SETTINGS = [
  'wal_level=replica',
  'archive_mode=on',
  `archive_command=sh ${STORE_MOUNT}/wal-archive.sh %p %f`,
  'archive_timeout=60',
] as const;

/**
 * One PostgreSQL server: non-root (uid 65532, which owns the data), its password from the Secret,
 * ready when `pg_isready` answers, stopped with a fast shutdown inside the grace period.
 */
export function databaseStatefulSet(environment: string, namespace: string, db: StatefulSetDatabase): V1StatefulSet {
  const isReady = ['pg_isready', '--host', '127.0.0.1', '--port', String(DATABASE_PORT), '--username', USER, '--dbname', DATABASE];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: DATABASE_NAME, namespace, labels: labels(environment) },
    spec: {
      serviceName: DATABASE_NAME,
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': DATABASE_NAME } },
      template: {
        metadata: { labels: labels(environment) },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: nonRootPod({ fsGroup: true }),
          // The node creates a hostPath folder as root: the one step that needs root hands it to the
          // server's user (CHOWN and FOWNER only, nothing else), and the server never runs as root.
          initContainers: [
            {
              name: 'data-owner',
              image: db.image,
              command: ['/bin/sh', '-c', `chown 65532:65532 ${DATA_MOUNT} && chmod 0700 ${DATA_MOUNT}`],
              securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] },
              },
              volumeMounts: [{ name: 'data', mountPath: DATA_MOUNT }],
            },
          ],
          containers: [
            {
              name: 'postgres',
              image: db.image,
              // A tag names the image here (rebuilt in place by tools/docker/postgres-base.sh): each
              // start asks the registry what it is now. The running server is never restarted for it.
              imagePullPolicy: 'Always',
              // The entrypoint passes its arguments to postgres.
              args: ARCHIVE_SETTINGS.flatMap((setting) => ['-c', setting]),
              ports: [{ name: 'postgres', containerPort: DATABASE_PORT }],
              env: [
                { name: 'POSTGRES_USER', value: USER },
                { name: 'POSTGRES_DB', value: DATABASE },
                { name: 'PGDATA', value: PGDATA },
                // The store archive_command and restore_command write to and read from.
                ...Object.entries(storeEnv(storeOf(namespace, db))).map(([name, value]) => ({ name, value })),
                // Every pod of both services holds a pool of 8 (DATABASE_POOL_SIZE): during a
                // production canary with baseline and the old colour's scale-down delay that is up
                // to 6 pods each, 96 connections; 100 would leave nothing for an operator.
                { name: 'POSTGRES_MAX_CONNECTIONS', value: '200' },
                { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: db.secret, key: SECRET_KEYS.password } } },
              ],
              readinessProbe: { exec: { command: isReady }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3 },
              // Ready once it accepts sessions; alive while it listens. A point-in-time recovery replays
              // the archived WAL before it accepts any session (hot_standby off): pg_isready says
              // "rejecting connections" all along, and a liveness probe on it would kill the replay.
              livenessProbe: { tcpSocket: { port: DATABASE_PORT }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: restrictedContainer(),
              volumeMounts: [
                { name: 'data', mountPath: DATA_MOUNT },
                { name: 'store', mountPath: STORE_MOUNT, readOnly: true },
                { name: 'run', mountPath: '/var/run/postgresql' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: DATA_CLAIM } },
            { name: 'store', configMap: { name: STORE_CONFIG_MAP } },
            { name: 'run', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** The selector key a restore adds to the Service while the services must not reach the server (no pod carries it). */
export const CLOSED_FOR_RESTORE = 'trading.dev/closed-for-restore';

/**
 * The server's Service. `closedForRestore` (a restore's request): it selects no pod, so no service
 * reaches the server until the restore has moved the sequences on (database-recovery.ts).
 */
export function databaseService(environment: string, namespace: string, closedForRestore?: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DATABASE_NAME, namespace, labels: labels(environment) },
    spec: {
      selector: { 'app.kubernetes.io/name': DATABASE_NAME, ...(closedForRestore ? { [CLOSED_FOR_RESTORE]: closedForRestore } : {}) },
      ports: [{ name: 'postgres', port: DATABASE_PORT, targetPort: 'postgres' }],
    },
  };
}
