#!/usr/bin/env bash
# Build Prometheus and promtool from their Go module (scripts/build-go-tools.sh prometheus) into
# the tool folder outside the clone. Debian's package is built without Kubernetes service
# discovery, which the local cluster's scrape configuration (kubernetes-scrape.yml) needs.
# Ours runs on demand from tools/prometheus/prometheus.sh.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
bash "$ROOT/scripts/build-go-tools.sh" prometheus
echo "prometheus: $("$TRADING_BIN/prometheus" --version 2>&1 | head -1 | cut -d' ' -f3), promtool in $TRADING_BIN"
