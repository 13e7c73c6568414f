/**
 * Object storage for the database's WAL archive and base backups (issue 30), through the GCS JSON
 * API, as wal-g and pgBackRest keep theirs: Cloud Storage on GKE (a bearer token from the metadata
 * server, i.e. the pod's Workload Identity), the local fake-gcs-server elsewhere (no token). Pure:
 * the shell the server's archive_command and restore_command and the backup and restore Jobs run
 * (sh and curl, both in the database image); the StatefulSet and the Jobs mount it from a ConfigMap.
 *
 * Every object is written once: an upload asks for "only if it does not exist yet"
 * (ifGenerationMatch=0), and one that exists already counts as done only if its bytes are the same
 * (PostgreSQL retries an archive_command whose success it did not see), so nothing in the archive
 * is ever overwritten.
 */

/** Where an environment's database keeps its archive: the bucket, and a prefix of its own in it. */
export interface ObjectStore {
  /** The JSON API's base URL: https://storage.googleapis.com on GCP, the emulator's locally. */
  endpoint: string;
  bucket: string;
  /** The objects' common prefix (the namespace, so environments may share a bucket). */
  prefix: string;
  /** GKE's metadata server's token URL; none for the emulator. */
  tokenUrl?: string;
}

export const METADATA_TOKEN_URL = 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';

/** The environment a script below reads its store from. */
export function storeEnv(store: ObjectStore): Record<string, string> {
  return {
    GCS_ENDPOINT: store.endpoint.replace(/\/+$/, ''),
    GCS_BUCKET: store.bucket,
    GCS_PREFIX: store.prefix,
    ...(store.tokenUrl ? { GCS_TOKEN_URL: store.tokenUrl } : {}),
  };
}

/**
 * Shell functions over the JSON API (sourced by the scripts below). Object names are ours
 * (`<prefix>/wal/<segment>`, `<prefix>/base/<backup>/<file>`): letters, digits, `._-/`, so `/` is
 * the only character a URL path needs encoded, and a listing's names can be read with sed.
 */
