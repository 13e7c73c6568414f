import type { V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  ARCHIVE_CLAIM,
  ARCHIVE_MOUNT,
  DATA_CLAIM,
  DATA_MOUNT,
  DATABASE_DB,
  DATABASE_NAME,
  DATABASE_PORT,
  DATABASE_USER,
  SECRET_KEYS,
  type StatefulSetDatabase,
} from './database';
import { ENVIRONMENT_LABEL } from '../status/labels';

/**
 * Backups and point-in-time recovery of an environment's StatefulSet database (issue 30), as
 * PostgreSQL's manual describes them (25.3, continuous archiving): the server archives every WAL
 * segment into the archive volume (database.ts, ARCHIVE_SETTINGS); a base backup is taken by
 * pg_basebackup into the same volume (before every deploy that migrates, and on demand); a restore
 * stops the server, puts the newest base backup finished before the target in place of the data
 * directory (the old one is moved aside, never deleted), and the server replays the archived WAL up
 * to the target at its next start, then promotes. This file is pure: the Jobs' specs, their
 * scripts and the parsing of a target; act/cluster/database-recovery.ts runs them.
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

const VOLUMES: Record<'data' | 'archive', { volume: V1Volume; mount: V1VolumeMount }> = {
  data: { volume: { name: 'data', persistentVolumeClaim: { claimName: DATA_CLAIM } }, mount: { name: 'data', mountPath: DATA_MOUNT } },
  archive: { volume: { name: 'archive', persistentVolumeClaim: { claimName: ARCHIVE_CLAIM } }, mount: { name: 'archive', mountPath: ARCHIVE_MOUNT } },
};

/**
 * One Job from the database's image (PostgreSQL's client tools, pg_basebackup, pg_archivecleanup),
 * non-root as the server's user (who owns both volumes), read-only root, never retried (a failure
 * is reported, not repeated), a shell script with its inputs in the environment, the volumes it
 * needs, and the server's address and password for the ones that connect.
 */
