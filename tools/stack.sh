#!/usr/bin/env bash
# The local stack, in one order: the container engine with the registry and the base images, the
# local Kubernetes cluster with its real node, Prometheus, PostgreSQL. The main job, scripts/test-all.sh, the
# plugin's Jest setup, the workspace tests' launcher and the workflows bring services up through
# this script only.
#   bash tools/stack.sh up|down|status [docker] [cluster] [prometheus] [postgres]    (no part: all)
# up is idempotent (a second or two per part already up) and runs under one lock, so parallel jobs
# and tests on one machine bring the stack up once; down goes in the reverse order.
# LOCAL_CLUSTER_REAL_NODE=false leaves the real node out of the cluster (kwok's simulated nodes only).
# shellcheck source=../scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

PARTS=(docker cluster prometheus postgres)
usage() { die "usage: bash tools/stack.sh up|down|status [${PARTS[*]}]"; }

action="${1:-}"
[ $# -gt 0 ] && shift
case "$action" in up | down | status) ;; *) usage ;; esac
for part in "$@"; do
  [[ " ${PARTS[*]} " == *" $part "* ]] || die "unknown part '$part' of the stack: one of ${PARTS[*]}"
done

# One bring-up at a time on a machine (lib.sh's stack_locked).
if [ "$action" != status ]; then stack_locked "$0" "$action" "$@"; fi

# The parts asked for, in the stack's order (down: reversed).
selected=()
for part in "${PARTS[@]}"; do
  if [ $# -eq 0 ] || [[ " $* " == *" $part "* ]]; then selected+=("$part"); fi
done
if [ "$action" = down ]; then
  reversed=()
  for ((i = ${#selected[@]} - 1; i >= 0; i--)); do reversed+=("${selected[i]}"); done
  selected=("${reversed[@]}")
fi

docker_up() {
  step "Container engine, registry and base images"
  bash tools/docker/install.sh
  bash scripts/build-go-tools.sh image-builder supply-chain
  bash tools/docker/daemon.sh up
  bash tools/docker/buildx-builder.sh
  bash tools/docker/bases.sh
  bash tools/docker/postgres-base.sh
}

cluster_up() {
  step "Local cluster (Kubernetes control plane and kwok from Go modules; cached after the first build)"
  bash scripts/build-go-tools.sh local-cluster
  bash tools/local-cluster/cluster.sh up
}

prometheus_up() {
  step "Prometheus (built from Go modules) for the SLO analysis"
  bash tools/prometheus/install.sh
  bash tools/prometheus/prometheus.sh up
}

postgres_up() {
  step "PostgreSQL (Debian's postgresql-15) for the trading state of the processes and tests here"
  bash tools/postgres/postgres.sh up
}

rc=0
for part in "${selected[@]}"; do
  case "$action:$part" in
    up:docker) docker_up ;;
    up:cluster) cluster_up ;;
    up:prometheus) prometheus_up ;;
    up:postgres) postgres_up ;;
    down:docker) bash tools/docker/daemon.sh down ;;
    down:cluster) bash tools/local-cluster/cluster.sh down ;;
    down:prometheus) bash tools/prometheus/prometheus.sh down ;;
    down:postgres) bash tools/postgres/postgres.sh down ;;
    status:docker) bash tools/docker/daemon.sh status || rc=1 ;;
    status:cluster) bash tools/local-cluster/cluster.sh status || rc=1 ;;
    status:prometheus) bash tools/prometheus/prometheus.sh status || rc=1 ;;
    status:postgres) bash tools/postgres/postgres.sh status || rc=1 ;;
  esac
done
exit "$rc"
