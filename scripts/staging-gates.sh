#!/usr/bin/env bash
# The release gates against a deployed environment (issue 18): the load test of every service with
# a load.yaml (1000 users at a constant arrival rate, p95 under 100 ms, no error) and the dashboard's
# browser tests, both through the active Services. Run after `nx run deploy:staging` (main.sh does).
#   bash scripts/staging-gates.sh [namespace] [context]    default: trading-staging, the local cluster ($LOCAL_CLUSTER_CONTEXT)
# Nothing here dials a ClusterIP, so a hosted runner can gate a release on GKE (issue 31): the load
# runs as Jobs inside the namespace (oha from the load image, `nx run load:docker-build -c push`)
# against each Service's DNS name, and the browser tests reach the Services through the Kubernetes
# API (kubectl port-forward).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
NAMESPACE="${1:-trading-staging}"
CONTEXT="${2:-$LOCAL_CLUSTER_CONTEXT}"

service() {
  local out
  out="$(kubectl --context "$CONTEXT" -n "$NAMESPACE" get service "$1" -o name 2>&1)" ||
    die "no Service $1 in $NAMESPACE ($CONTEXT): $out. Deploy first: npx nx run deploy:staging"
}

# The load generator's image, pushed to the registry the cluster pulls from (a no-op rebuild when
# it is there: main.sh's and the deploy job's image builds make it; a clone that never built it builds it here).
if [ ! -f dist/load/image.json ]; then
  step "The load generator's image: nx run load:docker-build -c push"
  npx nx run load:docker-build -c push --output-style=stream-without-prefixes || die "could not build and push the load image"
fi

failed=0
for project in agents execution-engine; do
  service "$project"
  step "Load test from inside $NAMESPACE: nx run $project:load --namespace=$NAMESPACE --baseUrl=http://$project"
  npx nx run "$project:load" --namespace="$NAMESPACE" --context="$CONTEXT" --baseUrl="http://$project" --output-style=stream-without-prefixes || failed=1
done
service dashboard
step "End-to-end in Chromium against the release deployed in $NAMESPACE: nx run dashboard-e2e:e2e-deployed"
E2E_NAMESPACE="$NAMESPACE" E2E_CONTEXT="$CONTEXT" npx nx run dashboard-e2e:e2e-deployed --output-style=stream-without-prefixes || failed=1
[ "$failed" = 0 ] || die "a release gate failed against $NAMESPACE (see above; reports in reports/load and reports/e2e)"
echo "release gates passed against $NAMESPACE: load (agents, execution-engine, from inside the cluster) and end-to-end"
