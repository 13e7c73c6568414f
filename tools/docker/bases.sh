#!/usr/bin/env bash
# Build the base images the Dockerfiles default to here, from Debian packages: no public
# registry is reachable from these machines. Each Dockerfile takes its base as a build
# argument whose default is the usual public image; the docker-build targets pass these.
#
#   trading-base/runtime:bookworm  glibc, libgcc, CA certificates, tzdata, os-release and a nonroot
#                                  user (uid 65532) - the shape of distroless/cc-debian12
#   trading-base/node:24           runtime + libstdc++ + the Node.js binary .nvmrc pins
#                                  (scripts/install-node.sh puts it first on PATH)
#   trading-base/python:3.11       debootstrap minbase + python3.11 and venv, docs stripped
#
# Each is also pushed to the local registry as 127.0.0.1:5000/trading-base/<name> (BuildKit pulls from there).
#
# An image is rebuilt only when this script or debian-packages.sh (or, for the Node image, the Node version) changes:
# their hash is the image's label.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
become_root "$0" "$@"

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
# The images' stamp: this script and the one that fetches their packages.
STAMP="$(cat "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh" | sha256sum | cut -c1-12)"
WORK="$TRADING_HOME/base-images"
mkdir -p "$WORK"
# One build of the base images at a time on this machine: the work folder is root's, shared by every
# caller (act's side-by-side jobs each have their own TRADING_HOME, so the stack's lock is not
# shared; three shards once debootstrapped into the same folder at once and all failed).
exec 8>"$WORK/build.lock"
flock -w 1800 8 || die "another build of the base images held $WORK/build.lock for 30 minutes"

docker info >/dev/null 2>&1 || die "no Docker daemon: run 'bash tools/docker/daemon.sh up' first"
for tool in debootstrap apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'bash tools/docker/install.sh'"
done

current() { [ "$(docker image inspect -f '{{ index .Config.Labels "trading.base.stamp" }}' "$1" 2>/dev/null)" = "$STAMP" ]; }

# Import a root filesystem as an image, with its runtime settings and provenance label.
import_rootfs() {
  local rootfs="$1" image="$2"; shift 2
  local changes=(--change "LABEL trading.base.stamp=$STAMP" --change "LABEL org.opencontainers.image.description=\"$image built from Debian $SUITE packages\"")
  for change in "$@"; do changes+=(--change "$change"); done
  tar --numeric-owner --one-file-system -C "$rootfs" -c . | docker import "${changes[@]}" - "$image" >/dev/null
  echo "$image: $(docker image inspect -f '{{ .Size }}' "$image" | numfmt --to=iec)"
}

# A distroless-style root: packages unpacked (no maintainer scripts, no shell, no apt), fetched
# from Debian's own archive by debian-packages.sh, never through this machine's apt sources.
unpack_packages() {
  local rootfs="$1"; shift
  local debs="$WORK/debs" deb
  mkdir -p "$debs" "$rootfs"
  local files
  files="$(bash "$ROOT/tools/docker/debian-packages.sh" download "$debs" "$@")" || die "could not fetch $* from Debian $SUITE (see above)"
  # Each package's control record in /var/lib/dpkg/status.d/<package>, as distroless writes them:
  # without a dpkg database the SBOM (syft) and the image scan (grype) would see no package at all.
  mkdir -p "$rootfs/var/lib/dpkg/status.d"
  while read -r deb; do
    dpkg-deb -x "$deb" "$rootfs"
    dpkg-deb -f "$deb" >"$rootfs/var/lib/dpkg/status.d/$(dpkg-deb -f "$deb" Package)"
  done <<<"$files"
}

add_users() {
  local rootfs="$1"
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/nonroot"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$rootfs/etc/group"
  chown 65532:65532 "$rootfs/home/nonroot"
}

