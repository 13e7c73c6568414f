#!/usr/bin/env bash
# The rollback workflow's step: from workflow_dispatch inputs (SERVICE, TARGET_ENVIRONMENT,
# REASON) or from a repository_dispatch alert ($GITHUB_EVENT_PATH's client_payload.alert, an
# Alertmanager webhook payload, which must name TARGET_ENVIRONMENT: the credentials this run
# holds), run nx run deploy:rollback.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
args=(--output-style=stream-without-prefixes)
if [ "${GITHUB_EVENT_NAME:-}" = repository_dispatch ]; then
  [ -f "${GITHUB_EVENT_PATH:-}" ] || die "GITHUB_EVENT_PATH is not a file"
  payload="${RUNNER_TEMP:-/tmp}/alert-payload.json"
  [ -n "${TARGET_ENVIRONMENT:-}" ] || die "TARGET_ENVIRONMENT is not set"
  node -e 'const e=require(process.argv[1]); require("fs").writeFileSync(process.argv[2], JSON.stringify(e.client_payload?.alert ?? {}))' "$GITHUB_EVENT_PATH" "$payload"
  args+=("--alert=$payload" "--alertEnvironment=$TARGET_ENVIRONMENT")
else
  [ -n "${TARGET_ENVIRONMENT:-}" ] || die "TARGET_ENVIRONMENT is not set"
  [ -n "${REASON:-}" ] || die "REASON is not set: say why (it is recorded in the release history)"
  args+=("--environment=$TARGET_ENVIRONMENT" "--reason=$REASON")
  if [ "${SERVICE:-all}" = all ]; then args+=(--all); else args+=("--services=$SERVICE"); fi
fi
npx nx run deploy:rollback "${args[@]}"
