#!/usr/bin/env bash
# A real Kubernetes node for the local cluster: containerd and runc (Debian), the kubelet and
# kube-proxy (k8s.io/kubernetes, built with the control plane), CNI's bridge plugin, CoreDNS and a
# pause image (tools/local-node, built from Go modules). Pods on it run the project's images from
# the local registry and answer through their Services. Root only (cgroups, links, iptables).
#   tools/local-node/node.sh up|down|status
# Run by tools/local-cluster/cluster.sh after the control plane is up, and before it stops.
# The address plan (tools/local-cluster/addresses.yaml): node IP 198.18.0.2 on loopback, pods
# in 198.18.32.0/24 on a bridge, Services in 198.19.0.0/16; nothing masqueraded, nothing leaves.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
become_root "$0" "$@"

CLUSTER="$LOCAL_CLUSTER_NAME"
CONTEXT="kwok-$CLUSTER"
KUBECONFIG_FILE="${KUBECONFIG:-$HOME/.kube/config}"
NODE="${LOCAL_NODE_NAME:-trading-node}"
NODE_IP=198.18.0.2
# The API server's advertised address (kubernetes.default's endpoint): relayed to its loopback port
# for the pods (api-forward.mjs).
API_ADDRESS=198.18.0.1
POD_CIDR=198.18.32.0/24
POD_GATEWAY=198.18.32.1
SERVICE_CIDR=198.19.0.0/16
# The node IP sits on loopback (this container's kernel has no dummy links), labelled so down finds it.
ADDR_LABEL=lo:tpnode
BRIDGE=tp-cni0    # the pods' bridge (CNI)
CGROUP=trading-node
WORK="$TRADING_HOME/local-node"
NODE_BIN="$WORK/bin"
STATE="$WORK/state"
PAUSE_IMAGE=trading.local/pause:1
# Object storage for the pods (the databases' WAL archive and base backups, through the GCS JSON
# API): fake-gcs-server (built by scripts/build-go-tools.sh) on the node's address, its objects on
# disk outside the node's state, so they outlive a node's down and up as the volumes do.
OBJECT_STORE_PORT=4443
OBJECT_STORE_DIR="$TRADING_HOME/object-store"
OBJECT_STORE_BUCKETS=(trading-db-archive)
HIERARCHIES=(cpu cpuacct cpuset memory devices freezer blkio pids perf_event net_cls net_prio hugetlb systemd unified)

export CONTAINERD_ADDRESS="$STATE/containerd/containerd.sock" CONTAINERD_NAMESPACE=k8s.io
kubectl_() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=5s "$@"; }
pidfile() { echo "$STATE/run/$1.pid"; }
running() { daemon_running "$(pidfile "$1")"; }
start() { local name="$1"; shift; daemon_start "$(pidfile "$name")" "$STATE/logs/$name.log" "$@"; } # name, command...
stop() { daemon_stop "$(pidfile "$1")" || true; } # name
wait_for() { # seconds, description (for the reader of the call), command...
  local seconds="$1"; shift 2
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}
# Writes stdin to a file only when it differs: kube-proxy exits when its configuration file is
# rewritten, so a rerun of up must leave a running node's files alone.
put() { local tmp; tmp="$(mktemp)"; cat >"$tmp"; if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi; }

install_runtime() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v iptables >/dev/null || missing+=(iptables)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  bash "$ROOT/scripts/build-go-tools.sh" local-node >/dev/null
  for b in kubelet kube-proxy; do [ -x "$TRADING_BIN/$b" ] || die "$b is not built: run bash scripts/build-go-tools.sh local-cluster"; done
}

