import type { BackupRecord } from '@trading/release-model';
import type { V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  DATA_CLAIM,
  DATA_MOUNT,
  DATABASE_DB,
  DATABASE_NAME,
  DATABASE_PORT,
  DATABASE_USER,
  SECRET_KEYS,
  type StatefulSetDatabase,
  STORE_CONFIG_MAP,
  STORE_MOUNT,
  storeOf,
} from './database';
import { STORE_NO_BACKUP, STORE_NO_BACKUP_EXIT, storeEnv } from './object-store';
import { ENVIRONMENT_LABEL } from '@trading/release-model';
import { nonRootPod, restrictedContainer } from './pod-security';

/**
 * Backups and point-in-time recovery of an environment's StatefulSet database (issue 30), as
 * PostgreSQL's manual describes them (25.3, continuous archiving): the server archives every WAL
 * segment to object storage (database.ts, ARCHIVE_SETTINGS; object-store.ts); a base backup is
 * taken by pg_basebackup and kept there too (before every deploy that migrates, and on demand); a
 * restore stops the server, puts the newest base backup finished before the target in place of the
 * data directory (the old one is moved aside, never deleted), and the server replays the archived
 * WAL up to the target at its next start, then promotes. This file is pure: the Jobs' specs and the
 * parsing of a target and of the Jobs' logs; the scripts are object-store.ts's;
 * act/cluster/database-recovery.ts runs them.
 */

/** A moment as a Job name and a folder name sort it: 20261205T073012Z. */
export const stamp = (at: Date): string =>
  at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

/** The base backup's folder: its time first, so the folders sort by age; then why it was taken. */
export function backupName(at: Date, reason: string): string {
  const why = reason
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  return `${stamp(at)}${why ? `-${why}` : ''}`;
}

/**
 * Pure: the moment a restore goes back to. An ISO 8601 time with its zone (`2026-12-05T07:30:00Z`,
 * `…+01:00`): without one it would mean the runner's zone, which differs between a laptop and CI.
 * It must lie in the past (the WAL after `now` does not exist yet).
 */
export function parseRestoreTarget(text: string, now: Date): Date {
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;
  if (!iso.test(text.trim()))
    throw new Error(`--to=${text} is not a time with its zone: say e.g. --to=${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} (UTC) or …+01:00`);
  const at = new Date(text.trim().replace(' ', 'T'));
  if (Number.isNaN(at.getTime())) throw new Error(`--to=${text} is not a valid time`);
  if (at.getTime() >= now.getTime()) throw new Error(`--to=${text} is not in the past (now is ${now.toISOString()}): a restore can only go back`);
  return at;
}

/** The target as recovery_target_time reads it, to the millisecond, in UTC. */
export const recoveryTime = (at: Date): string => `${at.toISOString().slice(0, 23).replace('T', ' ')}+00`;

const labels = (environment: string, component: string) => ({
  'app.kubernetes.io/name': `${DATABASE_NAME}-${component}`,
  'app.kubernetes.io/part-of': 'trading-platform',
  'app.kubernetes.io/managed-by': 'nx-gke-deploy',
  [ENVIRONMENT_LABEL]: environment,
});

export interface RecoveryJobOptions {
  environment: string;
  namespace: string;
  db: StatefulSetDatabase;
  timeoutSeconds: number;
}

const VOLUMES: Record<'data' | 'store', { volume: V1Volume; mount: V1VolumeMount }> = {
  data: { volume: { name: 'data', persistentVolumeClaim: { claimName: DATA_CLAIM } }, mount: { name: 'data', mountPath: DATA_MOUNT } },
  store: { volume: { name: 'store', configMap: { name: STORE_CONFIG_MAP } }, mount: { name: 'store', mountPath: STORE_MOUNT, readOnly: true } },
};

/**
 * One Job from the database's image (PostgreSQL's client tools, pg_basebackup, curl), non-root as
 * the server's user (who owns the data volume), read-only root, never retried (a failure is
 * reported, not repeated), a shell script with its inputs in the environment, the volumes it needs
 * (the store's scripts and address with them), and the server's address and password.
 */
