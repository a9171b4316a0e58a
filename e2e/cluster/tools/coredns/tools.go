//go:build tools

// Package tools records the main package that build-tools.sh builds, so that `go mod tidy` keeps its dependencies.
package tools

import (
	_ "github.com/coredns/coredns"
)