write_configs() {
  mkdir -p "$STATE"/{run,logs,containerd/certs.d/127.0.0.1:5000,cni/net.d,cni/networks,kubelet/root,kubelet/pki,coredns}
  put "$STATE/containerd/config.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$STATE/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true # no CAP_SYS_RESOURCE in this container
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$NODE_BIN"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$STATE/containerd/certs.d"
TOML
  put "$STATE/containerd/certs.d/127.0.0.1:5000/hosts.toml" <<TOML
server = "http://127.0.0.1:5000"
[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
TOML
  # One bridge, no masquerading: pods reach each other, the node and Services, and nothing outside.
  put "$STATE/cni/net.d/10-trading.conflist" <<JSON
{ "cniVersion": "1.0.0", "name": "trading-pods",
  "plugins": [ { "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "hairpinMode": true, "ipMasq": false,
                 "ipam": { "type": "host-local", "dataDir": "$STATE/cni/networks",
                           "ranges": [[ { "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" } ]],
                           "routes": [ { "dst": "198.18.0.0/15" } ] } } ] }
JSON
  kubectl config view --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --minify --flatten | put "$STATE/kubeconfig"
  put "$STATE/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$STATE/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP
failSwapOn: false
failCgroupV1: false # 1.35+ refuses cgroup v1 otherwise; these machines have v1
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
# kwokctl's API server has no kubelet client certificate; the kubelet listens on the node IP only.
authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
clusterDNS: [ $NODE_IP ]
clusterDomain: cluster.local
resolvConf: $STATE/coredns/resolv.conf
registerNode: true
evictionHard: { memory.available: 100Mi, nodefs.available: "2%", imagefs.available: "2%" }
imageGCHighThresholdPercent: 100
serializeImagePulls: false
YAML
  put "$STATE/coredns/resolv.conf" </dev/null # pods resolve cluster names only: no upstream
  put "$STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
clientConnection: { kubeconfig: $STATE/kubeconfig }
conntrack: { maxPerCore: 0 }
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
nodePortAddresses: [ $NODE_IP/32 ]
YAML
  put "$STATE/coredns/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 {
  bind $NODE_IP
  kubernetes cluster.local in-addr.arpa {
    kubeconfig $STATE/kubeconfig $CONTEXT
    pods insecure
  }
  cache 30
  errors
}
COREFILE
}

