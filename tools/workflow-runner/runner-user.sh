#!/usr/bin/env bash
# The user the workflow tests run jobs as, like GitHub's hosted runners: a non-root `runner` with
# passwordless sudo, in the docker group, with its own HOME. Its toolchain caches start as copies
# of this machine's warm ones (cargo registry and tools, uv, npm, and the Go tools built here), so a
# job reuses them instead of rebuilding, and everything under its HOME is its own.
# Idempotent.   tools/workflow-runner/runner-user.sh      (as root)
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "runner-user.sh creates a user: run it as root"
# Two tests preparing the runner at once would copy its caches over each other: one at a time.
mkdir -p "$TRADING_HOME/locks"
exec {user_lock}>"$TRADING_HOME/locks/runner-user.lock"
flock "$user_lock"
USER_NAME="${RUNNER_USER:-runner}"
RUNNER_HOME="/home/$USER_NAME"

command -v sudo >/dev/null || apt_install sudo
getent group docker >/dev/null || groupadd --system docker
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --create-home --home-dir "$RUNNER_HOME" --shell /bin/bash --groups docker "$USER_NAME"
fi
usermod -aG docker "$USER_NAME"
# As on GitHub's runners: passwordless sudo. Package downloads here go through a TLS-inspecting
# proxy whose CA these variables name, so sudo keeps them.
cat > /etc/sudoers.d/90-workflow-runner <<SUDOERS
$USER_NAME ALL=(ALL) NOPASSWD:ALL
Defaults env_keep += "SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE PIP_CERT NODE_EXTRA_CA_CERTS CURL_CA_BUNDLE GIT_SSL_CAINFO"
SUDOERS
chmod 0440 /etc/sudoers.d/90-workflow-runner
# The machine's toolchains live under /root (rustup, pyenv). GitHub's runners keep theirs readable
# by everyone (/opt/hostedtoolcache); let the runner pass through /root to them, without listing it.
chmod o+x /root
[ -S /var/run/docker.sock ] && chgrp docker /var/run/docker.sock && chmod g+rw /var/run/docker.sock

# Warm caches: copied (then owned by the runner) only when the runner has none yet.
copy_cache() {
  local from="$1" to="$2"
  [ -d "$from" ] || return 0
  [ -e "$to" ] && return 0
  # Copied outside the runner's HOME and handed to the runner before it moves in: an act test
  # running meanwhile asserts that nothing under the runner's HOME is root's.
  local partial
  partial="$RUNNER_HOME.staging/copy-$(basename "$to")"
  install -d -o "$USER_NAME" -g "$USER_NAME" "$(dirname "$to")"
  mkdir -p "$RUNNER_HOME.staging"
  rm -rf "$partial"
  cp -a "$from" "$partial"
  chown -R "$USER_NAME:$USER_NAME" "$partial"
  mv "$partial" "$to"
  echo "runner: $to from $from ($(du -sh "$to" | cut -f1))"
}
copy_cache "$CARGO_HOME/registry" "$RUNNER_HOME/.cargo/registry"
copy_cache "$CARGO_HOME/bin" "$RUNNER_HOME/.cargo/bin"
copy_cache "$UV_CACHE_DIR" "$RUNNER_HOME/.cache/uv"
copy_cache "$HOME/.npm" "$RUNNER_HOME/.npm"
# Go tools the workflows build (scripts/build-go-tools.sh): this machine's builds, with their stamps,
# so the runner's build finds them current (grype alone is a 9-minute build, the control plane 17).
runner_bin="$RUNNER_HOME/.cache/trading-platform/bin"
for dir in "$RUNNER_HOME/.cache" "$RUNNER_HOME/.cache/trading-platform" "$runner_bin"; do install -d -o "$USER_NAME" -g "$USER_NAME" "$dir"; done
for pair in gcs-emulator:fake-gcs-server ci-tools:actionlint image-scanner:grype image-builder:buildkitd,buildctl,buildx supply-chain:syft,oras \
  local-cluster:kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,kubelet,kube-proxy,kwok,kwokctl,etcd \
  prometheus:prometheus,promtool; do
  set_name="${pair%%:*}"
  IFS=, read -r -a programs <<< "${pair#*:}"
  [ -f "$TRADING_BIN/.$set_name.stamp" ] || continue
  for program in "${programs[@]}"; do [ -x "$TRADING_BIN/$program" ] || continue 2; done
  cmp -s "$TRADING_BIN/.$set_name.stamp" "$runner_bin/.$set_name.stamp" && continue
  for program in "${programs[@]}"; do install -o "$USER_NAME" -g "$USER_NAME" -m 755 "$TRADING_BIN/$program" "$runner_bin/"; done
  install -o "$USER_NAME" -g "$USER_NAME" -m 644 "$TRADING_BIN/.$set_name.stamp" "$runner_bin/"
  echo "runner: ${programs[*]} from $TRADING_BIN"
done
chown -R "$USER_NAME:$USER_NAME" "$RUNNER_HOME/.cache/trading-platform"
chown "$USER_NAME:$USER_NAME" "$RUNNER_HOME/.cache" "$RUNNER_HOME/.cargo" 2>/dev/null || true
echo "runner user: $USER_NAME (HOME $RUNNER_HOME, passwordless sudo, docker group)"
