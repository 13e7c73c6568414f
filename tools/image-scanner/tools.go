//go:build tools

// Package tools pins grype, the image vulnerability scanner CI runs on the images it builds
// (scripts/security/scan-images.sh). scripts/build-go-tools.sh image-scanner builds it.
package tools

import _ "github.com/anchore/grype/cmd/grype"