# The node's own addresses and cgroup root; the sysctls the bridge plugin and kube-proxy change
# are recorded first so that down restores them.
prepare_host() {
  [ -f "$STATE/sysctl.orig" ] || {
    echo "net.ipv4.ip_forward=$(sysctl -n net.ipv4.ip_forward)"
    echo "net.ipv4.conf.all.route_localnet=$(sysctl -n net.ipv4.conf.all.route_localnet)"
    [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && echo "net.bridge.bridge-nf-call-iptables=$(sysctl -n net.bridge.bridge-nf-call-iptables)"
  } >"$STATE/sysctl.orig"
  ip addr replace "$NODE_IP/32" dev lo label "$ADDR_LABEL"
  ip addr replace "$API_ADDRESS/32" dev lo label "$ADDR_LABEL"
  # ClusterIPs are local to this machine: kube-proxy's OUTPUT rules rewrite a served one to a pod,
  # and an unserved one is refused at once (the block's unreachable route would refuse even served
  # ones, before kube-proxy's rules see the packet).
  ip route replace local "$SERVICE_CIDR" dev lo
  # The pods' bridge (the CNI plugin reuses it): an unused pod address fails within ~0.1 s, not
  # after the kernel's 3 s of unanswered ARP (a local bridge answers in microseconds).
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr replace "$POD_GATEWAY/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  sysctl -qw "net.ipv4.neigh.$BRIDGE.mcast_solicit=1" "net.ipv4.neigh.$BRIDGE.ucast_solicit=1" "net.ipv4.neigh.$BRIDGE.retrans_time_ms=100"
  # Service traffic from a pod back to a pod on the same bridge must pass kube-proxy's rules.
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
  local h
  for h in "${HIERARCHIES[@]}"; do
    [ -d "/sys/fs/cgroup/$h" ] || continue
    mkdir -p "/sys/fs/cgroup/$h/$CGROUP"
  done
  if [ -d /sys/fs/cgroup/cpuset ]; then
    cp /sys/fs/cgroup/cpuset/cpuset.cpus "/sys/fs/cgroup/cpuset/$CGROUP/cpuset.cpus"
    cp /sys/fs/cgroup/cpuset/cpuset.mems "/sys/fs/cgroup/cpuset/$CGROUP/cpuset.mems"
  fi
}

# No image can be pulled from outside: the sandbox image is the pause program in an OCI layout,
# written here and imported into containerd's k8s.io namespace.
import_pause() {
  ctr images ls -q 2>/dev/null | grep -qx "$PAUSE_IMAGE" && return 0
  local dir; dir="$(mktemp -d)"
  mkdir -p "$dir/layout/blobs/sha256" "$dir/root"
  cp "$NODE_BIN/pause" "$dir/root/pause"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir/root" -cf "$dir/layer.tar" pause
  local layer config manifest
  layer="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  mv "$dir/layer.tar" "$dir/layout/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" >"$dir/config.json"
  config="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
  mv "$dir/config.json" "$dir/layout/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$(stat -c %s "$dir/layout/blobs/sha256/$config")" "$layer" "$(stat -c %s "$dir/layout/blobs/sha256/$layer")" >"$dir/manifest.json"
  manifest="$(sha256sum "$dir/manifest.json" | cut -d' ' -f1)"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' \
    "$manifest" "$(stat -c %s "$dir/manifest.json")" "$PAUSE_IMAGE" >"$dir/layout/index.json"
  mv "$dir/manifest.json" "$dir/layout/blobs/sha256/$manifest"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/layout/oci-layout"
  tar -C "$dir/layout" -cf "$dir/pause.tar" .
  ctr images import --no-unpack=false "$dir/pause.tar" >/dev/null || { rm -rf "$dir"; die "could not import the pause image into containerd"; }
  rm -rf "$dir"
}

pods_gone() {
  [ -z "$(kubectl_ get pods -A --field-selector "spec.nodeName=$NODE" -o name 2>/dev/null)" ] &&
    ! ctr tasks ls 2>/dev/null | awk 'NR>1 {print $3}' | grep -qx RUNNING
}
agent_configs() { cat "$STATE"/kubeconfig "$STATE"/kube-proxy.yaml "$STATE"/kubelet/config.yaml "$STATE"/coredns/Corefile 2>/dev/null | sha256sum || true; }
node_ready() { [ "$(kubectl_ get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }

up() {
  kubectl_ get --raw /readyz >/dev/null 2>&1 || die "the local cluster's API ($CONTEXT) is not answering: run tools/local-cluster/cluster.sh up"
  install_runtime
  local started=$SECONDS
  step "Starting the real node $NODE ($NODE_IP; pods in $POD_CIDR)"
  local before; before="$(agent_configs)"
  write_configs
  if [ "$before" != "$(agent_configs)" ]; then
    # A new control plane (another API port or certificate): the agents restart against it.
    stop coredns; stop kube-proxy; stop kubelet
  fi
  prepare_host
  start containerd containerd --config "$STATE/containerd/config.toml"
  daemon_wait "containerd on $CONTAINERD_ADDRESS" 20 "$STATE/logs/containerd.log" ctr version
  import_pause
  start kubelet "$TRADING_BIN/kubelet" --config "$STATE/kubelet/config.yaml" --kubeconfig "$STATE/kubeconfig" \
    --root-dir "$STATE/kubelet/root" --cert-dir "$STATE/kubelet/pki" --hostname-override "$NODE" --node-ip "$NODE_IP" \
    --node-labels "trading.dev/node=real"
  start kube-proxy "$TRADING_BIN/kube-proxy" --config "$STATE/kube-proxy.yaml"
  start coredns "$NODE_BIN/coredns" -conf "$STATE/coredns/Corefile" -dns.port 53
  daemon_wait "the node $NODE (Ready)" 60 "$STATE/logs/kubelet.log" node_ready
  daemon_wait CoreDNS 20 "$STATE/logs/coredns.log" running coredns
  daemon_wait "kube-proxy (healthz)" 20 "$STATE/logs/kube-proxy.log" curl -fsS http://127.0.0.1:10256/healthz
  object_store_up
  api_forward_up
  echo "node $NODE: Ready in $((SECONDS - started)) s (containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), DNS on $NODE_IP)"
}

# The pods reach the API as in any cluster (kubernetes.default.svc): its endpoint, the advertised
# address, relayed to the API port on loopback where the control plane listens.
api_forward_up() {
  local port
  port="$(kubectl config view --kubeconfig "$STATE/kubeconfig" -o jsonpath='{.clusters[0].cluster.server}' | sed -E 's#^https://[^:]+:([0-9]+).*#\1#')"
  [[ "$port" =~ ^[0-9]+$ ]] || die "no API port in $STATE/kubeconfig's server"
  stop api-forward
  start api-forward node "$ROOT/tools/local-node/api-forward.mjs" "$API_ADDRESS" "$port" 127.0.0.1 "$port"
  daemon_wait "the API relay on $API_ADDRESS:$port" 20 "$STATE/logs/api-forward.log" curl -ksS -o /dev/null "https://$API_ADDRESS:$port/readyz"
}

object_store_up() {
  [ -x "$TRADING_BIN/fake-gcs-server" ] || bash "$ROOT/scripts/build-go-tools.sh" gcs-emulator
  mkdir -p "$OBJECT_STORE_DIR"
  local url="http://$NODE_IP:$OBJECT_STORE_PORT" bucket code
  start object-store "$TRADING_BIN/fake-gcs-server" -scheme http -host "$NODE_IP" -port "$OBJECT_STORE_PORT" \
    -backend filesystem -filesystem-root "$OBJECT_STORE_DIR" -external-url "$url" -log-level warn
  daemon_wait "the object store on $url" 20 "$STATE/logs/object-store.log" curl -fsS "$url/storage/v1/b?project=local"
  for bucket in "${OBJECT_STORE_BUCKETS[@]}"; do
    code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "{\"name\":\"$bucket\"}" "$url/storage/v1/b?project=local")"
    case "$code" in 200 | 409) ;; *) die "the object store answered HTTP $code creating bucket $bucket" ;; esac
  done
  echo "object store: $url (GCS JSON API), bucket(s) ${OBJECT_STORE_BUCKETS[*]}, objects in $OBJECT_STORE_DIR"
}

