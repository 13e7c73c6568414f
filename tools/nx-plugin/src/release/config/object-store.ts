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

/** The ConfigMap's files: mounted at the same path in the server and in the Jobs. */
export const STORE_SCRIPTS: Record<string, string> = {
  'gcs.sh': GCS_FUNCTIONS,
  'wal-archive.sh': WAL_ARCHIVE_SCRIPT,
  'wal-restore.sh': WAL_RESTORE_SCRIPT,
};