export const GCS_FUNCTIONS = `gcs_tmp=$(mktemp -d "\${TMPDIR:-/tmp}/gcs.XXXXXX")
trap 'rm -rf "$gcs_tmp"' EXIT
gcs_header() {
  if [ -n "\${GCS_TOKEN_URL:-}" ]; then
    token=$(curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' "$GCS_TOKEN_URL" | sed -n 's/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p')
    if [ -z "$token" ]; then echo "gcs: no access token from $GCS_TOKEN_URL" >&2; return 1; fi
    printf 'Authorization: Bearer %s' "$token"
  else
    printf 'X-Trading-Store: emulator'
  fi
}
gcs_path() { printf '%s' "$1" | sed 's#/#%2F#g'; }
# gcs_get OBJECT FILE: 0 with FILE written; 1 when there is no such object; 2 on any other failure.
gcs_get() {
  h=$(gcs_header) || return 2
  code=$(curl -sS --max-time 300 -H "$h" -o "$2.part" -w '%{http_code}' "$GCS_ENDPOINT/storage/v1/b/$GCS_BUCKET/o/$(gcs_path "$1")?alt=media") || { rm -f "$2.part"; return 2; }
  case "$code" in
    200) mv "$2.part" "$2" ;;
    404) rm -f "$2.part"; return 1 ;;
    *) echo "gcs: download of $1 answered HTTP $code: $(head -c 300 "$2.part")" >&2; rm -f "$2.part"; return 2 ;;
  esac
}
# gcs_put_new FILE OBJECT: uploaded unless it exists; existing with the same bytes is done, with
# other bytes a failure (nothing is overwritten).
gcs_put_new() {
  h=$(gcs_header) || return 1
  code=$(curl -sS --max-time 300 -o "$gcs_tmp/put.out" -w '%{http_code}' -X POST -H "$h" -H 'Content-Type: application/octet-stream' \\
    --data-binary @"$1" "$GCS_ENDPOINT/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=media&ifGenerationMatch=0&name=$(gcs_path "$2")") || return 1
  case "$code" in
    200) return 0 ;;
    412)
      if gcs_get "$2" "$gcs_tmp/existing" && cmp -s "$gcs_tmp/existing" "$1"; then return 0; fi
      echo "gcs: $2 exists with other content: not overwritten" >&2
      return 1 ;;
    *) echo "gcs: upload of $2 answered HTTP $code: $(head -c 300 "$gcs_tmp/put.out")" >&2; return 1 ;;
  esac
}
# gcs_list PREFIX: the names under PREFIX, one a line, sorted, every page of the listing.
gcs_list() {
  page=""
  while :; do
    h=$(gcs_header) || return 1
    curl -sSf --max-time 60 -H "$h" -o "$gcs_tmp/list.json" \\
      "$GCS_ENDPOINT/storage/v1/b/$GCS_BUCKET/o?prefix=$(gcs_path "$1")&maxResults=\${GCS_PAGE_SIZE:-1000}\${page:+&pageToken=$page}" || return 1
    tr ',{}' '\\n\\n\\n' < "$gcs_tmp/list.json" | sed -n 's/^ *"name" *: *"\\([^"]*\\)" *$/\\1/p'
    page=$(tr ',{}' '\\n\\n\\n' < "$gcs_tmp/list.json" | sed -n 's/^ *"nextPageToken" *: *"\\([^"]*\\)" *$/\\1/p' | sed 's#+#%2B#g; s#/#%2F#g; s#=#%3D#g')
    [ -n "$page" ] || return 0
  done | sort
}
# gcs_delete OBJECT: gone afterwards (also when it was gone before).
gcs_delete() {
  h=$(gcs_header) || return 1
  code=$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' -X DELETE -H "$h" "$GCS_ENDPOINT/storage/v1/b/$GCS_BUCKET/o/$(gcs_path "$1")") || return 1
  case "$code" in 200 | 204 | 404) return 0 ;; *) echo "gcs: delete of $1 answered HTTP $code" >&2; return 1 ;; esac
}
`;

/** archive_command: `sh <this> %p %f` copies one finished WAL segment (or history file) to the store. */
export const WAL_ARCHIVE_SCRIPT = `set -u
. "$(dirname "$0")/gcs.sh"
gcs_put_new "$1" "$GCS_PREFIX/wal/$2"
`;

/**
 * restore_command: `sh <this> %f %p` fetches one from the store; non-zero when it does not exist
 * (PostgreSQL's "no such file": the end of the archive) or cannot be read. PostgreSQL (13 and later)
 * refuses to promote when the archive ends before the recovery target, so a store that fails
 * mid-recovery fails the restore (rerun it), never takes the database to an earlier point.
 */
export const WAL_RESTORE_SCRIPT = `set -u
. "$(dirname "$0")/gcs.sh"
gcs_get "$GCS_PREFIX/wal/$1" "$2"
`;

/**
 * A base backup into the store, from a Job (database-recovery.ts): pg_basebackup (tar, compressed,
 * its WAL streamed, a fast checkpoint) into the Job's scratch folder, then the mark (a restore
 * point named as the backup, after it, with the server's clock before it), then the uploads: the
 * two tars, and last `summary`, which makes it a backup (one without is an interrupted run, never
 * restored from). Then the retention: the newest `KEEP` backups stay; older ones go, and with them
 * the archived WAL only they needed (what pg_archivecleanup does, by segment name). A rerun of a
 * finished backup prints its summary and does nothing.
 */
