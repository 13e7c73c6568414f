# Shared helpers for the workspace scripts. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# The local stack's names and addresses (.env, which Nx loads into every task too): a variable set
# in the environment wins.
while IFS= read -r line; do
  [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
  [ -n "${!BASH_REMATCH[1]:-}" ] || export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
done <"$ROOT/.env"
unset line
# Reusable caches live outside the clone so a fresh clone reuses them.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$HOME/.cache/uv}"
# Programs the project builds itself (Go tools, the control plane) and its long-lived state.
export TRADING_HOME="${TRADING_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/trading-platform}"
export TRADING_BIN="${TRADING_BIN:-$TRADING_HOME/bin}"
export PATH="$CARGO_HOME/bin:$HOME/.local/bin:$TRADING_BIN:$PATH"
# Nx's local cache: Nx 23 keeps cache and task database for every checkout of one repository
# under ~/.nx/<repository id> (outside the clone), so a fresh clone of the same commit replays
# every cacheable task. Setting NX_CACHE_DIRECTORY would turn that off: each checkout then keeps
# its own task database and never sees the artifacts another wrote (measured today: a clean clone
# re-ran every task while $TRADING_HOME/nx-cache held them all; nrwl/nx#37110).
export NX_NO_CLOUD=true
# Semgrep: no version check (it waits on the network for minutes where semgrep.dev is out of reach) and no metrics.
export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off
# Images are tagged for, and pushed to, the local registry unless told otherwise.
export DOCKER_REGISTRY="${DOCKER_REGISTRY:-127.0.0.1:5000/trading}"
export NX_TUI=false

# A step's heading carries the time of day, so a long run's log shows where its time went.
step() { printf '\n\033[1m==> %s\033[0m (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
warn() {
  printf '\033[33mwarning:\033[0m %s\n' "$*" >&2
  if [ -n "${GITHUB_ACTIONS:-}" ]; then printf '::warning::%s\n' "$*"; fi
}

notice() {
  printf '%s\n' "$*"
  if [ -n "${GITHUB_ACTIONS:-}" ]; then printf '::notice::%s\n' "$*"; fi
}

# The command prefix that runs a command as root: nothing for root; `sudo -H` (root's own HOME, so
# nothing root writes lands in the user's HOME) for a user with passwordless sudo, as on GitHub's
# runners. Certificate variables are passed on: package downloads may go through a TLS proxy.
root_prefix() {
  ROOT_PREFIX=()
  [ "$(id -u)" = 0 ] && return 0
  { command -v sudo >/dev/null && sudo -n true 2>/dev/null; } ||
    die "$1 needs root: run it as root, or as a user with passwordless sudo"
  ROOT_PREFIX=(sudo -H env)
  local var
  for var in SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE NODE_EXTRA_CA_CERTS; do
    if [ -n "${!var:-}" ]; then ROOT_PREFIX+=("$var=${!var}"); fi
  done
}

# For scripts that must run as root (the container engine, base images): run as a user, the script
# runs itself again as root, with root's HOME and root's state folder (~root/.cache/trading-platform).
# The caller's Node.js goes along for the Node base image, and the caller's tool folder (after
# root's own on PATH) for programs the caller built.  Usage: become_root "$0" "$@"
become_root() {
  [ "$(id -u)" = 0 ] && return 0
  root_prefix "$(basename "$1")"
  exec "${ROOT_PREFIX[@]}" "NODE_BINARY=${NODE_BINARY:-$(command -v node || true)}" "TRADING_CALLER_BIN=$TRADING_BIN" bash "$@"
}

# Install Debian packages (as root, through sudo for a user): from the current package lists, or
# after an apt-get update.
apt_install() {
  root_prefix "installing $* (apt-get install $*)"
  step "Installing $* from Debian"
  local apt=(${ROOT_PREFIX[@]+"${ROOT_PREFIX[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get)
  "${apt[@]}" install -y -q --no-install-recommends "$@" >/dev/null 2>&1 ||
    { "${apt[@]}" update -q >/dev/null && "${apt[@]}" install -y -q --no-install-recommends "$@" >/dev/null; } ||
    die "apt-get could not install $*"
}

# The local stack's bring-ups and teardowns, one at a time on a machine: tools/stack.sh and each
# part's own script (cluster.sh, node.sh, prometheus.sh, postgres.sh) re-run themselves under one
# lock, taken once by the outermost call. A test's `nx run local-cluster:up` beside the launcher's
# bring-up used to restart the node's daemons over each other (full34: the API relay's pid file
# named a process that lost the port, the one holding it was left running). `flock -o`: the lock
# stays with flock, never with the daemons a part starts.   usage: stack_locked SCRIPT ARGS...
stack_locked() {
  [ -z "${STACK_LOCKED:-}" ] || return 0
  mkdir -p "$TRADING_HOME/locks"
  if ! flock -n "$TRADING_HOME/locks/stack.lock" true; then echo "stack: waiting for another bring-up or teardown on this machine to finish"; fi
  STACK_LOCKED=1 exec flock -o -w 3600 "$TRADING_HOME/locks/stack.lock" bash "$@"
}

# Daemons, started and stopped one way (tools/docker/daemon.sh, tools/prometheus/prometheus.sh,
# tools/local-node/node.sh): detached in a session of their own, output to a log, pid to a file.
# A pid file holds "pid start-time" (the process's start in clock ticks since boot, /proc/<pid>/stat
# field 22): a pid alone names whatever process reuses it later (a full run once found Prometheus's
# old pid alive as another program, waited for a Prometheus that was never started, and would have
# killed that program on stop; that pid was a thread's). A file with the pid alone (written before
# this) names its process only if that process started before the file was written.
started_at() { local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" && awk '{ print $20 }' <<<"${stat##*) }"; }
started_epoch() { # pid: when it started, in seconds since the epoch
  local ticks boot
  ticks="$(started_at "$1")" && boot="$(awk '/^btime/ { print $2 }' /proc/stat)" && echo $((boot + ticks / $(getconf CLK_TCK)))
}
daemon_running() { # pidfile
  local p t
  [ -r "$1" ] && read -r p t <"$1" || return 1
  [ -d "/proc/$p" ] && [ "$(awk '/^Tgid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$p" ] || return 1 # a live process, not a thread
  if [ -n "$t" ]; then [ "$(started_at "$p")" = "$t" ]; else [ "$(started_epoch "$p")" -le "$(stat -c %Y "$1")" ]; fi
}
daemon_start() { # pidfile log command...: started unless the pid file names a live process
  local pidfile="$1" log="$2"
  shift 2
  daemon_running "$pidfile" && return 0
  setsid "$@" >"$log" 2>&1 </dev/null &
  echo "$! $(started_at $!)" >"$pidfile"
}
daemon_stop() { # pidfile [grace seconds, 10]: TERM, then KILL; 1 when none was running
  local pidfile="$1" grace="${2:-10}" p
  if ! daemon_running "$pidfile"; then rm -f "$pidfile"; return 1; fi
  read -r p _ <"$pidfile"
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 4))); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$pidfile"
}
daemon_wait() { # what seconds log check...: until the check passes, else the log's tail and an error
  local what="$1" seconds="$2" log="$3"
  shift 3
  for _ in $(seq 1 $((seconds * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  tail -n 20 "$log" >&2 || true
  die "$what did not come up within $seconds s (log: $log)"
}

# Whether something accepts TCP connections on host:port.
listening() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

# Append Markdown to the GitHub step summary when running in Actions.
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$@" >> "$GITHUB_STEP_SUMMARY"; fi; }

# Files generated from the whole workspace (the Rust crates' locked closures, from Cargo.lock) must
# be current, or affected would miss the crates a lockfile change touches.
require_workspace_in_sync() {
  step "Workspace in sync (npx nx sync:check)"
  npx nx sync:check || die "generated files are stale: run \`npx nx sync\` and commit the result"
}

# Use the self-hosted Nx remote cache only when it answers. Nx 23 ends a run with
# "Failed to send request" (exit 1) when the server is unreachable, so an outage
# would fail CI: degrade to the local cache with a warning instead. A refused token
# is a misconfiguration, not an outage, and stops the run.
remote_cache_preflight() {
  local server="${NX_SELF_HOSTED_REMOTE_CACHE_SERVER:-}"
  if [ -z "$server" ]; then
    echo "remote cache: not configured (NX_SELF_HOSTED_REMOTE_CACHE_SERVER unset); local cache only"
    return 0
  fi
  if [ -z "${NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN:-}" ]; then
    # Pull requests from forks and Dependabot get no secrets: run, without the remote cache.
    notice "remote cache: no access token (secrets are not given to fork or Dependabot pull requests); running with the local cache only"
    summary "> [!NOTE]" "> Remote cache $server not used: this run has no access token (fork or Dependabot pull request)."
    unset NX_SELF_HOSTED_REMOTE_CACHE_SERVER NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN
    return 0
  fi
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    -H "Authorization: Bearer ${NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN:-}" \
    "${server%/}/v1/cache/0")" || true
  case "$code" in
    200 | 404)
      echo "remote cache: $server answers; using it" ;;
    401)
      die "remote cache: $server refused the token (401). Check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN, or unset NX_SELF_HOSTED_REMOTE_CACHE_SERVER to run without it." ;;
    *)
      warn "remote cache: $server is unreachable or unhealthy (HTTP ${code:-none}); running with the local cache only"
      summary "> [!WARNING]"
      summary "> Remote cache $server was unreachable (HTTP ${code:-none}); this run used the local cache only."
      unset NX_SELF_HOSTED_REMOTE_CACHE_SERVER NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN ;;
  esac
}
