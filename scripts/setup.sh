#!/usr/bin/env bash
# Install everything the workspace needs: npm packages, uv and the Python environments,
# cargo crates and the Rust coverage tool. Safe to rerun; fast when already installed.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

UV_VERSION=0.13.9
CARGO_LLVM_COV_VERSION=0.9.1

step "Node.js (the version .nvmrc pins)"
bash scripts/install-node.sh

step "Checking toolchains"
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || die "python3 is not Python 3.11 (.python-version pins it): install 3.11; in GitHub Actions, actions/setup-python with python-version-file: .python-version"
[ "$(node -p 'process.versions.node.split(".")[0]')" = "$(cut -d. -f1 .nvmrc)" ] \
  || die "node is $(node --version), .nvmrc pins $(cat .nvmrc): run 'bash scripts/install-node.sh'"

if ! command -v uv >/dev/null || [ "$(uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  step "Installing uv $UV_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
echo "uv $(uv --version | awk '{print $2}'), node $(node --version), $(cargo --version)"

step "Installing npm packages (npm ci; install scripts limited to package.json allowScripts)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # --prefer-offline: what the npm cache holds is used without asking the registry again. A fetch
  # can stall with its sockets open and npm then waits forever (npm/cli#5721, #4028; seen here: 30
  # min on 10 idle sockets under act), so an install that takes over 10 minutes is stopped and tried
  # once more; the second try finds most of it in the cache.
  for attempt in 1 2; do
    status=0
    timeout 600 npm ci --no-audit --no-fund --loglevel=error --prefer-offline || status=$?
    [ "$status" = 0 ] && break
    if [ "$status" != 124 ] || [ "$attempt" = 2 ]; then die "npm ci failed (exit $status)"; fi
    echo "npm ci stalled for 10 minutes (a registry fetch that never ends); trying once more"
  done
else
  echo "node_modules is up to date with package-lock.json"
fi

step "Rust components and cargo-llvm-cov $CARGO_LLVM_COV_VERSION"
rustup component add clippy rustfmt llvm-tools >/dev/null 2>&1 || rustup component list --installed
if ! cargo llvm-cov --version 2>/dev/null | grep -q "$CARGO_LLVM_COV_VERSION"; then
  cargo install --locked --quiet cargo-llvm-cov --version "$CARGO_LLVM_COV_VERSION"
fi
cargo fetch --locked --quiet

step "Python environments (uv sync --locked)"
for project in libs/trading-core apps/agents; do
  (cd "$project" && uv sync --locked --quiet) || die "uv sync failed in $project: run 'cd $project && uv lock' if pyproject.toml changed"
  echo "  $project: $(cd "$project" && uv run --locked python --version)"
done

# The browser the e2e tests drive (Playwright cannot download one here): Debian's Chromium, or the
# Google Chrome that GitHub's Ubuntu runners carry.
command -v chromium >/dev/null || command -v google-chrome >/dev/null || apt_install chromium

step "Go tools (GCS emulator for the cache server's tests)"
bash scripts/build-go-tools.sh gcs-emulator

step "Setup complete"
