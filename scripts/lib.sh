# Shared helpers for the workspace scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# Reusable caches live outside the clone so a fresh clone reuses them.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$HOME/.cache/uv}"
export PATH="$CARGO_HOME/bin:$HOME/.local/bin:$PATH"
export NX_NO_CLOUD=true
export NX_TUI=false

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Append Markdown to the GitHub step summary when running in Actions.
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$*" >> "$GITHUB_STEP_SUMMARY"; fi; }
