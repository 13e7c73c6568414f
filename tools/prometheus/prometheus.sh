#!/usr/bin/env bash
# Start, stop or check the local Prometheus that the deploy's SLO analysis queries.
#   tools/prometheus/prometheus.sh up|down|status|refresh
# It listens on $PROMETHEUS_ADDR (default 127.0.0.1:9090) and scrapes every 1 s: the pods of the
# local cluster's real node, found by Kubernetes service discovery with the relabelling in
# kubernetes-scrape.yml (what a cluster's Prometheus runs), and exporters described by JSON files
# in $PROMETHEUS_TARGETS (file_sd: drop a file there and it is scraped within a second; the
# labels in the file become the series' labels). Data lives outside the clone, in $PROMETHEUS_STATE
# (default $TRADING_HOME/prometheus): a test that stops its Prometheus runs one of its own with its
# own address, state and targets (tools/workspace-tests/private-prometheus.mjs).
# refresh: the cluster was recreated (new API port and certificates); read it again.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"

ADDR="$PROMETHEUS_ADDR" # .env
STATE="${PROMETHEUS_STATE:-$TRADING_HOME/prometheus}"
TARGETS="${PROMETHEUS_TARGETS:-$STATE/targets}"
RULES="$(cd "$(dirname "$0")" && pwd)/rules"
CONTEXT="$LOCAL_CLUSTER_CONTEXT"
mkdir -p "$STATE" "$TARGETS"

# The configuration from kubernetes-scrape.yml and the local cluster's kubeconfig (named by its
# content, so that a reload after the cluster was recreated starts the discovery afresh).
write_config() {
  local kubeconfig="" tmp
  rm -f "$STATE"/kubeconfig-*.yaml
  if tmp="$(kubectl config view --context "$CONTEXT" --minify --flatten 2>/dev/null)" && [ -n "$tmp" ] && grep -q server: <<<"$tmp"; then
    kubeconfig="$STATE/kubeconfig-$(sha256sum <<<"$tmp" | cut -c1-12).yaml"
    printf '%s\n' "$tmp" >"$kubeconfig"
  else
    warn "prometheus: no kubeconfig context $CONTEXT (the local cluster is down): scraping file-discovered exporters only until 'prometheus.sh refresh'"
  fi
  node "$ROOT/tools/prometheus/local-config.mjs" "$RULES" "$TARGETS" ${kubeconfig:+"$kubeconfig"} >"$STATE/prometheus.yml"
  promtool check config "$STATE/prometheus.yml" >/dev/null || die "generated $STATE/prometheus.yml is invalid (promtool check config)"
}

healthy() { curl -fsS --max-time 2 "http://$ADDR/-/ready" >/dev/null 2>&1; }

up() {
  [ -x "$TRADING_BIN/prometheus" ] || die "prometheus is not built: run 'bash tools/prometheus/install.sh' (Prometheus from its Go module, with Kubernetes service discovery)"
  if healthy; then echo "prometheus: already up on http://$ADDR"; return; fi
  if listening "$ADDR"; then
    die "port ${ADDR#*:} is in use by something that is not a ready Prometheus: free it or set PROMETHEUS_ADDR=127.0.0.1:<port>"
  fi
  write_config
  daemon_start "$STATE/prometheus.pid" "$STATE/prometheus.log" "$TRADING_BIN/prometheus" --config.file="$STATE/prometheus.yml" \
    --storage.tsdb.path="$STATE/data" --storage.tsdb.retention.time=2h --web.listen-address="$ADDR" --web.enable-lifecycle
  daemon_wait prometheus 30 "$STATE/prometheus.log" healthy
  echo "prometheus: up on http://$ADDR (targets: $TARGETS)"
}

down() {
  if daemon_stop "$STATE/prometheus.pid"; then echo "prometheus: stopped"; else echo "prometheus: not running"; fi
}

refresh() {
  healthy || { echo "prometheus: not running; nothing to refresh"; return 0; }
  write_config
  curl -fsS --max-time 10 -X POST "http://$ADDR/-/reload" >/dev/null || die "prometheus did not reload $STATE/prometheus.yml (log: $STATE/prometheus.log)"
  echo "prometheus: reloaded (cluster context $CONTEXT)"
}

status() {
  if healthy; then echo "prometheus: up on http://$ADDR ($(find "$TARGETS" -maxdepth 1 -type f | wc -l) target file(s))"; else echo "prometheus: down"; return 1; fi
}

# Under the stack's lock (lib.sh's stack_locked), as tools/stack.sh runs it.
case "${1:-}" in up|down|refresh) stack_locked "$0" "$@" ;; esac
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  refresh) refresh ;;
  *) die "usage: $0 up|down|status|refresh" ;;
esac