export const STORE_BACKUP_SCRIPT = `set -eu
. "$(dirname "$0")/gcs.sh"
base="$GCS_PREFIX/base/$BACKUP"
if gcs_get "$base/summary" "$gcs_tmp/summary"; then
  echo "backup $BACKUP: taken before"
  head -n 1 "$gcs_tmp/summary"
  exit 0
fi
work="\${SCRATCH:-/tmp}/backup-$BACKUP"
rm -rf "$work"
mkdir -p "$work"
started=$(date -u +%s)
pg_basebackup --pgdata="$work" --format=tar --gzip --wal-method=stream --checkpoint=fast --label="$BACKUP" --no-password
ended=$(date -u +%s)
label=$(tar -xzOf "$work/base.tar.gz" backup_label)
wal=$(printf '%s\\n' "$label" | sed -n 's/^START WAL LOCATION: \\([0-9A-F]*\\/[0-9A-F]*\\).*/\\1/p')
segment=$(printf '%s\\n' "$label" | sed -n 's/^START WAL LOCATION: .*(file \\([0-9A-F]*\\)).*/\\1/p')
mark=$(psql -AtX -F ' ' -c "select replace(to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD HH24:MI:SS.MS'), ' ', 'T') || 'Z', pg_create_restore_point('$BACKUP')")
gcs_put_new "$work/base.tar.gz" "$base/base.tar.gz"
gcs_put_new "$work/pg_wal.tar.gz" "$base/pg_wal.tar.gz"
{
  echo "backup $BACKUP: $(du -sk "$work" | cut -f1) KiB in $((ended - started)) s; ended $(date -u -d "@$ended" +%Y-%m-%dT%H:%M:%SZ), WAL from \${wal:-unknown}, mark $mark"
  echo "ended-at $ended"
  echo "segment $segment"
} > "$work/summary"
gcs_put_new "$work/summary" "$base/summary"
head -n 1 "$work/summary"
rm -rf "$work"
backups=$(gcs_list "$GCS_PREFIX/base/" | sed -n "s#^$GCS_PREFIX/base/\\([^/]*\\)/summary\\$#\\1#p")
for old in $(printf '%s\\n' "$backups" | head -n "-$KEEP"); do
  for object in $(gcs_list "$GCS_PREFIX/base/$old/"); do gcs_delete "$object"; done
  echo "backup $old: removed (the newest $KEEP are kept)"
done
oldest=$(printf '%s\\n' "$backups" | tail -n "$KEEP" | head -n 1)
if [ -n "$oldest" ] && gcs_get "$GCS_PREFIX/base/$oldest/summary" "$gcs_tmp/oldest"; then
  first=$(sed -n 's/^segment //p' "$gcs_tmp/oldest")
  removed=0
  # As pg_archivecleanup: a segment before the oldest kept backup's first, whatever its timeline
  # (the name's first 8 digits); timeline history files stay.
  for object in $(gcs_list "$GCS_PREFIX/wal/"); do
    name=\${object##*/}
    case "$name" in *.history) continue ;; esac
    if [ -n "$first" ] && [ "$(printf '%s\\n%s\\n' "$(printf '%s' "$name" | cut -c9-24)" "$(printf '%s' "$first" | cut -c9-24)" | sort | head -n 1)" != "$(printf '%s' "$first" | cut -c9-24)" ]; then
      gcs_delete "$object"
      removed=$((removed + 1))
    fi
  done
  echo "archive: $removed WAL file(s) before backup $oldest removed"
fi
`;

/** The restore Job's exit status when no base backup ended before the target: nothing was changed. */
export const STORE_NO_BACKUP_EXIT = 3;
export const STORE_NO_BACKUP = 'no base backup finished before';

/**
 * With the server stopped: the newest base backup in the store that ended before the target (or
 * the one named, for a recovery to its mark) is downloaded and unpacked into `pgdata.restoring`,
 * with the recovery settings (WAL from the store, the target, promote when reached, no sessions
 * until then) and recovery.signal; then the live data directory is moved aside to
 * `pgdata.before-restore-<request>` (kept: the operator removes it once satisfied) and the prepared
 * one takes its place. Each step can be rerun: a prepared request is recognised by its marker, an
 * interrupted swap finished. DATA_DIR is the data volume's mount.
 */