function recoveryJob(
  o: RecoveryJobOptions,
  name: string,
  component: string,
  script: string,
  env: Record<string, string>,
  volumes: Array<'data' | 'archive'>,
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
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          ...(o.db.node ? { nodeSelector: { 'kubernetes.io/hostname': o.db.node } } : {}),
          containers: [
            {
              name: component,
              image: o.db.image,
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '-c', script],
              env: [
                { name: 'PGHOST', value: `${DATABASE_NAME}.${o.namespace}.svc` },
                { name: 'PGPORT', value: String(DATABASE_PORT) },
                { name: 'PGUSER', value: DATABASE_USER },
                { name: 'PGDATABASE', value: DATABASE_DB },
                { name: 'PGCONNECT_TIMEOUT', value: '5' },
                { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: o.db.secret, key: SECRET_KEYS.password } } },
                ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
              ],
              resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [...volumes.map((v) => VOLUMES[v].mount), { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [...volumes.map((v) => VOLUMES[v].volume), { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/**
 * A base backup into the archive volume (pg_basebackup: tar, compressed, its own WAL streamed in,
 * a fast checkpoint), written under `<name>.partial` and renamed when complete, with the moments it
 * started and ended: a restore uses a backup only for targets after its end. Then the retention:
 * the newest `backupsKept` backups stay, older ones go, and with them the archived WAL that only
 * they needed (pg_archivecleanup from the oldest kept backup's history file). A rerun of a finished
 * backup does nothing.
 */
export const BACKUP_SCRIPT = `set -eu
base=${ARCHIVE_MOUNT}/base
dir="$base/$BACKUP"
if [ -f "$dir/ended-at" ]; then echo "backup $BACKUP: taken before"; cat "$dir/summary" 2>/dev/null || true; exit 0; fi
mkdir -p "$base"
rm -rf "$dir.partial"
mkdir -p "$dir.partial"
started=$(date -u +%s)
pg_basebackup --pgdata="$dir.partial" --format=tar --gzip --wal-method=stream --checkpoint=fast --label="$BACKUP" --no-password
ended=$(date -u +%s)
echo "$started" > "$dir.partial/started-at"
echo "$ended" > "$dir.partial/ended-at"
# Where its WAL starts (the backup_label pg_basebackup wrote into the tar): the history records it.
wal=$(tar -xzOf "$dir.partial/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: \\([0-9A-F]*\\/[0-9A-F]*\\).*/\\1/p')
echo "$wal" > "$dir.partial/wal-start"
# The mark a rollback across an irreversible migration recovers to: a named restore point written
# after the backup ended (so the backup can reach it), and the server's clock just before it.
mark=$(psql -AtX -F ' ' -c "select replace(to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD HH24:MI:SS.MS'), ' ', 'T') || 'Z', pg_create_restore_point('$BACKUP')")
mv "$dir.partial" "$dir"
echo "backup $BACKUP: $(du -sk "$dir" | cut -f1) KiB in $((ended - started)) s; ended $(date -u -d "@$ended" +%Y-%m-%dT%H:%M:%SZ), WAL from \${wal:-unknown}, mark $mark" | tee "$dir/summary"
complete=$(ls -1 "$base" | grep -v '[.]partial$' | sort)
for old in $(printf '%s\\n' "$complete" | head -n "-$KEEP"); do
  rm -rf "\${base:?}/$old"
  echo "backup $old: removed (the newest $KEEP are kept)"
done
oldest=$(printf '%s\\n' "$complete" | tail -n "$KEEP" | head -n 1)
history=$(grep -l "^LABEL: $oldest\\$" ${ARCHIVE_MOUNT}/wal/*.backup 2>/dev/null | sort | tail -n 1 || true)
if [ -n "$history" ]; then
  pg_archivecleanup ${ARCHIVE_MOUNT}/wal "$(basename "$history")"
  echo "archive: the WAL before backup $oldest removed"
fi
`;

export function backupJob(o: RecoveryJobOptions, backup: string): V1Job {
  return recoveryJob(
    o,
    `${DATABASE_NAME}-backup-${backup.toLowerCase()}`.slice(0, 63).replace(/-+$/, ''),
    'backup',
    BACKUP_SCRIPT,
    { BACKUP: backup, KEEP: String(o.db.backupsKept) },
    ['archive'],
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

/** After a recovery: every sequence moved past its value before it (once per request: a rerun reuses the Job). */
export function sequencesJob(o: RecoveryJobOptions, request: string, sequences: RecordedSequence[]): V1Job {
  return recoveryJob(
    o,
    `${DATABASE_NAME}-sequences-${request.toLowerCase()}`,
    'sequences',
    SEQUENCES_SCRIPT,
    { SEQUENCES: sequences.map((x) => `${x.oid} ${x.value} ${x.name}`).join('\n'), GAP: String(SEQUENCE_GAP) },
    [],
  );
}

export function walSwitchJob(o: RecoveryJobOptions, request: string): V1Job {
  return recoveryJob(o, `${DATABASE_NAME}-wal-switch-${request.toLowerCase()}`, 'wal-switch', WAL_SWITCH_SCRIPT, {}, []);
}

/** The restore Job's exit status when no base backup ended before the target: nothing was changed. */
export const NO_BACKUP_EXIT = 3;
export const NO_BACKUP = 'no base backup finished before';

/**
 * With the server stopped: the newest base backup that ended before the target is unpacked into
 * `pgdata.restoring`, with the recovery settings (the archive's WAL, the target, promote when
 * reached, no sessions until then) and recovery.signal; then the live data directory is moved
 * aside to `pgdata.before-restore-<request>` (kept: the operator removes it once satisfied) and the
 * prepared one takes its place. Each step can be rerun: a prepared request is recognised by its
 * marker, an interrupted swap finished.
 */
export const RESTORE_SCRIPT = `set -eu
data=${DATA_MOUNT}
archive=${ARCHIVE_MOUNT}
if [ -f "$data/pgdata/trading-restore" ] && [ "$(cut -d' ' -f1 "$data/pgdata/trading-restore")" = "$REQUEST" ]; then
  echo "restore $REQUEST: prepared before: $(cat "$data/pgdata/trading-restore")"
  exit 0
fi
if [ ! -e "$data/pgdata" ] && [ -f "$data/pgdata.restoring/trading-restore" ]; then
  mv "$data/pgdata.restoring" "$data/pgdata"
  echo "restore $REQUEST: prepared (an interrupted run finished): $(cat "$data/pgdata/trading-restore")"
  exit 0
fi
backup=""
if [ -n "\${FROM_BACKUP:-}" ]; then
  if [ ! -f "$archive/base/$FROM_BACKUP/ended-at" ]; then
    echo "${NO_BACKUP} $TARGET: base backup $FROM_BACKUP, whose mark it is, is not in the archive (removed by the retention? it holds: $(ls -1 "$archive/base" 2>/dev/null | tr '\\n' ' ')): nothing was changed" >&2
    exit ${NO_BACKUP_EXIT}
  fi
  backup="$FROM_BACKUP"
fi
for dir in $(if [ -z "$backup" ]; then ls -1 "$archive/base" 2>/dev/null | grep -v '[.]partial$' | sort -r; fi); do
  if [ -f "$archive/base/$dir/ended-at" ] && [ "$(cat "$archive/base/$dir/ended-at")" -le "$TARGET_EPOCH" ]; then
    backup="$dir"
    break
  fi
done
if [ -z "$backup" ]; then
  echo "${NO_BACKUP} $TARGET (the archive holds: $(ls -1 "$archive/base" 2>/dev/null | tr '\\n' ' ')): nothing was changed" >&2
  exit ${NO_BACKUP_EXIT}
fi
rm -rf "$data/pgdata.restoring"
mkdir -m 700 "$data/pgdata.restoring"
tar -xzf "$archive/base/$backup/base.tar.gz" -C "$data/pgdata.restoring"
tar -xzf "$archive/base/$backup/pg_wal.tar.gz" -C "$data/pgdata.restoring/pg_wal"
# A backup taken after an earlier restore carries that restore's settings: PostgreSQL refuses two
# recovery targets, so they go before this one's are written.
sed -i '/^# point-in-time recovery /d; /^restore_command = /d; /^recovery_target/d; /^hot_standby = /d' "$data/pgdata.restoring/postgresql.auto.conf"
cat >> "$data/pgdata.restoring/postgresql.auto.conf" <<EOF
# point-in-time recovery $REQUEST (the restore Job, from base backup $backup)
restore_command = 'cp $archive/wal/%f %p'
recovery_target_$TARGET_KIND = '$TARGET'
recovery_target_action = 'promote'
hot_standby = off
EOF
touch "$data/pgdata.restoring/recovery.signal"
aside="$data/pgdata.before-restore-$REQUEST"
echo "$REQUEST $backup $aside" > "$data/pgdata.restoring/trading-restore"
if [ -e "$data/pgdata" ]; then mv "$data/pgdata" "$aside"; fi
mv "$data/pgdata.restoring" "$data/pgdata"
echo "restore $REQUEST: base backup $backup in place; the server replays the archived WAL to $TARGET at its start; the data from before is kept in $aside"
`;

export function restoreJob(o: RecoveryJobOptions, request: string, target: RestoreTarget): V1Job {
  const env: Record<string, string> =
    'time' in target
      ? { TARGET_KIND: 'time', TARGET: recoveryTime(target.time), TARGET_EPOCH: String(Math.floor(target.time.getTime() / 1000)) }
      : { TARGET_KIND: 'lsn', TARGET: target.mark.lsn, FROM_BACKUP: target.backup };
  return recoveryJob(o, `${DATABASE_NAME}-restore-${request.toLowerCase()}`, 'restore', RESTORE_SCRIPT, { REQUEST: request, ...env }, ['data', 'archive']);
}

/** What the restore Job's log says it used: the backup and where the old data went. */
export function restoreOutcome(log: string): { backup: string; aside: string } | null {
  const match = /restore \S+: (?:prepared[^:]*: \S+ (\S+) (\S+)|base backup (\S+) in place;.*kept in (\S+))$/m.exec(log);
  if (!match) return null;
  return { backup: match[1] ?? match[3], aside: match[2] ?? match[4] };
}

/** A base backup as the release history records it: its name, when it ended, where its WAL starts, its mark. */
export interface BackupRecord {
  name: string;
  /** When it ended (ISO 8601): a restore to any moment after it can start from it. */
  at?: string;
  /** Its WAL start location (LSN), as PostgreSQL writes it. */
  lsn?: string;
  /** The restore point written after it (named as the backup): what a recovery to "before this deploy" stops at. */
  mark?: { lsn: string; at: string };
}

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