function recoveryJob(
  o: RecoveryJobOptions,
  name: string,
  component: string,
  script: string,
  env: Record<string, string>,
  volumes: Array<'data' | 'store'>,
  /** The server's address, when not its Service (closed during a restore). */
  host = `${DATABASE_NAME}.${o.namespace}.svc`,
): V1Job {
  const jobLabels = labels(o.environment, component);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: o.namespace, labels: jobLabels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.timeoutSeconds,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: nonRootPod({ fsGroup: true }),
          ...(o.db.node ? { nodeSelector: { 'kubernetes.io/hostname': o.db.node } } : {}),
          containers: [
            {
              name: component,
              image: o.db.image,
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '-c', script],
              env: [
                { name: 'PGHOST', value: host },
                { name: 'PGPORT', value: String(DATABASE_PORT) },
                { name: 'PGUSER', value: DATABASE_USER },
                { name: 'PGDATABASE', value: DATABASE_DB },
                { name: 'PGCONNECT_TIMEOUT', value: '5' },
                { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: o.db.secret, key: SECRET_KEYS.password } } },
                ...Object.entries({ ...(volumes.includes('store') ? storeEnv(storeOf(o.namespace, o.db)) : {}), ...env }).map(([key, value]) => ({
                  name: key,
                  value,
                })),
              ],
              resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '256Mi' } },
              securityContext: restrictedContainer(),
              volumeMounts: [...volumes.map((v) => VOLUMES[v].mount), { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [...volumes.map((v) => VOLUMES[v].volume), { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** A base backup into the store (object-store.ts, STORE_BACKUP_SCRIPT), in the Job's scratch folder first. */
export function backupJob(o: RecoveryJobOptions, backup: string): V1Job {
  return recoveryJob(
    o,
    `${DATABASE_NAME}-backup-${backup.toLowerCase()}`.slice(0, 63).replace(/-+$/, ''),
    'backup',
    `sh ${STORE_MOUNT}/backup.sh`,
    { BACKUP: backup, KEEP: String(o.db.backupsKept), SCRATCH: '/tmp' },
    ['store'],
  );
}

/**
 * Before a restore stops the server: its current WAL segment closed and archived (pg_switch_wal,
 * then pg_stat_archiver until it is), so the archive reaches the moment the restore was asked.
 * A server that archives nothing (started before archiving was configured) is refused, named.
 */
export const WAL_SWITCH_SCRIPT = `set -eu
mode=$(psql -AtX -c "show archive_mode")
if [ "$mode" != on ]; then
  echo "archive_mode is $mode: this server archives no WAL, so there is nothing to recover from; a deploy of this version configures it" >&2
  exit 4
fi
# Every sequence's last value: after the recovery each is moved past it (sequencesJob), so no id
# handed out before the restore (a booking acknowledged after the target) is handed out again.
psql -AtX -c "select 'sequence ' || c.oid || ' ' || coalesce(pg_sequence_last_value(c.oid), 0) || ' ' || c.oid::regclass from pg_class c where c.relkind = 'S'"
wal=$(psql -AtX -c "select pg_walfile_name(pg_switch_wal())")
i=0
while [ "$i" -lt 60 ]; do
  last=$(psql -AtX -c "select coalesce(last_archived_wal, '') from pg_stat_archiver")
  if [ -n "$last" ] && [ "$(printf '%s\\n%s\\n' "$wal" "$last" | sort | tail -n 1)" = "$last" ]; then
    echo "archive: WAL up to $wal archived"
    exit 0
  fi
  i=$((i + 1))
  sleep 1
done
echo "archive: $wal was not archived within 60 s (last archived: \${last:-none}; last failed: $(psql -AtX -c "select coalesce(last_failed_wal, 'none') from pg_stat_archiver"))" >&2
exit 5
`;

/** A sequence as the WAL-switch Job records it: its oid (a physical restore keeps it), last value (a bigint, as text), name. */
export interface RecordedSequence {
  oid: string;
  value: string;
  name: string;
}

/** The sequences' last values the WAL-switch Job printed. */
export function recordedSequences(log: string): RecordedSequence[] {
  return [...log.matchAll(/^sequence (\d+) (\d+) (.+)$/gm)].map((m) => ({ oid: m[1], value: m[2], name: m[3] }));
}

/**
 * How far past its value before the restore each sequence is moved after it: the ids handed out
 * between the WAL switch and the server's stop (seconds) are not recorded, so a gap covers them.
 */
export const SEQUENCE_GAP = 1_000_000;

export const SEQUENCES_SCRIPT = `set -eu
printf '%s\\n' "$SEQUENCES" | while read -r oid value name; do
  [ -n "$oid" ] || continue
  now=$(psql -AtX -v ON_ERROR_STOP=1 -c "select setval($oid::oid::regclass, greatest(coalesce(pg_sequence_last_value($oid::oid), 0), $value) + $GAP)")
  echo "sequence $name: $now (it stood at $value before the restore)"
done
`;

/**
 * After a recovery: every sequence moved past its value before it (once per request: a rerun reuses
 * the Job). It reaches the server at `host`, the pod's address: the Service selects no pod until
 * this is done, so no service books an order with an id handed out before.
 */
export function sequencesJob(o: RecoveryJobOptions, request: string, sequences: RecordedSequence[], host: string): V1Job {
  return recoveryJob(
    o,
    `${DATABASE_NAME}-sequences-${request.toLowerCase()}`,
    'sequences',
    SEQUENCES_SCRIPT,
    { SEQUENCES: sequences.map((x) => `${x.oid} ${x.value} ${x.name}`).join('\n'), GAP: String(SEQUENCE_GAP) },
    [],
    host,
  );
}

export function walSwitchJob(o: RecoveryJobOptions, request: string): V1Job {
  return recoveryJob(o, `${DATABASE_NAME}-wal-switch-${request.toLowerCase()}`, 'wal-switch', WAL_SWITCH_SCRIPT, {}, []);
}

/** The restore Job's exit status when no base backup ended before the target: nothing was changed. */
export const NO_BACKUP_EXIT = STORE_NO_BACKUP_EXIT;
export const NO_BACKUP = STORE_NO_BACKUP;

export function restoreJob(o: RecoveryJobOptions, request: string, target: RestoreTarget): V1Job {
  const env: Record<string, string> =
    'time' in target
      ? { TARGET_KIND: 'time', TARGET: recoveryTime(target.time), TARGET_EPOCH: String(Math.floor(target.time.getTime() / 1000)) }
      : { TARGET_KIND: 'lsn', TARGET: target.mark.lsn, FROM_BACKUP: target.backup };
  return recoveryJob(
    o,
    `${DATABASE_NAME}-restore-${request.toLowerCase()}`,
    'restore',
    `sh ${STORE_MOUNT}/restore.sh`,
    { REQUEST: request, DATA_DIR: DATA_MOUNT, ...env },
    ['data', 'store'],
  );
}

/** What the restore Job's log says it used: the backup and where the old data went. */
export function restoreOutcome(log: string): { backup: string; aside: string } | null {
  const match = /restore \S+: (?:prepared[^:]*: \S+ (\S+) (\S+)|base backup (\S+) in place;.*kept in (\S+))$/m.exec(log);
  if (!match) return null;
  return { backup: match[1] ?? match[3], aside: match[2] ?? match[4] };
}

/** A base backup as the release history records it: its name, when it ended, where its WAL starts, its mark. */
// A backup's record is the release model's (libs/release-model): the history carries it.
export type { BackupRecord };

/** What the backup Job's log says about the backup it took (nothing when the log is gone). */
export function backupRecord(name: string, log: string): BackupRecord {
  const match = /^backup \S+: \d+ KiB in \d+ s; ended (\S+), WAL from ([0-9A-F]+\/[0-9A-F]+)(?:, mark (\S+) ([0-9A-F]+\/[0-9A-F]+))?$/m.exec(log);
  if (!match) return { name };
  return { name, at: match[1], lsn: match[2], ...(match[3] ? { mark: { at: match[3], lsn: match[4] } } : {}) };
}

/** The record alone (without a Job's timings): what the release history keeps. */
export const recordOf = ({ name, at, lsn, mark }: BackupRecord): BackupRecord => ({
  name,
  ...(at ? { at } : {}),
  ...(lsn ? { lsn } : {}),
  ...(mark ? { mark } : {}),
});

/** What a point-in-time recovery goes back to: a moment, or a backup's mark (its restore point). */
export type RestoreTarget = { time: Date } | { backup: string; mark: { lsn: string; at: string } };

export const describeTarget = (t: RestoreTarget): string =>
  'time' in t ? t.time.toISOString() : `the mark of backup ${t.backup} (${t.mark.lsn}, ${t.mark.at})`;
