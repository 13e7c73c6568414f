#!/usr/bin/env bash
# The CI entry point: run the targets of the projects a change affects, in parallel,
# with the self-hosted remote cache when it answers. The workflow calls only this.
#   scripts/ci-affected.sh [target ...] [--nx-flag ...]   (default: lint test coverage build)
# Arguments starting with - go to nx as they are (e.g. --configuration=push).
# NX_BASE / NX_HEAD choose the compared commits (nrwl/nx-set-shas sets them in Actions).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

targets=()
flags=()
for arg in "$@"; do
  case "$arg" in
    -*) flags+=("$arg") ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(lint test coverage build)
base="${NX_BASE:-origin/main}"
head="${NX_HEAD:-HEAD}"
# A commit, or the empty tree (nx-set-shas's fallback-sha in the workflows: every file changed).
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || [ "$base" = "$(git hash-object -t tree /dev/null)" ] ||
  die "base commit '$base' not found: fetch full history (actions/checkout fetch-depth: 0) or set NX_BASE"

require_workspace_in_sync

step "Remote cache"
remote_cache_preflight

step "Affected ($base..$head): ${targets[*]}"
npx nx show projects --affected --base="$base" --head="$head" | sed 's/^/  /'
set +e
npx nx affected -t "${targets[@]}" --base="$base" --head="$head" \
  --parallel="${NX_PARALLEL:-3}" --output-style=static ${flags[@]+"${flags[@]}"}
status=$?
set -e

summary "### Affected targets: ${targets[*]}"
summary "Compared \`$base\`..\`$head\`; exit status $status."
exit "$status"
