#!/usr/bin/env bash
# The local PostgreSQL (Debian's postgresql-15) for the processes and tests on this machine: the
# integration, e2e, DAST and load tests' trading state, a throwaway database per test run.
#   bash tools/postgres/postgres.sh up|down|status
#   bash tools/postgres/postgres.sh createdb NAME | dropdb NAME | url [NAME]
# It listens on $POSTGRES_ADDR (.env; loopback only) with SCRAM passwords: role `trading` (a
# superuser of this throwaway cluster), its password generated at the first up and kept beside the
# data (mode 600); `url` prints the connection URL. Data: $POSTGRES_HOME (default: under the
# platform's cache folder, or /var/lib/trading-platform/postgres for root, whose home the server's
# own user cannot enter: PostgreSQL refuses to run as root, so root runs it as `postgres`).
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"

PG_VERSION=15
PG_BIN="/usr/lib/postgresql/$PG_VERSION/bin"
ADDR="$POSTGRES_ADDR" # .env
HOST="${ADDR%:*}" PORT="${ADDR##*:}"
if [ "$(id -u)" = 0 ]; then
  HOME_DIR="${POSTGRES_HOME:-/var/lib/trading-platform/postgres}"
  OWNER=postgres
else
  HOME_DIR="${POSTGRES_HOME:-$TRADING_HOME/postgres}"
  OWNER="$(id -un)"
fi
DATA="$HOME_DIR/data"
LOG="$HOME_DIR/postgres.log"
SECRET="$HOME_DIR/trading.password"
ROLE=trading

# As the server's owner: postgres when called by root, the caller otherwise.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi; }
password() { cat "$SECRET"; }
psql_() { PGPASSWORD="$(password)" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "$ROLE" "$@"; }
ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PORT"; }
# The server answering on $ADDR is the one of $DATA: its password is ours and it says so. Another
# user's or job's server on the port (act runs side-by-side jobs on one machine) is not ours.
ours() {
  local theirs
  [ -r "$SECRET" ] && theirs="$(psql_ -d postgres -Atc 'show data_directory' 2>/dev/null)" &&
    [ "$(realpath -m "$theirs")" = "$(realpath -m "$DATA")" ]
}
not_ours() { die "a PostgreSQL answers on $ADDR that is not this one (data $DATA): stop it, or give this one its own port (POSTGRES_ADDR=127.0.0.1:<port>)"; }
initialised() { [ -r "$SECRET" ] || die "no PostgreSQL initialised in $HOME_DIR: bash tools/stack.sh up postgres"; }
valid_name() { [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name '$1': lower-case letters, digits and _ only, at most 63"; }

install() {
  [ -x "$PG_BIN/postgres" ] || apt_install "postgresql-$PG_VERSION"
  [ -x "$PG_BIN/postgres" ] || die "postgresql-$PG_VERSION installed no $PG_BIN/postgres"
}

init() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  step "PostgreSQL $PG_VERSION: a new cluster in $DATA"
  mkdir -p "$HOME_DIR"
  chown "$OWNER" "$HOME_DIR"
  chmod 700 "$HOME_DIR"
  local pwfile
  pwfile="$(mktemp "$HOME_DIR/.pw.XXXXXX")"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$pwfile"
  chown "$OWNER" "$pwfile"
  as_owner "$PG_BIN/initdb" -D "$DATA" -U "$ROLE" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$HOME_DIR/initdb.log" 2>&1 ||
    { cat "$HOME_DIR/initdb.log" >&2; rm -f "$pwfile"; die "initdb failed (log above)"; }
  mv "$pwfile" "$SECRET"
  chmod 600 "$SECRET"
  # Loopback only; the socket in the data home, not /var/run/postgresql (root's, or absent).
  cat >>"$DATA/postgresql.conf" <<CONF
# tools/postgres/postgres.sh
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$HOME_DIR'
max_connections = 200
fsync = on
CONF
}

up() {
  if [ -x "$PG_BIN/pg_isready" ] && ready; then
    ours || not_ours
    echo "postgres: already up on $ADDR"
    return 0
  fi
  # One bring-up of a server (its port) at a time: tests call this side by side (four cargo tests
  # at once found two starting the server together, and one failed). Held until this shell exits;
  # the server itself must not inherit it (see the start below), or it would hold it for its life.
  mkdir -p "$TRADING_HOME/locks"
  local lock="$TRADING_HOME/locks/postgres-up-$PORT.lock"
  exec 9>"$lock"
  flock -w 300 9 || die "another bring-up of PostgreSQL on port $PORT held its lock for 300 s ($lock)"
  install
  init
  if ready; then
    ours || not_ours
    echo "postgres: already up on $ADDR"
    return 0
  fi
  if listening "$ADDR"; then die "port $PORT is in use by something that is not this PostgreSQL: free it or set POSTGRES_ADDR=127.0.0.1:<port>"; fi
  as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-c listen_addresses=$HOST -c port=$PORT" start >/dev/null 9>&- ||
    { tail -n 20 "$LOG" >&2 || true; die "PostgreSQL did not start (log: $LOG)"; }
  echo "postgres: up on $ADDR ($("$PG_BIN/postgres" --version | awk '{print $3}'), data $DATA)"
}

down() {
  if [ -f "$DATA/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    echo "postgres: stopped"
  else
    echo "postgres: not running"
  fi
}

status() {
  if ready && ! ours; then
    echo "postgres: another PostgreSQL answers on $ADDR (not this one, data $DATA)"
    return 1
  elif ready; then
    echo "postgres: up on $ADDR, $(psql_ -d postgres -Atc "select count(*) from pg_database where not datistemplate") database(s), data $DATA"
  else
    echo "postgres: down"
    return 1
  fi
}

url() {
  initialised
  echo "postgresql://$ROLE:$(password)@$ADDR/${1:-postgres}"
}

ensure_up() {
  initialised
  ready || die "PostgreSQL is not up on $ADDR: bash tools/stack.sh up postgres"
  ours || not_ours
}

# Under the stack's lock (lib.sh's stack_locked), as tools/stack.sh runs it.
case "${1:-}" in up|down) stack_locked "$0" "$@" ;; esac
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  url) url "${2:-postgres}" ;;
  createdb)
    [ -n "${2:-}" ] || die "usage: postgres.sh createdb NAME"
    valid_name "$2"
    ensure_up
    psql_ -d postgres -c "create database \"$2\"" >/dev/null
    echo "postgres: database $2 created ($(url "$2" | sed 's/:[^:@]*@/:***@/'))"
    ;;
  dropdb)
    [ -n "${2:-}" ] || die "usage: postgres.sh dropdb NAME"
    valid_name "$2"
    ensure_up
    psql_ -d postgres -c "drop database if exists \"$2\" with (force)" >/dev/null
    echo "postgres: database $2 dropped"
    ;;
  *) die "usage: tools/postgres/postgres.sh up|down|status|url [NAME]|createdb NAME|dropdb NAME" ;;
esac
