//go:build tools

// Package tools pins nektos/act, the local GitHub Actions runner the workflow tests run the
// workflows with. scripts/build-go-tools.sh workflow-runner builds it outside the clone.
package tools

import _ "github.com/nektos/act"
