//go:build tools

// Package tools records the main packages that build.sh builds, so that `go mod tidy` keeps their dependencies.
package tools

import (
	_ "github.com/ethereum-optimism/optimism/op-batcher/cmd"
	_ "github.com/ethereum-optimism/optimism/op-conductor/cmd"
	_ "github.com/ethereum-optimism/optimism/op-node/cmd"
	_ "github.com/ethereum/go-ethereum/cmd/geth"
)