export const STORE_RESTORE_SCRIPT = `set -eu
. "$(dirname "$0")/gcs.sh"
data=\${DATA_DIR:-/var/lib/postgresql/data}
scripts=$(cd "$(dirname "$0")" && pwd)
if [ -f "$data/pgdata/trading-restore" ] && [ "$(cut -d' ' -f1 "$data/pgdata/trading-restore")" = "$REQUEST" ]; then
  echo "restore $REQUEST: prepared before: $(cat "$data/pgdata/trading-restore")"
  exit 0
fi
if [ ! -e "$data/pgdata" ] && [ -f "$data/pgdata.restoring/trading-restore" ]; then
  mv "$data/pgdata.restoring" "$data/pgdata"
  echo "restore $REQUEST: prepared (an interrupted run finished): $(cat "$data/pgdata/trading-restore")"
  exit 0
fi
held=$(gcs_list "$GCS_PREFIX/base/" | sed -n "s#^$GCS_PREFIX/base/\\([^/]*\\)/summary\\$#\\1#p")
backup=""
if [ -n "\${FROM_BACKUP:-}" ]; then
  if ! printf '%s\\n' "$held" | grep -qx "$FROM_BACKUP"; then
    echo "${STORE_NO_BACKUP} $TARGET: base backup $FROM_BACKUP, whose mark it is, is not in the store (removed by the retention? it holds: $(echo $held)): nothing was changed" >&2
    exit ${STORE_NO_BACKUP_EXIT}
  fi
  backup="$FROM_BACKUP"
else
  for name in $(printf '%s\\n' "$held" | sort -r); do
    gcs_get "$GCS_PREFIX/base/$name/summary" "$gcs_tmp/summary" || continue
    if [ "$(sed -n 's/^ended-at //p' "$gcs_tmp/summary")" -le "$TARGET_EPOCH" ]; then
      backup="$name"
      break
    fi
  done
fi
if [ -z "$backup" ]; then
  echo "${STORE_NO_BACKUP} $TARGET (the store holds: $(echo $held)): nothing was changed" >&2
  exit ${STORE_NO_BACKUP_EXIT}
fi
rm -rf "$data/pgdata.restoring" "$data/restore-download"
mkdir -m 700 "$data/pgdata.restoring"
mkdir "$data/restore-download"
for f in base.tar.gz pg_wal.tar.gz; do
  if ! gcs_get "$GCS_PREFIX/base/$backup/$f" "$data/restore-download/$f"; then
    echo "restore $REQUEST: could not download $f of base backup $backup: nothing was changed" >&2
    exit 4
  fi
done
tar -xzf "$data/restore-download/base.tar.gz" -C "$data/pgdata.restoring"
tar -xzf "$data/restore-download/pg_wal.tar.gz" -C "$data/pgdata.restoring/pg_wal"
rm -rf "$data/restore-download"
# A backup taken after an earlier restore carries that restore's settings: PostgreSQL refuses two
# recovery targets, so they go before this one's are written.
sed -i '/^# point-in-time recovery /d; /^restore_command = /d; /^recovery_target/d; /^hot_standby = /d' "$data/pgdata.restoring/postgresql.auto.conf"
cat >> "$data/pgdata.restoring/postgresql.auto.conf" <<EOF
# point-in-time recovery $REQUEST (the restore Job, from base backup $backup)
restore_command = 'sh $scripts/wal-restore.sh %f %p'
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

/** The ConfigMap's files: mounted at the same path in the server and in the Jobs. */
export const STORE_SCRIPTS: Record<string, string> = {
  'gcs.sh': GCS_FUNCTIONS,
  'wal-archive.sh': WAL_ARCHIVE_SCRIPT,
  'wal-restore.sh': WAL_RESTORE_SCRIPT,
  'backup.sh': STORE_BACKUP_SCRIPT,
  'restore.sh': STORE_RESTORE_SCRIPT,
};
