#!/usr/bin/env bash
# Run one of the repository's GitHub workflows locally with act (nektos/act, built from Go modules
# by scripts/build-go-tools.sh workflow-runner), the way GitHub runs it as far as this machine allows:
#   - jobs on the host (-P ubuntu-24.04=-self-hosted), as the non-root user `runner` with passwordless
#     sudo and its own HOME (tools/workflow-runner/runner-user.sh); ACT_AS=root runs them as root;
#   - every pinned action from its folder in ../shared/github-actions (where it exists; elsewhere act
#     fetches as usual), google-github-actions/auth and get-gke-credentials from their local
#     stand-ins (no OIDC, no Google API here);
#   - setup-node, setup-go and setup-python find this machine's toolchains in act's tool cache;
#   - act's cache and artifact servers on 127.0.0.1, no version check.
#   tools/workflow-runner/act.sh <workflow.yml> <event> [act flags...]   e.g. rollback.yml workflow_dispatch -e ev.json
# Run it from the repository to run (a clone: act reads its origin for github.repository).
# ACT_ENV_FILE adds variables to every step; ACT_PATH_PREPEND puts folders first on the steps' PATH
# (the tests' stand-ins for gcloud); ACT_STATE_DIR is the folder of the runs' state (below).
ORIGINAL_PATH="$PATH" # before lib.sh puts this user's tool folders on it
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
workflow="${1:?usage: act.sh <workflow.yml> <event> [act flags...]}"
event="${2:?usage: act.sh <workflow.yml> <event> [act flags...]}"
shift 2
repo="$(pwd)"
[ -f "$repo/.github/workflows/$workflow" ] || die "no workflow .github/workflows/$workflow in $repo"
ACT_AS="${ACT_AS:-runner}"
# The pinned actions' local copies: $SHARED_ACTIONS, else beside the clone, else this machine's shared folder.
if [ -z "${SHARED_ACTIONS:-}" ]; then
  for candidate in "$ROOT/../shared/github-actions" /work/shared/github-actions; do
    if [ -d "$candidate" ]; then SHARED_ACTIONS="$(cd "$candidate" && pwd)"; break; fi
  done
fi
SHARED_ACTIONS="${SHARED_ACTIONS:-}"
[ -n "$SHARED_ACTIONS" ] || warn "no local copies of the pinned actions (SHARED_ACTIONS): act will fetch them from GitHub"
HERE="$(cd "$(dirname "$0")" && pwd)"

[ -x "$TRADING_BIN/act" ] || bash "$ROOT/scripts/build-go-tools.sh" workflow-runner >&2
if [ "$ACT_AS" = root ]; then
  [ "$(id -u)" = 0 ] || die "ACT_AS=root needs root"
  run_home="$HOME"; as=()
else
  id "$ACT_AS" >/dev/null 2>&1 || die "no user '$ACT_AS': run 'bash tools/workflow-runner/runner-user.sh' as root first"
  run_home="$(getent passwd "$ACT_AS" | cut -d: -f6)"
  if [ "$(id -un)" = "$ACT_AS" ]; then as=(); else as=(sudo -u "$ACT_AS" -H); fi
fi
# Where the runs keep their state: the job folders and the tool cache (act's action cache path), the
# Actions cache and the artifacts. ACT_STATE_DIR gives a caller folders of its own (each act test
# has one in its runner clone's folder), the runner's ~/.cache/act otherwise.
cache="${ACT_STATE_DIR:-$run_home/.cache/act}"
# One act run at a time per state folder: the job folders a run removes at its end are found by
# time, and its Actions cache is one database file. Runs with folders of their own run side by side,
# each with its artifact server on a free port. The lock stays with flock (-o), never with a daemon
# a job starts (dockerd).
if [ "${ACT_LOCKED:-}" != 1 ]; then
  mkdir -p "$TRADING_HOME/locks"
  lock="$TRADING_HOME/locks/act-$(printf '%s' "$cache" | sha256sum | cut -c1-12).lock"
  status=0
  ACT_LOCKED=1 flock -n -E 75 -o "$lock" bash "$0" "$workflow" "$event" "$@" || status=$?
  [ "$status" = 75 ] || exit "$status"
  echo "act: another act run with the state folder $cache holds $lock (one at a time per folder); waiting"
  ACT_LOCKED=1 exec flock -o "$lock" bash "$0" "$workflow" "$event" "$@"
