#!/usr/bin/env bash
# The local staging cluster: a real Kubernetes control plane (kube-apiserver, controller-manager,
# scheduler and etcd, built from Go modules by scripts/build-go-tools.sh) on loopback, one real
# node (tools/local-node/node.sh: kubelet, containerd, runc, CNI, kube-proxy, CoreDNS) where the
# trading-staging and trading-production namespaces run, and kwok nodes simulating the pod
# lifecycle for every other namespace (the tests' own: fast, no container started).
# LOCAL_CLUSTER_REAL_NODE=false leaves the real node out (kwok only).
#   tools/local-cluster/cluster.sh up|down|status
# Context: $LOCAL_CLUSTER_CONTEXT (kwok-<name>; .env) in ~/.kube/config (or $KUBECONFIG), the deploy
# targets' local default.
# kubectl is built with the control plane (same version) and comes first on PATH (scripts/lib.sh).
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"

NAME="$LOCAL_CLUSTER_NAME" # .env
CONTEXT="kwok-$NAME"       # kwokctl's name for it
[ "$CONTEXT" = "$LOCAL_CLUSTER_CONTEXT" ] || die "LOCAL_CLUSTER_CONTEXT=$LOCAL_CLUSTER_CONTEXT, but kwokctl names cluster $NAME's context $CONTEXT: set both, or neither (.env)"
NODES="${LOCAL_CLUSTER_NODES:-3}"
export KWOK_WORKDIR="$TRADING_HOME/kwok"
KUBECONFIG_FILE="${KUBECONFIG:-$HOME/.kube/config}"
BIN="$TRADING_BIN"

ADDRESSES="$ROOT/tools/local-cluster/addresses.yaml" # the address plan: all of it in 198.18.0.0/15
ADMISSION="$ROOT/tools/local-cluster/admission.yaml" # pods go to kwok nodes unless their namespace says otherwise
BLOCK="$LOCAL_CLUSTER_BLOCK" # .env; addresses.yaml hands out addresses inside it
REAL_NODE="${LOCAL_CLUSTER_REAL_NODE:-true}"
REAL_NAMESPACES=(trading-staging trading-production)

kwokctl_() { "$BIN/kwokctl" --name "$NAME" "$@"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
# An address of the block that nothing here serves fails at once instead of leaving through eth0.
route_block() {
  as_root ip route replace unreachable "$BLOCK" 2>/dev/null ||
    warn "could not route $BLOCK unreachable (needs root or passwordless sudo): an unserved cluster address would be sent to the default gateway; kwok's simulated pods serve nothing, so nothing dials one today"
}
unroute_block() {
  # Kept while another local cluster runs (its addresses are in the same block): one of this
  # workdir's, or another user's (a CI job's cluster beside the machine's own).
  [ -n "$(ls -A "$KWOK_WORKDIR/clusters" 2>/dev/null)" ] && return 0
  pgrep -f '/kwok/clusters/[^/]+/bin/kube-apiserver' >/dev/null && return 0
  if ip route show "$BLOCK" | grep -q '^unreachable'; then as_root ip route del unreachable "$BLOCK" 2>/dev/null || true; fi
}
exists() { [ -d "$KWOK_WORKDIR/clusters/$NAME" ]; }
api_ready() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=3s get --raw /readyz >/dev/null 2>&1; }

port_free() { ! listening "127.0.0.1:$1"; }

