#!/usr/bin/env bash
# The rollback workflow's first job: the target environment ($TARGET_ENVIRONMENT, from the dispatch)
# must be one of tools/deploy/environments.yaml's, and a repository_dispatch must carry its alert
# as client_payload.alert ({environment, service, alert}). Writes environment=<name> to
# $GITHUB_OUTPUT; refuses anything else before any GitHub environment is named.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
known="$(grep -oE '^[a-z][a-z0-9-]*:' tools/deploy/environments.yaml | tr -d ':' | tr '\n' ' ')"
target="${TARGET_ENVIRONMENT:-}"
[ -n "$target" ] || die "no target environment: a workflow_dispatch names it (input environment), an alert dispatch as client_payload.environment (one of: $known)"
[[ " $known" == *" $target "* ]] || die "unknown environment '$target': one of $known(tools/deploy/environments.yaml); nothing was rolled back"
if [ "${GITHUB_EVENT_NAME:-}" = repository_dispatch ]; then
  [ -f "${GITHUB_EVENT_PATH:-}" ] || die "GITHUB_EVENT_PATH is not a file"
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e 'const p = require(process.argv[1]).client_payload ?? {}; if (!Array.isArray(p.alert?.alerts)) { console.error("client_payload has no alert: send {environment, service, alert: <the Alertmanager webhook payload, firing alerts only>}"); process.exit(1); }' "$GITHUB_EVENT_PATH" ||
    die "the alert dispatch is not {environment, service, alert}; nothing was rolled back"
fi
echo "rollback target: $target"
[ -z "${GITHUB_OUTPUT:-}" ] || echo "environment=$target" >> "$GITHUB_OUTPUT"
