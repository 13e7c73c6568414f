#!/usr/bin/env bash
# Start, stop or check the local container engine, image registry and build daemon:
#   dockerd (Debian docker.io; vfs storage, no iptables, no bridge - builds and test
#   containers use the host network), a registry on 127.0.0.1:5000 (Debian docker-registry) and
#   buildkitd (BuildKit, built from Go modules by scripts/build-go-tools.sh image-builder; runc
#   worker, overlayfs snapshots, host network) on $BUILDKIT_SOCKET, with the buildx docker CLI
#   plugin installed for every user. tools/docker/buildx-builder.sh makes it a user's builder.
#   tools/docker/daemon.sh up|down|status
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
become_root "$0" "$@"
# Programs the calling user built (buildkitd), when root has not built its own.
if [ -n "${TRADING_CALLER_BIN:-}" ]; then PATH="$PATH:$TRADING_CALLER_BIN"; fi

STATE="$TRADING_HOME/docker-state"
REGISTRY_ADDR="$LOCAL_REGISTRY" # .env
BUILDKIT_SOCKET="${BUILDKIT_SOCKET:-/run/trading-buildkit/buildkitd.sock}"
# Where the buildx plugin goes (TRADING_BUILDX_PLUGIN_DIR: a test of the side-by-side install only).
PLUGIN_DIR="${TRADING_BUILDX_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
mkdir -p "$STATE"

docker_up() { docker info >/dev/null 2>&1; }
registry_up() { curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }
buildkit_up() { [ -S "$BUILDKIT_SOCKET" ] && buildctl --addr "unix://$BUILDKIT_SOCKET" debug workers >/dev/null 2>&1; }

up() {
  command -v dockerd >/dev/null || die "dockerd is missing: run 'bash tools/docker/install.sh'"
  command -v docker-registry >/dev/null || die "docker-registry is missing: run 'bash tools/docker/install.sh'"
  if docker_up; then echo "docker: already running"; else
    echo "docker: starting dockerd (data in $TRADING_HOME/docker, log $STATE/dockerd.log)"
    # dockerd writes a pid file of its own too, and refuses one naming a live process: its own name.
    daemon_start "$STATE/dockerd.pid" "$STATE/dockerd.log" dockerd --storage-driver=vfs --iptables=false --bridge=none \
      --data-root "$TRADING_HOME/docker" --pidfile "$STATE/dockerd.self.pid"
    daemon_wait dockerd 30 "$STATE/dockerd.log" docker_up
    echo "docker: up ($(docker version -f '{{.Server.Version}}'))"
  fi
  if registry_up; then echo "registry: already answering on $REGISTRY_ADDR"; else
    if listening "$REGISTRY_ADDR"; then
      die "port ${REGISTRY_ADDR#*:} is in use by something that is not a registry: free it or set LOCAL_REGISTRY=127.0.0.1:<port>"
    fi
    cat > "$STATE/registry.yml" <<YAML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $TRADING_HOME/registry }
  delete: { enabled: true }
http:
  addr: $REGISTRY_ADDR
YAML
    daemon_start "$STATE/registry.pid" "$STATE/registry.log" docker-registry serve "$STATE/registry.yml"
    daemon_wait registry 30 "$STATE/registry.log" registry_up
    echo "registry: up on $REGISTRY_ADDR"
  fi
  start_buildkit
}

# BuildKit: optional. Without its binaries the docker-build executor uses the classic builder.
start_buildkit() {
  if ! command -v buildkitd >/dev/null; then
    echo "buildkit: not built (bash scripts/build-go-tools.sh image-builder); builds use the classic builder"
    return 0
  fi
  # Replaced atomically through a file of this process's own: jobs side by side on one machine
  # (act's parallel shards, a self-hosted runner's) start this at the same time.
  if ! cmp -s "$(command -v buildx)" "$PLUGIN_DIR/docker-buildx"; then
    install -D -m 0755 "$(command -v buildx)" "$PLUGIN_DIR/.docker-buildx.$$" && mv -f "$PLUGIN_DIR/.docker-buildx.$$" "$PLUGIN_DIR/docker-buildx"
  fi
  if buildkit_up; then echo "buildkit: already running on $BUILDKIT_SOCKET"; return 0; fi
  mkdir -p "$(dirname "$BUILDKIT_SOCKET")"
  # Members of the docker group may build, as they may use dockerd. The registry is plain HTTP.
  cat > "$STATE/buildkitd.toml" <<TOML
root = "$TRADING_HOME/buildkit"
[grpc]
  address = ["unix://$BUILDKIT_SOCKET"]
  gid = $(getent group docker | cut -d: -f3 || echo 0)
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  gc = true
  gckeepstorage = "10GB"
[worker.containerd]
  enabled = false
[registry."$REGISTRY_ADDR"]
  http = true
TOML
  echo "buildkit: starting buildkitd (state in $TRADING_HOME/buildkit, log $STATE/buildkitd.log)"
  daemon_start "$STATE/buildkitd.pid" "$STATE/buildkitd.log" buildkitd --config "$STATE/buildkitd.toml" --oci-worker-net host --allow-insecure-entitlement network.host
  daemon_wait buildkitd 30 "$STATE/buildkitd.log" buildkit_up
  echo "buildkit: up on $BUILDKIT_SOCKET ($(buildkitd --version | awk '{print $3}'))"
}

down() {
  local name
  for name in buildkitd registry dockerd; do
    if daemon_stop "$STATE/$name.pid"; then echo "$name: stopped"; else echo "$name: not running (started elsewhere, or already stopped)"; fi
  done
}

status() {
  local rc=0
  if docker_up; then echo "docker: up ($(docker version -f '{{.Server.Version}}'))"; else echo "docker: down"; rc=1; fi
  if registry_up; then echo "registry: up on $REGISTRY_ADDR"; else echo "registry: down"; rc=1; fi
  if buildkit_up; then echo "buildkit: up on $BUILDKIT_SOCKET"
  elif command -v buildkitd >/dev/null; then echo "buildkit: down"; rc=1
  else echo "buildkit: not built (builds use the classic builder)"; fi
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: tools/docker/daemon.sh up|down|status" ;;
esac