up() {
  if ! [ -x "$BIN/kube-apiserver" ] || ! [ -x "$BIN/kwokctl" ]; then
    command -v go >/dev/null || die "the control-plane binaries are not built and Go is missing: install Go 1.26+, then rerun"
  fi
  bash "$ROOT/scripts/build-go-tools.sh" local-cluster

  if exists; then
    if api_ready; then
      echo "cluster $NAME: already up (context $CONTEXT)"
      # Without the real node asked for, a running one is left as it is.
      if [ "$REAL_NODE" = true ]; then real_node_up; fi
      return 0
    fi
    warn "cluster $NAME: stale state in $KWOK_WORKDIR/clusters/$NAME (its processes are gone); deleting it and starting afresh"
    bash "$ROOT/tools/local-node/node.sh" down >/dev/null # its pods belonged to the lost control plane
    kwokctl_ delete cluster --kubeconfig "$KUBECONFIG_FILE" >/dev/null 2>&1 || rm -rf "$KWOK_WORKDIR/clusters/$NAME"
  fi
  local ports=()
  if [ -n "${LOCAL_CLUSTER_API_PORT:-}" ]; then
    port_free "$LOCAL_CLUSTER_API_PORT" || die "port $LOCAL_CLUSTER_API_PORT is in use: free it, or unset LOCAL_CLUSTER_API_PORT for a random port"
    ports=(--kube-apiserver-port "$LOCAL_CLUSTER_API_PORT")
  fi

  step "Starting cluster $NAME (kwokctl --runtime binary, local control-plane binaries)"
  local started=$SECONDS
  mkdir -p "$(dirname "$KUBECONFIG_FILE")"
  route_block
  kwokctl_ create cluster --runtime binary --kubeconfig "$KUBECONFIG_FILE" --wait 60s --config "$ADDRESSES" \
    --etcd-binary "$BIN/etcd" \
    --kube-apiserver-binary "$BIN/kube-apiserver" \
    --kube-controller-manager-binary "$BIN/kube-controller-manager" \
    --kube-scheduler-binary "$BIN/kube-scheduler" \
    --kwok-controller-binary "$BIN/kwok" \
    --extra-args "kube-apiserver=admission-control-config-file=$ADMISSION" \
    "${ports[@]}" ||
    { kwokctl_ delete cluster --kubeconfig "$KUBECONFIG_FILE" >/dev/null 2>&1 || true; die "kwokctl could not start the cluster (logs: kwokctl --name $NAME logs kube-apiserver)"; }
  # Fake nodes: 198.18.0.11 and up, one /24 pod range each from 198.18.16.0/24 (addresses.yaml).
  kwokctl_ scale node --replicas "$NODES" --param '.nodeIPs=["198.18.0.11"]' --param '.podCIDRs=["198.18.16.0/24"]' >/dev/null
  for _ in $(seq 1 60); do
    ready="$(kubectl --context "$CONTEXT" get nodes --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)"
    [ "$ready" -ge "$NODES" ] && break
    sleep 0.5
  done
  [ "${ready:-0}" -ge "$NODES" ] || die "only ${ready:-0} of $NODES kwok nodes became Ready"
  real_node_up
  echo "cluster $NAME: up in $((SECONDS - started)) s, $NODES nodes, context $CONTEXT ($(kubectl --context "$CONTEXT" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1))"
}

# The real node, and the namespaces whose pods run on it (PodNodeSelector, admission.yaml).
real_node_up() {
  [ "$REAL_NODE" = true ] || { echo "real node: left out (LOCAL_CLUSTER_REAL_NODE=$REAL_NODE); every pod is simulated by kwok"; return 0; }
  bash "$ROOT/tools/local-node/node.sh" up
  local ns
  for ns in "${REAL_NAMESPACES[@]}"; do
    kubectl --context "$CONTEXT" get namespace "$ns" >/dev/null 2>&1 || kubectl --context "$CONTEXT" create namespace "$ns" >/dev/null
    kubectl --context "$CONTEXT" annotate --overwrite namespace "$ns" scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real >/dev/null
  done
  echo "namespaces ${REAL_NAMESPACES[*]}: pods run on the real node"
  # A running local Prometheus discovers this cluster's pods (a recreated cluster has new certificates).
  bash "$ROOT/tools/prometheus/prometheus.sh" refresh >/dev/null || warn "prometheus: could not reload it for this cluster (bash tools/prometheus/prometheus.sh refresh)"
}

down() {
  # The node first, while the API still answers: its pods are deleted through the kubelet. A
  # cluster run without it (LOCAL_CLUSTER_REAL_NODE=false: a CI job's, a test's) leaves the
  # machine's node alone: node.sh works as root on the machine's one node, which may serve another
  # user's cluster.
  if [ "$REAL_NODE" = true ]; then bash "$ROOT/tools/local-node/node.sh" down; fi
  if exists; then
    kwokctl_ delete cluster --kubeconfig "$KUBECONFIG_FILE" >/dev/null || rm -rf "$KWOK_WORKDIR/clusters/$NAME"
  fi
  # Whatever kwokctl started for this cluster must be gone, even after a crash.
  local left
  mapfile -t left < <(pgrep -f "$KWOK_WORKDIR/clusters/$NAME" || true)
  if [ ${#left[@]} -gt 0 ]; then
    kill "${left[@]}" 2>/dev/null || true
    sleep 1
    kill -9 $(pgrep -f "$KWOK_WORKDIR/clusters/$NAME") 2>/dev/null || true
  fi
  rm -rf "$KWOK_WORKDIR/clusters/$NAME"
  unroute_block
  echo "cluster $NAME: down"
}

status() {
  if exists && api_ready; then
    echo "cluster $NAME: up, context $CONTEXT"
    if ip route show "$BLOCK" | grep -q '^unreachable'; then echo "addresses: $BLOCK, routed unreachable here"
    else warn "addresses: $BLOCK has no unreachable route (rerun up as root)"; fi
    kubectl --context "$CONTEXT" get nodes -o wide
    if [ "$REAL_NODE" = true ]; then bash "$ROOT/tools/local-node/node.sh" status || return 1; fi
  elif exists; then
    echo "cluster $NAME: stale (state present, API not answering); run down, then up"; return 1
  else
    echo "cluster $NAME: down"; return 1
  fi
}

# Under the stack's lock (lib.sh's stack_locked), as tools/stack.sh runs it.
case "${1:-}" in up|down) stack_locked "$0" "$@" ;; esac
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: tools/local-cluster/cluster.sh up|down|status" ;;
esac
