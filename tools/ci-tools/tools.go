//go:build tools

// Package tools pins the Go programs the CI lint uses: actionlint (GitHub Actions workflows,
// with shellcheck for run: scripts). scripts/build-go-tools.sh ci-tools builds them.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