build_runtime() {
  local image="$1" rootfs="$WORK/runtime"; shift
  rm -rf "$rootfs"
  # base-files: /etc/os-release, which names the distribution to scanners (syft, grype).
  unpack_packages "$rootfs" base-files libc6 libgcc-s1 ca-certificates tzdata netbase "$@"
  cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt > "$rootfs/ca-certificates.crt"
  mkdir -p "$rootfs/etc/ssl/certs" && mv "$rootfs/ca-certificates.crt" "$rootfs/etc/ssl/certs/"
  add_users "$rootfs"
  rm -rf "$rootfs"/usr/share/{doc,man,info,lintian} "$rootfs"/usr/share/ca-certificates
  echo "$rootfs"
}

step "Base image trading-base/runtime:$SUITE"
if current "trading-base/runtime:$SUITE"; then echo "up to date"; else
  rootfs="$(build_runtime runtime | tail -1)"
  import_rootfs "$rootfs" "trading-base/runtime:$SUITE" 'USER 65532:65532' 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
fi

node_bin="$(readlink -f "${NODE_BINARY:-$(command -v node)}")"
node_version="$("$node_bin" --version | tr -d v)"
node_major="$(cut -d. -f1 "$ROOT/.nvmrc")"
[ "${node_version%%.*}" = "$node_major" ] ||
  die "$node_bin is Node $node_version, .nvmrc pins $(cat "$ROOT/.nvmrc"): run 'bash scripts/install-node.sh' first"
step "Base image trading-base/node:$node_major (Node $node_version)"
if STAMP="$STAMP-$node_version" current "trading-base/node:$node_major"; then echo "up to date"; else
  rootfs="$(build_runtime node libstdc++6 | tail -1)"
  install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  STAMP="$STAMP-$node_version" import_rootfs "$rootfs" "trading-base/node:$node_major" 'USER 65532:65532' 'ENV PATH=/usr/local/bin:/usr/bin:/bin'
fi

step "Base image trading-base/python:3.11"
if current trading-base/python:3.11; then echo "up to date"; else
  rootfs="$WORK/python"
  rm -rf "$rootfs"
  echo "debootstrap $SUITE (minbase + python3.11) from $MIRROR - about 3 minutes"
  debootstrap --keyring=/usr/share/keyrings/debian-archive-keyring.gpg --variant=minbase --include=python3.11,python3.11-venv,python3-distutils,python3-lib2to3,python3-pip-whl,python3-setuptools-whl,ca-certificates "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $WORK/debootstrap.log"
  # This machine's own certificate authorities (a TLS-inspecting egress proxy, a corporate
  # CA) must be trusted for builds to reach package registries through it.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  chroot "$rootfs" useradd --uid 65532 --user-group --create-home --shell /usr/sbin/nologin nonroot
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale,lintian} "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
  find "$rootfs/usr/lib/python3.11" -name '__pycache__' -prune -exec rm -rf {} +
  import_rootfs "$rootfs" trading-base/python:3.11 'ENV PATH=/usr/local/bin:/usr/bin:/bin' 'ENV LANG=C.UTF-8'
fi

# BuildKit resolves a FROM through a registry, never the Docker engine's own images: publish the
# bases to the local registry too. The docker-build targets name them there; the classic builder
# finds the same tags locally.
REGISTRY_ADDR="$LOCAL_REGISTRY" # .env
step "Base images in the local registry ($REGISTRY_ADDR/trading-base)"
curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 ||
  die "no registry answers on $REGISTRY_ADDR: run 'bash tools/docker/daemon.sh up' first"
for image in "runtime:$SUITE" "node:$node_major" python:3.11; do
  docker tag "trading-base/$image" "$REGISTRY_ADDR/trading-base/$image"
  docker push -q "$REGISTRY_ADDR/trading-base/$image" >/dev/null || die "could not push $REGISTRY_ADDR/trading-base/$image"
  echo "$REGISTRY_ADDR/trading-base/$image"
done
