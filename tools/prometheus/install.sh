#!/usr/bin/env bash
# Install Prometheus (and promtool) from Debian's package. Ours runs on demand from
# tools/prometheus/prometheus.sh, not as the package's system service.
source "$(dirname "$0")/../../scripts/lib.sh"
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then echo "prometheus: installed ($(prometheus --version 2>&1 | head -1 | cut -d' ' -f3))"; exit 0; fi
apt_install prometheus
# Without systemd the package's service does not start; if it did, it would hold :9090.
echo "installed: prometheus $(prometheus --version 2>&1 | head -1 | cut -d' ' -f3)"
