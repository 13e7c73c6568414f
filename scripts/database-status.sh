#!/usr/bin/env bash
# One line on an environment's database (the StatefulSet the deploy ensures): the server's version,
# the database's size, its connections, and the trading state it holds (the synthetic instrument's
# orders, which the deploy analysis' load writes, counted apart). The main job's summary
# prints it; operators can run it against any namespace.
#   bash scripts/database-status.sh [namespace] [context]    default: trading-staging, the local cluster
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
NAMESPACE="${1:-trading-staging}"
CONTEXT="${2:-$LOCAL_CLUSTER_CONTEXT}"
SQL="SELECT 'PostgreSQL ' || current_setting('server_version') || ', '
  || pg_size_pretty(pg_database_size(current_database())) || ', '
  || (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) || ' connections; '
  || (SELECT count(*) FROM engine_orders WHERE instrument NOT LIKE '%.SYNTHETIC') || ' orders booked ('
  || (SELECT count(*) FROM engine_orders WHERE instrument LIKE '%.SYNTHETIC') || ' synthetic, by the analysis load), '
  || (SELECT coalesce(sum(resting_bids + resting_asks), 0) FROM engine_instruments) || ' resting, '
  || (SELECT count(*) FROM engine_trades) || ' trades, '
  || (SELECT coalesce(sum(pending), 0) FROM agents_agents) || ' intents pending'"
out="$(kubectl --context "$CONTEXT" -n "$NAMESPACE" exec trading-db-0 -c postgres -- psql -U trading -d trading -AtX -c "$SQL" 2>&1)" ||
  die "the database in $NAMESPACE ($CONTEXT) does not answer: $out. Is it deployed? npx nx run deploy:staging ensures it; kubectl -n $NAMESPACE describe pod trading-db-0"
printf '%s\n' "$out"
