#!/bin/sh
# The environment's PostgreSQL server in its pod (trading-base/postgres:15; the StatefulSet the
# deploy applies, tools/nx-plugin/src/release/config/database.ts). The first start initialises the data
# directory with the password from the environment's Secret (SCRAM) and the database; every later
# start sets the role's password from the Secret again; then the server runs in the foreground as
# the image's non-root user. Its arguments go to postgres (the StatefulSet's WAL archiving settings).
set -eu
: "${PGDATA:?PGDATA is not set}"
: "${POSTGRES_USER:=trading}"
: "${POSTGRES_DB:=trading}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "trading-postgres: POSTGRES_PASSWORD is not set (the environment's Secret): cannot initialise $PGDATA" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  postgres --single -D "$PGDATA" -c unix_socket_directories=/tmp postgres <<SQL >/dev/null
CREATE DATABASE "$POSTGRES_DB" OWNER "$POSTGRES_USER";
SQL
  echo "trading-postgres: initialised $PGDATA with database $POSTGRES_DB"
elif [ -f "$PGDATA/recovery.signal" ]; then
  # A point-in-time recovery prepared by the restore Job: the archive's WAL is replayed by the
  # server itself (single-user mode would not stop at the target). The password is set next start.
  echo "trading-postgres: recovery.signal present: replaying the archived WAL to the restore's target"
elif [ -n "${POSTGRES_PASSWORD:-}" ]; then
  # The Secret is the password's authority: a cluster made again over the kept volume has a new
  # Secret, and its services would be refused by their own database. Set before the server listens
  # (single-user mode, the password on stdin, never on a command line).
  quoted="$(printf '%s' "$POSTGRES_PASSWORD" | sed "s/'/''/g")"
  printf 'ALTER ROLE "%s" PASSWORD '"'"'%s'"'"';\n' "$POSTGRES_USER" "$quoted" |
    postgres --single -D "$PGDATA" -c unix_socket_directories=/tmp postgres >/dev/null
fi
# The base backups connect for replication (pg_basebackup from a Job): a volume initialised before
# that was possible gets the line once.
grep -q '^host replication all all ' "$PGDATA/pg_hba.conf" || echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
# The pod's stop (SIGTERM) becomes PostgreSQL's fast shutdown (SIGINT): its own SIGTERM is the smart
# shutdown, which waits for every session to end, and the services' pools stay connected, so a
# pod's deletion took the whole grace period (measured: 33 s) before the kubelet killed it.
postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql \
  -c max_connections="${POSTGRES_MAX_CONNECTIONS:-100}" -c shared_buffers=64MB "$@" &
server=$!
trap 'kill -INT "$server"' TERM INT
status=0
wait "$server" || status=$?
# A trapped signal ends the first wait early: wait for the server's own exit.
if kill -0 "$server" 2>/dev/null; then
  status=0
  wait "$server" || status=$?
fi
exit "$status"