fi
"${as[@]}" mkdir -p "$cache"
artifact_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# The toolchains this machine has, where setup-node/-go/-python look first (and then download nothing).
prefill_tool() {
  local name="$1" version="$2" target="$3"
  local dir="$cache/tool_cache/$name/$version"
  "${as[@]}" mkdir -p "$dir"
  if [ ! -e "$dir/x64" ]; then "${as[@]}" ln -sfn "$target" "$dir/x64"; fi
  "${as[@]}" touch "$dir/x64.complete"
}
node_dir="$cache/toolchains/node-$(node --version | tr -d v)"
"${as[@]}" mkdir -p "$node_dir/bin"
for tool in node npm npx; do "${as[@]}" ln -sfn "$(readlink -f "$(command -v "$tool")")" "$node_dir/bin/$tool"; done
prefill_tool node "$(node --version | tr -d v)" "$node_dir"
go_root="$(go env GOROOT)"
prefill_tool go "$(go env GOVERSION | sed 's/^go//')" "$go_root"
python_prefix="$(python3 -c 'import sys; print(sys.base_prefix)')"
prefill_tool Python "$(python3 -c 'import platform; print(platform.python_version())')" "$python_prefix"

# Pinned actions: local folders, by the exact SHA the workflows use.
maps=()
while read -r use; do
  repo_name="${use%@*}" sha="${use#*@}"
  if [ "$repo_name" = google-github-actions/auth ] || [ "$repo_name" = google-github-actions/get-gke-credentials ]; then
    maps+=(--local-repository "$use=$HERE/stand-ins/${repo_name/\//-}")
  elif [ -n "$SHARED_ACTIONS" ] && [ -d "$SHARED_ACTIONS/$repo_name/$sha" ]; then
    maps+=(--local-repository "$use=$SHARED_ACTIONS/$repo_name/$sha")
  fi
done < <(grep -hoE 'uses: [A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}' "$repo"/.github/workflows/*.yml |
  sed -E 's#^uses: ([^/]+/[^/@]+)[^@]*@#\1@#' | sort -u) # an action in a subfolder (actions/cache/restore) is its repository's

args=(-W ".github/workflows/$workflow" "$event"
  -P ubuntu-24.04=-self-hosted -P ubuntu-latest=-self-hosted
  --action-offline-mode --action-cache-path "$cache"
  --cache-server-addr 127.0.0.1 --cache-server-path "$cache/cache-server"
  --artifact-server-addr 127.0.0.1 --artifact-server-port "$artifact_port" --artifact-server-path "$cache/artifacts"
  "${maps[@]}")
if [ -n "${ACT_ENV_FILE:-}" ]; then args+=(--env-file "$ACT_ENV_FILE"); fi

step "act: $workflow ($event) as $ACT_AS in $repo"
# The runner's own tool folders first, then the machine's PATH; rustup's toolchains are read where
# they are. The programs the project builds go to the runner's own folder, kept between jobs (the
# workflows' TRADING_HOME is inside act's per-job folder).
env_pass=(ACT_DISABLE_VERSION_CHECK=1 "PATH=${ACT_PATH_PREPEND:+$ACT_PATH_PREPEND:}$run_home/.local/bin:$run_home/.cargo/bin:$ORIGINAL_PATH"
  "RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}" "TRADING_BIN=${ACT_TRADING_BIN:-$run_home/.cache/trading-platform/bin}")
for var in $(compgen -e | grep -E '^(SSL_|REQUESTS_CA|PIP_CERT|NODE_EXTRA_CA|CURL_CA|GIT_SSL|STAND_IN_|KUBECONFIG$|HTTPS?_PROXY$|NO_PROXY$|GOPROXY$|GOFLAGS$)'); do
  env_pass+=("$var=${!var}")
done
# act leaves each job's folder (a copy of the workspace, ~1 GB here) behind in host mode: remove
# the ones this run made once it ends.
marker="$(mktemp)"
trap 'find "$cache" -maxdepth 1 -regextype posix-extended -regex ".*/[0-9a-f]{16}" -newer "$marker" -exec "${as[@]}" rm -rf {} + 2>/dev/null; rm -f "$marker"' EXIT
set +e
"${as[@]}" env -i "HOME=$run_home" "USER=$ACT_AS" "${env_pass[@]}" "$TRADING_BIN/act" "${args[@]}" "$@"
status=$?
set -e
exit "$status"
