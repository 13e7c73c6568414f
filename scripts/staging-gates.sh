#!/usr/bin/env bash
# The release gates against a deployed environment (issue 18): the load test of every service with
# a load.yaml (1000 users at a constant arrival rate, p95 under 100 ms, no error) and the dashboard's
# browser tests, both through the active Services. Run after `nx run deploy:staging` (main.sh does).
#   bash scripts/staging-gates.sh [namespace] [context]    default: trading-staging, the local cluster ($LOCAL_CLUSTER_CONTEXT)
# The Services' ClusterIPs are reachable from this machine on the local cluster; on GKE run it where
# they are (an in-cluster runner), or it stops at the first unreachable one.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
NAMESPACE="${1:-trading-staging}"
CONTEXT="${2:-$LOCAL_CLUSTER_CONTEXT}"

url() {
  local ip
  ip="$(kubectl --context "$CONTEXT" -n "$NAMESPACE" get service "$1" -o jsonpath='{.spec.clusterIP}' 2>&1)" \
    || die "no Service $1 in $NAMESPACE ($CONTEXT): $ip. Deploy first: npx nx run deploy:staging"
  # A Service created moments ago answers once every kube-proxy has its rules (about a second here).
  local tries=0
  until curl -fsS --max-time 2 "http://$ip/healthz" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 20 ] || die "Service $1 in $NAMESPACE answers nothing at http://$ip/healthz after 10 s: is it ready, and are ClusterIPs reachable from here?"
    sleep 0.5
  done
  printf 'http://%s' "$ip"
}

# oha, the load generator (pinned, built once outside the clone; a no-op when present).
bash scripts/install-ci-tools.sh load

failed=0
for project in agents execution-engine; do
  base="$(url "$project")" || exit 1
  step "Load test: nx run $project:load --baseUrl=$base ($NAMESPACE)"
  npx nx run "$project:load" --baseUrl="$base" --output-style=stream-without-prefixes || failed=1
done
url dashboard >/dev/null || exit 1
step "End-to-end in Chromium against the release deployed in $NAMESPACE: nx run dashboard-e2e:e2e-deployed"
E2E_NAMESPACE="$NAMESPACE" E2E_CONTEXT="$CONTEXT" npx nx run dashboard-e2e:e2e-deployed --output-style=stream-without-prefixes || failed=1
[ "$failed" = 0 ] || die "a release gate failed against $NAMESPACE (see above; reports in reports/load and reports/e2e)"
echo "release gates passed against $NAMESPACE: load (agents, execution-engine) and end-to-end"