# Teardown in the order that leaves nothing behind: pods deleted while the kubelet runs (so it tears
# their sandboxes, CNI attachments and cgroups down), then the daemons, then what they left.
down() {
  if running kubelet && kubectl_ get node "$NODE" >/dev/null 2>&1; then
    kubectl_ cordon "$NODE" >/dev/null 2>&1 || true
    kubectl_ delete pods --all-namespaces --field-selector "spec.nodeName=$NODE" --grace-period=1 --wait=false >/dev/null 2>&1 || true
    # A pod leaves the API once the kubelet has stopped its containers and sandbox (CNI DEL included).
    wait_for 60 "pods gone" pods_gone || warn "node $NODE: pods still there after 60 s; removing their containers"
    kubectl_ delete node "$NODE" --wait=false >/dev/null 2>&1 || true
  fi
  stop api-forward; stop object-store; stop coredns; stop kube-proxy; stop kubelet
  if running containerd; then
    local t
    for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s KILL "$t" >/dev/null 2>&1 || true; ctr tasks delete -f "$t" >/dev/null 2>&1 || true; done
    for t in $(ctr containers ls -q 2>/dev/null); do ctr containers delete "$t" >/dev/null 2>&1 || true; done
  fi
  stop containerd
  # Shims of a crashed containerd, and anything else still running from the node's state folder.
  pkill -9 -f "containerd-shim-runc-v2 .*-address $STATE/containerd" 2>/dev/null || true
  if [ -x "$TRADING_BIN/kube-proxy" ]; then "$TRADING_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  for chain in CNI-HOSTPORT-DNAT CNI-HOSTPORT-SETMARK CNI-HOSTPORT-MASQ; do
    if iptables -t nat -F "$chain" 2>/dev/null; then iptables -t nat -X "$chain" 2>/dev/null || true; fi
  done
  local ipt table chain
  for ipt in iptables ip6tables; do
    for table in filter nat mangle; do
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1=="-N" && ($2 ~ /^KUBE-/ || $2 ~ /^CNI-/) {print $2}'); do
        "$ipt" -t "$table" -S 2>/dev/null | awk -v c="$chain" '$1=="-A" && $0 ~ ("-j " c "( |$)") {sub(/^-A/, "-D"); print}' |
          while read -r rule; do eval "$ipt -t $table $rule" 2>/dev/null || true; done
        "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1=="-N" && ($2 ~ /^KUBE-/ || $2 ~ /^CNI-/) {print $2}'); do
        "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  ip addr del "$NODE_IP/32" dev lo 2>/dev/null || true
  ip addr del "$API_ADDRESS/32" dev lo 2>/dev/null || true
  ip route del local "$SERVICE_CIDR" dev lo 2>/dev/null || true
  # Mounts under the node's state (pod volumes, network namespaces, overlay snapshots), deepest first.
  # (None left is fine: a second `down` must pass too, and grep finding nothing would fail the pipe.)
  { grep -F " $STATE/" /proc/self/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  local h
  for h in "${HIERARCHIES[@]}"; do
    [ -d "/sys/fs/cgroup/$h/$CGROUP" ] || continue
    find "/sys/fs/cgroup/$h/$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if [ -f "$STATE/sysctl.orig" ]; then
    while IFS= read -r kv; do sysctl -qw "$kv" 2>/dev/null || true; done <"$STATE/sysctl.orig"
  fi
  # The kubelet and containerd use these whatever their root folders say.
  # (The shim socket folder /run/containerd/s is shared with any other containerd: removed if empty.)
  rm -rf /var/lib/kubelet /run/containerd/io.containerd.runtime.v2.task/k8s.io /run/containerd/runc/k8s.io 2>/dev/null || true
  rmdir /run/containerd/runc /run/containerd/s /run/containerd/io.containerd.runtime.v2.task /run/containerd 2>/dev/null || true
  rm -rf "$STATE"
  echo "node $NODE: down"
}

status() {
  local part rc=0
  for part in containerd kubelet kube-proxy coredns object-store api-forward; do
    if running "$part"; then echo "  $part: running (pid $(cut -d" " -f1 "$(pidfile "$part")"))"; else echo "  $part: not running"; rc=1; fi
  done
  if node_ready; then echo "node $NODE: Ready ($NODE_IP, $(kubectl_ get pods -A --field-selector "spec.nodeName=$NODE" --no-headers 2>/dev/null | wc -l) pod(s))"
  else echo "node $NODE: not Ready"; rc=1; fi
  return $rc
}

# Under the stack's lock (lib.sh's stack_locked), as tools/stack.sh runs it.
case "${1:-}" in up|down) stack_locked "$0" "$@" ;; esac
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: tools/local-node/node.sh up|down|status" ;;
esac
