#!/usr/bin/env bash
# The PostgreSQL image the environments' database StatefulSet runs, built from Debian's packages
# like the other bases (no public registry is reachable here):
#   trading-base/postgres:15   debootstrap minbase + postgresql-15 and curl (the WAL archive's and
#                              the backups' uploads to object storage), the entrypoint in postgres/,
#                              the nonroot user (uid 65532) that owns and runs the server, and
#                              dbmate (the workspace's pinned npm package, a static binary): the
#                              services' migration Jobs run it from this image
# Also pushed to the local registry as 127.0.0.1:5000/trading-base/postgres:15 (the real node pulls
# from there). Rebuilt only when this script or the entrypoint changes (their hash is its label).
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
become_root "$0" "$@"

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
HERE="$(cd "$(dirname "$0")" && pwd)"
DBMATE="$ROOT/node_modules/@dbmate/linux-x64/bin/dbmate"
[ -x "$DBMATE" ] || die "dbmate is missing ($DBMATE): run bash scripts/setup.sh (npm ci) first"
STAMP="$(cat "${BASH_SOURCE[0]}" "$HERE/postgres/entrypoint.sh" "$DBMATE" | sha256sum | cut -c1-12)"
IMAGE=trading-base/postgres:15
WORK="$TRADING_HOME/base-images"
mkdir -p "$WORK"
# One build of the base images at a time on this machine: the work folder is root's, shared by every
# caller (act's side-by-side jobs each have their own TRADING_HOME, so the stack's lock is not
# shared; three shards once debootstrapped into the same folder at once and all failed).
exec 8>"$WORK/build.lock"
flock -w 1800 8 || die "another build of the base images held $WORK/build.lock for 30 minutes"
docker info >/dev/null 2>&1 || die "no Docker daemon: run 'bash tools/stack.sh up docker' first"
command -v debootstrap >/dev/null || die "debootstrap is missing: run 'bash tools/docker/install.sh'"

step "Base image $IMAGE"
if [ "$(docker image inspect -f '{{ index .Config.Labels "trading.base.stamp" }}' "$IMAGE" 2>/dev/null)" = "$STAMP" ]; then
  echo "up to date"
else
  rootfs="$WORK/postgres"
  rm -rf "$rootfs"
  echo "debootstrap $SUITE (minbase + postgresql-15, curl) from $MIRROR - about 3 minutes"
  debootstrap --variant=minbase --include=postgresql-15,curl,ca-certificates "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap-postgres.log" 2>&1 ||
    die "debootstrap failed; see $WORK/debootstrap-postgres.log"
  chroot "$rootfs" useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin nonroot
  # The package's own cluster is not ours: the entrypoint initialises the volume's.
  rm -rf "$rootfs/var/lib/postgresql/15" "$rootfs/etc/postgresql/15"
  # /run, not /var/run: var/run is a link to the absolute /run, which would be the host's.
  install -d -o 65532 -g 65532 "$rootfs/var/lib/postgresql/data" "$rootfs/run/postgresql"
  install -m 0755 "$HERE/postgres/entrypoint.sh" "$rootfs/usr/local/bin/trading-postgres"
  install -m 0755 "$DBMATE" "$rootfs/usr/local/bin/dbmate"
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale,lintian} "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
  tar --numeric-owner --one-file-system -C "$rootfs" -c . | docker import \
    --change "LABEL trading.base.stamp=$STAMP" \
    --change "LABEL org.opencontainers.image.description=\"$IMAGE built from Debian $SUITE packages\"" \
    --change 'USER 65532:65532' \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENTRYPOINT ["/usr/local/bin/trading-postgres"]' - "$IMAGE" >/dev/null
  echo "$IMAGE: $(docker image inspect -f '{{ .Size }}' "$IMAGE" | numfmt --to=iec)"
fi
REGISTRY_ADDR="$LOCAL_REGISTRY" # .env
docker tag "$IMAGE" "$REGISTRY_ADDR/$IMAGE"
docker push -q "$REGISTRY_ADDR/$IMAGE" >/dev/null || die "could not push $REGISTRY_ADDR/$IMAGE"
echo "$REGISTRY_ADDR/$IMAGE"
