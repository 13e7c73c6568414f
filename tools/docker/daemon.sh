#!/usr/bin/env bash
# Start, stop or check the local container engine and image registry:
#   dockerd (Debian docker.io; vfs storage, no iptables, no bridge - builds and test
#   containers use the host network) and a registry on 127.0.0.1:5000 (Debian docker-registry).
#   tools/docker/daemon.sh start|stop|status
source "$(dirname "$0")/../../scripts/lib.sh"
become_root "$0" "$@"

STATE="$TRADING_HOME/docker-state"
REGISTRY_ADDR="${LOCAL_REGISTRY:-127.0.0.1:5000}"
mkdir -p "$STATE"

docker_up() { docker info >/dev/null 2>&1; }
registry_up() { curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

wait_for() {
  local what="$1" check="$2" log="$3"
  for _ in $(seq 1 60); do "$check" && return 0; sleep 0.5; done
  tail -n 20 "$log" >&2 || true
  die "$what did not come up within 30 s (log: $log)"
}

start() {
  command -v dockerd >/dev/null || die "dockerd is missing: run 'bash tools/docker/install.sh'"
  command -v docker-registry >/dev/null || die "docker-registry is missing: run 'bash tools/docker/install.sh'"
  if docker_up; then echo "docker: already running"; else
    echo "docker: starting dockerd (data in $TRADING_HOME/docker, log $STATE/dockerd.log)"
    setsid dockerd --storage-driver=vfs --iptables=false --bridge=none \
      --data-root "$TRADING_HOME/docker" --pidfile "$STATE/dockerd.pid" \
      >"$STATE/dockerd.log" 2>&1 < /dev/null &
    wait_for dockerd docker_up "$STATE/dockerd.log"
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
    setsid docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 < /dev/null &
    echo $! > "$STATE/registry.pid"
    wait_for registry registry_up "$STATE/registry.log"
    echo "registry: up on $REGISTRY_ADDR"
  fi
}

stop_pidfile() {
  local name="$1" file="$2"
  if [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null; then
    kill "$(cat "$file")"
    for _ in $(seq 1 40); do kill -0 "$(cat "$file")" 2>/dev/null || break; sleep 0.25; done
    echo "$name: stopped"
  else
    echo "$name: not running (started elsewhere, or already stopped)"
  fi
  rm -f "$file"
}

stop() {
  stop_pidfile registry "$STATE/registry.pid"
  stop_pidfile dockerd "$STATE/dockerd.pid"
}

status() {
  local rc=0
  if docker_up; then echo "docker: up ($(docker version -f '{{.Server.Version}}'))"; else echo "docker: down"; rc=1; fi
  if registry_up; then echo "registry: up on $REGISTRY_ADDR"; else echo "registry: down"; rc=1; fi
  return "$rc"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: tools/docker/daemon.sh start|stop|status" ;;
esac
