#!/usr/bin/env bash
# Runs one workspace test file as its Nx target does (workspace-test--<name>, inferred by our plugin
# from the file's `// @workspace-test` line): the parts of the local stack it uses are brought up
# (tools/stack.sh, idempotent), and it holds a lock on each while it runs: shared where it only uses
# a part, exclusive where it disrupts one (restarts the cluster or the database). Tests that share
# nothing run side by side; one that disrupts a part waits for the tests using it, and they for it.
# A test takes all its locks at once or none, so no two tests wait on each other and none holds a
# lock while it waits.
#   bash tools/workspace-tests/run.sh [--uses a,b] [--exclusive a,b] FILE [node --test options...]
# The node test runner's report goes to the console and, as JUnit, to reports/workspace-tests/.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"

PARTS=(docker cluster prometheus postgres)
uses=() exclusive=() inside=false
while [ $# -gt 0 ]; do
  case "$1" in
    --uses) IFS=, read -r -a uses <<<"$2"; shift 2 ;;
    --exclusive) IFS=, read -r -a exclusive <<<"$2"; shift 2 ;;
    --inside) inside=true; shift ;;
    -*) die "run.sh: unknown option $1 (usage: run.sh [--uses a,b] [--exclusive a,b] FILE [node --test options...])" ;;
    *) break ;;
  esac
done
file="${1:-}"
[ -n "$file" ] || die "run.sh: which test file? (usage: run.sh [--uses a,b] [--exclusive a,b] FILE [node --test options...])"
[ -f "$file" ] || die "run.sh: no test file $file"
shift
for part in "${uses[@]}" "${exclusive[@]}"; do
  [[ " ${PARTS[*]} " == *" $part "* ]] || die "run.sh: unknown part '$part' of the stack: one of ${PARTS[*]}"
done
# Inside a run of the workspace tests that runs this very test itself (a scratch copy's or act's CI
# run within workflows.test.mjs and the act tests), it is not run a second time.
if [ "${TEST_ALL_NESTED:-}" = skip ]; then
  echo "workspace test $file: not run here, nested inside a run of the workspace tests that runs it itself (TEST_ALL_NESTED=skip)"
  exit 0
fi
has() { local x="$1"; shift; [[ " $* " == *" $x "* ]]; }
# Every part the test needs up, in the stack's order.
all=()
for part in "${PARTS[@]}"; do if has "$part" "${uses[@]}" "${exclusive[@]}"; then all+=("$part"); fi; done

if [ "$inside" = false ]; then
  # Under the locks, the same script runs the test (--inside). All of its locks or none: a test
  # waiting for one lock holds no other meanwhile (holding the registry's while waiting for the
  # cluster's would stall every test that needs only the registry), so it tries them all at once
  # (flock -n; 75 = one was taken) and tries again a few seconds later. `flock -o`: a lock stays
  # with its flock process, never with the daemons the test or the stack starts.
  mkdir -p "$TRADING_HOME/locks"
  chain=() wanted=()
  for part in "${PARTS[@]}"; do
    mode=
    if has "$part" "${exclusive[@]}"; then mode=-x; elif has "$part" "${uses[@]}"; then mode=-s; fi
    [ -n "$mode" ] || continue
    chain+=(flock -n -E 75 -o "$mode" "$TRADING_HOME/locks/$part.lock")
    wanted+=("$part ($([ "$mode" = -x ] && echo exclusive || echo shared))")
  done
  args=(--inside)
  if [ ${#all[@]} -gt 0 ]; then args+=(--uses "$(IFS=,; echo "${all[*]}")"); fi
  [ ${#chain[@]} -gt 0 ] || exec bash "$0" "${args[@]}" "$file" "$@"
  waited=0
  while true; do
    status=0
    "${chain[@]}" bash "$0" "${args[@]}" "$file" "$@" || status=$?
    [ "$status" = 75 ] || exit "$status"
    if [ "$waited" = 0 ]; then echo "workspace test $file: waiting for its locks, ${wanted[*]}: another test holds one"; fi
    [ "$waited" -lt 3600 ] || die "workspace test $file: its locks (${wanted[*]}) stayed taken for an hour ($TRADING_HOME/locks)"
    sleep 3
    waited=$((waited + 3))
  done
fi

if [ ${#all[@]} -gt 0 ]; then bash tools/stack.sh up "${all[@]}"; fi

# The test is the root of the Nx runs it starts (scratch copies, deploys run twice or side by side):
# Nx 23 records each task under its invocation's root process and refuses one already recorded as
# recursion, which two deploys of one test are not.
unset NX_INVOCATION_ROOT_PID
junit="reports/workspace-tests/${file%.test.mjs}.xml" # the target's output (the plugin names it alike)
mkdir -p "$(dirname "$junit")"
step "Workspace test $file${all[*]:+ (stack: ${all[*]})}"
exec node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$junit" "$@" "$file"
