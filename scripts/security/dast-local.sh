#!/usr/bin/env bash
# The DAST of all three APIs from this checkout: builds the engine (debug) and the cache server,
# starts them and the agents on free loopback ports (the agents sending to that engine, the cache
# server with a throwaway store and token), runs scripts/security/dast.sh against each, stops them.
# Every service is scanned even when one has findings; any finding fails.
#   scripts/security/dast-local.sh        (the ci.yml affected job runs it after the tests)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v st >/dev/null || die "Schemathesis (st) is missing: run 'bash scripts/install-ci-tools.sh'"

step "DAST: build the engine and the cache server"
remote_cache_preflight # the cache server's build goes through Nx: its remote cache, as ci-affected.sh uses it
npx nx run execution-engine:build-debug --output-style=static >/dev/null # built, or replayed from the Nx cache
npx nx run cache-server:build --output-style=static >/dev/null

work="$(mktemp -d)"
pids=()
database=""
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$database" ]; then bash tools/postgres/postgres.sh dropdb "$database" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap stop_all EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_healthy() {
  local name="$1" url="$2" log="$3"
  for _ in $(seq 1 150); do
    curl -fsS -m 1 -o /dev/null "$url/healthz" 2>/dev/null && return 0
    sleep 0.2
  done
  tail -20 "$log" >&2
  die "DAST: $name did not answer $url/healthz within 30 s (its log above)"
}

engine_port="$(free_port)" agents_port="$(free_port)" cache_port="$(free_port)"
# The engine's trading state: a throwaway database on the local PostgreSQL, dropped at the end.
bash tools/postgres/postgres.sh up >/dev/null
bash tools/postgres/postgres.sh createdb "dast_$$" >/dev/null
database="dast_$$"
DATABASE_URL="$(bash tools/postgres/postgres.sh url "$database")"
PORT="$engine_port" HOST=127.0.0.1 DATABASE_URL="$DATABASE_URL" target/debug/execution-engine > "$work/engine.log" 2>&1 &
pids+=($!)
PORT="$agents_port" HOST=127.0.0.1 ENGINE_URL="http://127.0.0.1:$engine_port" DATABASE_URL="$DATABASE_URL" \
  uv run --locked --quiet --project apps/agents python -m agents > "$work/agents.log" 2>&1 &
pids+=($!)
token="dast-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
CACHE_PORT="$cache_port" CACHE_WRITE_TOKEN="$token" CACHE_DIR="$work/cache" \
  node dist/apps/cache-server/main.js > "$work/cache-server.log" 2>&1 &
pids+=($!)
wait_healthy execution-engine "http://127.0.0.1:$engine_port" "$work/engine.log"
wait_healthy agents "http://127.0.0.1:$agents_port" "$work/agents.log"
wait_healthy cache-server "http://127.0.0.1:$cache_port" "$work/cache-server.log"

summary "### DAST (Schemathesis)" "" "| API | result | report |" "|---|---|---|"
failed=()
bash scripts/security/dast.sh execution-engine "http://127.0.0.1:$engine_port" || failed+=(execution-engine)
bash scripts/security/dast.sh agents "http://127.0.0.1:$agents_port" || failed+=(agents)
DAST_BEARER_TOKEN="$token" bash scripts/security/dast.sh cache-server "http://127.0.0.1:$cache_port" || failed+=(cache-server)
[ ${#failed[@]} -eq 0 ] || die "DAST found problems in: ${failed[*]} (reports in reports/dast/)"
echo "DAST: the three APIs are clean"
