//go:build tools

// Package tools pins BuildKit: buildkitd (the build daemon tools/docker/daemon.sh runs beside
// dockerd), buildctl (to inspect and prune it) and buildx (the docker CLI plugin the docker-build
// executor drives). scripts/build-go-tools.sh image-builder builds them outside the clone.
package tools

import (
	_ "github.com/docker/buildx/cmd/buildx"
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
