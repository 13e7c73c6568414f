#!/usr/bin/env bash
# Start, stop or check the local Prometheus that the deploy's SLO analysis queries.
#   tools/prometheus/prometheus.sh up|down|status
# It listens on $PROMETHEUS_ADDR (default 127.0.0.1:9090), scrapes every 1 s, and discovers its
# targets from JSON files in $PROMETHEUS_TARGETS (file_sd: drop a file there and it is scraped
# within a second; the labels in the file become the series' labels, as the Kubernetes relabelling
# in tools/prometheus/kubernetes-scrape.yml does for pods in GKE). Data lives outside the clone.
source "$(dirname "$0")/../../scripts/lib.sh"

ADDR="${PROMETHEUS_ADDR:-127.0.0.1:9090}"
STATE="$TRADING_HOME/prometheus"
TARGETS="${PROMETHEUS_TARGETS:-$STATE/targets}"
RULES="$(cd "$(dirname "$0")" && pwd)/rules"
mkdir -p "$STATE" "$TARGETS"

healthy() { curl -fsS --max-time 2 "http://$ADDR/-/ready" >/dev/null 2>&1; }
pid() { [ -f "$STATE/prometheus.pid" ] && kill -0 "$(cat "$STATE/prometheus.pid")" 2>/dev/null && cat "$STATE/prometheus.pid"; }

up() {
  command -v prometheus >/dev/null || die "prometheus is missing: run 'bash tools/prometheus/install.sh'"
  if healthy; then echo "prometheus: already up on http://$ADDR"; return; fi
  if listening "$ADDR"; then
    die "port ${ADDR#*:} is in use by something that is not a ready Prometheus: free it or set PROMETHEUS_ADDR=127.0.0.1:<port>"
  fi
  cat > "$STATE/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }
rule_files: [ "$RULES/*.yml" ]
scrape_configs:
  - job_name: services
    file_sd_configs: [ { files: [ "$TARGETS/*.json" ], refresh_interval: 1s } ]
YAML
  promtool check config "$STATE/prometheus.yml" >/dev/null || die "generated $STATE/prometheus.yml is invalid (promtool check config)"
  setsid prometheus --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/data" \
    --storage.tsdb.retention.time=2h --web.listen-address="$ADDR" --web.enable-lifecycle \
    >"$STATE/prometheus.log" 2>&1 < /dev/null &
  echo $! > "$STATE/prometheus.pid"
  for _ in $(seq 1 60); do healthy && { echo "prometheus: up on http://$ADDR (targets: $TARGETS)"; return; }; sleep 0.5; done
  tail -n 20 "$STATE/prometheus.log" >&2
  die "prometheus did not become ready within 30 s (log: $STATE/prometheus.log)"
}

down() {
  local p; p="$(pid)" || { echo "prometheus: not running"; return; }
  kill "$p"
  for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || { echo "prometheus: stopped"; return; }; sleep 0.25; done
  kill -9 "$p" 2>/dev/null; echo "prometheus: killed"
}

status() {
  if healthy; then echo "prometheus: up on http://$ADDR ($(ls "$TARGETS" | wc -l) target file(s))"; else echo "prometheus: down"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 up|down|status" ;;
esac
