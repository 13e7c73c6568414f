#!/usr/bin/env bash
# The sharded CI's entry points (ci.yml's plan and affected jobs call only these):
#   scripts/ci-shard.sh plan N target...    the affected tasks, computed once, balanced over N shards
#   scripts/ci-shard.sh run K PLAN_FILE     shard K's tasks, exactly, with the self-hosted remote cache
# NX_BASE / NX_HEAD choose the compared commits (nrwl/nx-set-shas sets them in Actions); the
# durations that balance the plan are in $CI_DURATIONS_FILE (ci.yml keeps it with actions/cache).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

case "${1:-}" in
  plan)
    [ $# -ge 3 ] || die "usage: ci-shard.sh plan N target..."
    count="$2"
    shift 2
    base="${NX_BASE:-origin/main}"
    head="${NX_HEAD:-HEAD}"
    require_workspace_in_sync
    step "Affected ($base..$head): $*, in $count shard(s)"
    node scripts/ci-shards.mjs plan --shards "$count" --targets "$*" --base "$base" --head "$head"
    ;;
  run)
    [ $# -eq 3 ] || die "usage: ci-shard.sh run K PLAN_FILE"
    step "Remote cache"
    remote_cache_preflight
    step "Shard $2"
    node scripts/ci-shards.mjs run --plan "$3" --shard "$2" --parallel "${NX_PARALLEL:-3}"
    ;;
  *) die "usage: ci-shard.sh plan N target... | run K PLAN_FILE" ;;
esac
