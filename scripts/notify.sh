#!/usr/bin/env bash
# Post a one-line deploy notification to a chat webhook (Slack-compatible JSON {"text": ...}).
#   scripts/notify.sh <what> <outcome>      NOTIFY_WEBHOOK_URL unset: print only.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
what="${1:?what}" outcome="${2:?outcome}"
run_url="${GITHUB_SERVER_URL:-}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
text="$what: $outcome (${GITHUB_SHA:-$(git rev-parse --short HEAD)}) $run_url"
echo "$text"
summary "### $what: $outcome"
if [ -z "${NOTIFY_WEBHOOK_URL:-}" ]; then echo "NOTIFY_WEBHOOK_URL is not set: notification printed only"; exit 0; fi
body="$(node -e 'process.stdout.write(JSON.stringify({ text: process.argv[1] }))' "$text")"
# A failed notification is reported but does not change the deploy's outcome.
curl -fsS --max-time 10 -H 'Content-Type: application/json' -d "$body" "$NOTIFY_WEBHOOK_URL" >/dev/null ||
  warn "notification to the webhook failed"
