#!/usr/bin/env bash
# Make the local BuildKit daemon (tools/docker/daemon.sh up) this user's current buildx builder,
# named "trading" (remote driver), so `docker buildx build` and the docker-build executor's
# builder "auto" use it. A user without it keeps the classic builder. Idempotent.
#   tools/docker/buildx-builder.sh [--check]
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
BUILDKIT_SOCKET="${BUILDKIT_SOCKET:-/run/trading-buildkit/buildkitd.sock}"
NAME=trading

if ! docker buildx version >/dev/null 2>&1; then
  echo "buildx: not installed (tools/docker/daemon.sh up installs it once BuildKit is built); builds use the classic builder"
  exit 0
fi
[ -S "$BUILDKIT_SOCKET" ] || die "no BuildKit daemon on $BUILDKIT_SOCKET: run 'bash tools/docker/daemon.sh up'"
if [ "${1:-}" = --check ]; then
  # Bootstrapped, a few tries: a remote builder reads "inactive" until buildx reaches the daemon,
  # and a busy daemon can miss one (seen once in a full run, right after other builds).
  for attempt in 1 2 3 4 5; do
    docker buildx inspect --bootstrap "$NAME" 2>/dev/null | grep -q "Status: *running" && exit 0
    [ "$attempt" = 5 ] || sleep 1
  done
  die "builder $NAME is not running"
fi
# One maker at a time per buildx configuration: jobs side by side as one user (act's shards on a
# new machine) otherwise all see no builder, and all but one fail to create it ("existing instance
# for \"trading\" but no append mode").
config="${BUILDX_CONFIG:-${DOCKER_CONFIG:-$HOME/.docker}/buildx}"
mkdir -p "$config"
exec 9>"$config/.trading-builder.lock"
flock -w 120 9 || die "another job has been making the buildx builder $NAME for 120 s (lock $config/.trading-builder.lock)"
if ! docker buildx inspect "$NAME" >/dev/null 2>&1; then
  docker buildx create --name "$NAME" --driver remote "unix://$BUILDKIT_SOCKET" >/dev/null
fi
docker buildx use "$NAME"
exec 9>&-
# A daemon that is busy (or was just restarted) can miss one bootstrap: try a few times, and say
# what buildx answered rather than guess.
running=""
for attempt in 1 2 3 4 5; do
  answer="$(docker buildx inspect --bootstrap "$NAME" 2>&1)" && grep -q "Status: *running" <<< "$answer" && { running=yes; break; }
  [ "$attempt" = 5 ] || sleep 1
done
[ -n "$running" ] || [ -w "$BUILDKIT_SOCKET" ] || die "buildx builder $NAME cannot use $BUILDKIT_SOCKET: no write access for $(id -un) (groups: $(id -Gn)); the socket belongs to the docker group"
[ -n "$running" ] || die "buildx builder $NAME does not answer on $BUILDKIT_SOCKET after 5 tries: $(tail -n 3 <<< "$answer" | tr '\n' ' ')"
echo "buildx: builder $NAME (BuildKit on $BUILDKIT_SOCKET) is $(id -un)'s current builder"
