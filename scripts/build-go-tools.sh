#!/usr/bin/env bash
# Build the Go programs the tests and the local cluster run, from the Go module proxy,
# into a folder outside the clone. A stamp of what each build is made of (the module's go.mod and
# go.sum, Go's version, the packages, flags and tags) skips it when none of that changed: an edit
# of this script that changes no build (a comment, another set's line) rebuilds nothing. Go's own
# build cache makes a rebuild incremental.
#   scripts/build-go-tools.sh [gcs-emulator] [local-cluster] [local-node] [prometheus] [ci-tools] [image-scanner] [workflow-runner] [image-builder] [supply-chain]
#   (default: the first three)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
command -v go >/dev/null || die "Go is not installed (need Go 1.26+ on PATH)"

# Bump when build_module builds differently in a way the stamp does not see.
STAMP_FORMAT=2

build_module() {
  local name="$1"; shift
  local dir="$ROOT/tools/$name" stamp out
  out="${GO_TOOLS_OUT:-$TRADING_BIN}"
  stamp="$out/.$name.stamp"
  local ldflags=""
  if [ "$name" = local-cluster ]; then
    # A module build carries no release version; stamp the one go.mod pins, as the
    # Kubernetes release build does, so clients and kwokctl see v1.x, not v0.0.0-master.
    local kube
    kube="$(cd "$dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
    local minor="${kube#v1.}"; minor="${minor%%.*}"
    local pkg=k8s.io/component-base/version
    ldflags="-X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  elif [ "$name" = prometheus ]; then
    # The module's version v0.3XX.Y is Prometheus 3.XX.Y.
    local v; v="$(cd "$dir" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)"; v="${v#v0.}"
    ldflags="-X github.com/prometheus/common/version.Version=3.$((${v%%.*} - 300)).${v#*.}"
  elif [ "$name" = image-builder ]; then
    # BuildKit and buildx report their versions (buildx checks the daemon's) from these.
    local versions
    versions="$(cd "$dir" && go list -m -f '-X {{.Path}}/version.Version={{.Version}}' github.com/moby/buildkit github.com/docker/buildx)"
    ldflags="${versions//$'\n'/ }"
  elif [ "$name" = supply-chain ]; then
    # syft names itself, with this version, as the SBOM's creator.
    ldflags="-X main.version=$(cd "$dir" && go list -m -f '{{.Version}}' github.com/anchore/syft)"
  fi
  local cgo="${GO_TOOLS_CGO:-1}" tags="${GO_TOOLS_TAGS:-}"
  local want
  want="$({
    cat "$dir/go.mod" "$dir/go.sum"
    printf '%s\n' "format $STAMP_FORMAT" "$(go env GOVERSION)" "packages $*" "ldflags $ldflags" "cgo $cgo" "tags $tags"
  } | sha256sum | cut -c1-16)"
  mkdir -p "$out"
  # One build of a set into a folder at a time: jobs side by side on one machine (act's shards and
  # its security job, a self-hosted runner) would otherwise both build it and write each other's
  # binaries. The second waits, then finds the first's build current.
  local lock
  exec {lock}>"$out/.$name.lock"
  flock "$lock"
  local missing=0
  for pkg in "$@"; do [ -x "$out/$(basename "$pkg")" ] || missing=1; done
  if [ "$missing" = 0 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exec {lock}>&-
    echo "$name: up to date in $out"
    return
  fi
  step "Building $name ($*) into $out$([ "$name" = local-cluster ] && echo ' — the first build of the Kubernetes control plane took 375 s on 2 cores of a new machine')"
  local started=$SECONDS
  (cd "$dir" && CGO_ENABLED="$cgo" go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/" "$@")
  echo "$want" > "$stamp"
  exec {lock}>&-
  echo "$name: built in $((SECONDS - started)) s"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gcs-emulator local-cluster local-node)
for target in "${targets[@]}"; do
  case "$target" in
    gcs-emulator) build_module gcs-emulator github.com/fsouza/fake-gcs-server ;;
    local-cluster) build_module local-cluster \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
      k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
      sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl ./cmd/etcd ;;
    # The real node's parts that are not Kubernetes' own: CoreDNS, the CNI plugins and the pod
    # sandbox's pause program, static (the pause program goes into an image FROM scratch).
    local-node) GO_TOOLS_OUT="$TRADING_HOME/local-node/bin" GO_TOOLS_CGO=0 build_module local-node \
      github.com/coredns/coredns ./cmd/pause \
      github.com/containernetworking/plugins/plugins/main/loopback github.com/containernetworking/plugins/plugins/main/bridge \
      github.com/containernetworking/plugins/plugins/ipam/host-local github.com/containernetworking/plugins/plugins/meta/portmap ;;
    # Prometheus with only the Kubernetes service discovery (Debian's package is built without
    # it); API and PromQL are what the analysis needs, so no web UI assets are embedded.
    prometheus) GO_TOOLS_CGO=0 GO_TOOLS_TAGS=remove_all_sd,enable_kubernetes_sd build_module prometheus \
      github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool ;;
    ci-tools) build_module ci-tools github.com/rhysd/actionlint/cmd/actionlint ;;
    image-scanner) build_module image-scanner github.com/anchore/grype/cmd/grype ;;
    workflow-runner) build_module workflow-runner github.com/nektos/act ;;
    image-builder) build_module image-builder \
      github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl github.com/docker/buildx/cmd/buildx ;;
    # What each pushed image's supply-chain records are made with: syft writes its SBOM, oras attaches
    # the SBOM and the build provenance to its digest and reads them back before production.
    supply-chain) build_module supply-chain github.com/anchore/syft/cmd/syft oras.land/oras/cmd/oras ;;
    *) die "unknown Go tool set '$target' (known: gcs-emulator, local-cluster, local-node, prometheus, ci-tools, image-scanner, workflow-runner, image-builder, supply-chain)" ;;
  esac
done
