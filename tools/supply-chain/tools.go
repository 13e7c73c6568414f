//go:build tools

// Package tools pins what the images' supply-chain records are made with (scripts/build-go-tools.sh
// supply-chain builds them): syft, which writes each pushed image's SBOM, and oras, which attaches
// the SBOM and the build provenance to the image's digest in the registry and reads them back
// before production (tools/nx-plugin/src/supply-chain).
package tools

import (
	_ "github.com/anchore/syft/cmd/syft"
	_ "oras.land/oras/cmd/oras"
)
