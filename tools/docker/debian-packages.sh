#!/usr/bin/env bash
# Debian packages for the base images, from Debian itself, whatever this machine runs: apt with a
# configuration of its own (sources, lists, cache, an empty dpkg status), never the host's sources.
# On a GitHub runner (Ubuntu) the host's apt would fetch Ubuntu's libraries into images labelled
# bookworm; with this, the images built there are built from the same packages as here.
#   bash tools/docker/debian-packages.sh download <dir> <package>...   the .deb files into <dir>, one path per line
# Lists live in $TRADING_HOME/base-images/apt (refreshed once a day, or with DEBIAN_APT_DIR elsewhere).
# Needs Debian's archive keyring (debian-archive-keyring; tools/docker/install.sh installs it).
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SUITE="${DEBIAN_SUITE:-bookworm}"
KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
APT_DIR="${DEBIAN_APT_DIR:-$TRADING_HOME/base-images/apt}"

if [ "${1:-}" != download ] || [ $# -lt 3 ]; then die "usage: bash tools/docker/debian-packages.sh download <dir> <package>..."; fi
dir="$2"
shift 2
[ -f "$KEYRING" ] || die "$KEYRING is missing: run 'bash tools/docker/install.sh' (it installs debian-archive-keyring)"

mkdir -p "$APT_DIR"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d} "$dir"
: >"$APT_DIR/status"
cat >"$APT_DIR/sources.list" <<SOURCES
deb [signed-by=$KEYRING] $MIRROR $SUITE main
deb [signed-by=$KEYRING] $MIRROR $SUITE-updates main
deb [signed-by=$KEYRING] $SECURITY_MIRROR $SUITE-security main
SOURCES
apt_options=(-o APT::Sandbox::User=root -o APT::Architecture=amd64 -o APT::Architectures::=amd64
  -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
  -o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d" -o Dir::Etc::Preferences="$APT_DIR/preferences"
  -o Dir::State::Lists="$APT_DIR/lists" -o Dir::State::status="$APT_DIR/status" -o Dir::Cache="$APT_DIR/cache")
apt_() { apt-get -q "${apt_options[@]}" "$@"; }

# The lists: fetched when older than a day (or absent), so a day's builds agree on versions.
stamp="$APT_DIR/lists/.updated"
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
  apt_ update >"$APT_DIR/update.log" 2>&1 || die "apt-get update from $MIRROR ($SUITE) failed: $(tail -3 "$APT_DIR/update.log")"
  touch "$stamp"
fi
(cd "$dir" && apt_ download "$@" >"$APT_DIR/download.log" 2>&1) || die "apt-get download $* from $SUITE failed: $(tail -3 "$APT_DIR/download.log")"
# The file of each package's candidate version (the newest of the suite), one path per line.
for pkg in "$@"; do
  version="$(apt-cache "${apt_options[@]}" policy "$pkg" | sed -n 's/^ *Candidate: //p')"
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then die "$pkg is not in Debian $SUITE"; fi
  found="$(find "$dir" -maxdepth 1 -name "${pkg}_${version//:/%3a}_*.deb" | head -1)"
  [ -n "$found" ] || die "apt-get download left no $pkg $version in $dir"
  echo "$found"
done
