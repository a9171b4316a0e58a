// Command baton-wirecompat drives a conductor's JSON-RPC with the upstream Go client from optimism v1.19.6
// (op-conductor/rpc.APIClient): every request is encoded and every answer decoded by op-conductor's own types,
// so a field name, a type or an error shape that differs from op-conductor fails here as it would for
// op-conductor-ops or any Go tool built on that client.
//
// It reads one JSON command per line on stdin — {"url": "...", "method": "ClusterMembership", "args": [...]} —
// and writes one JSON line per command to stdout: {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
// The jest suite (e2e/opstack/wirecompat.opstack.ts) sends the commands and checks the answers.
//
// Methods prefixed "Node" go through op-node's own conductor client instead (op-node/node.ConductorClient, what
// an op-node started with --conductor.enabled uses, retries and timeout included); NodeCommitUnsafePayload builds
// the envelope itself (envelope.go) for a fork, a parent, a number and a timestamp.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ethereum-optimism/optimism/op-conductor/rpc"
	"github.com/ethereum-optimism/optimism/op-node/config"
	"github.com/ethereum-optimism/optimism/op-node/metrics"
	"github.com/ethereum-optimism/optimism/op-node/node"
	"github.com/ethereum-optimism/optimism/op-service/eth"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	gethrpc "github.com/ethereum/go-ethereum/rpc"
)

type command struct {
	URL    string            `json:"url"`
	Method string            `json:"method"`
	Args   []json.RawMessage `json:"args"`
}

type answer struct {
	OK     bool        `json:"ok"`
	Result interface{} `json:"result,omitempty"`
	Error  string      `json:"error,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 64*1024*1024)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var cmd command
		var a answer
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			a = answer{Error: fmt.Sprintf("bad command: %v", err)}
		} else {
			result, err := run(cmd)
			if err != nil {
				a = answer{Error: err.Error()}
			} else {
				a = answer{OK: true, Result: result}
			}
		}
		if err := out.Encode(a); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
	}
}

func run(cmd command) (interface{}, error) {
	timeout := 10 * time.Second
	if cmd.Method == "NodeCommitSeries" {
		timeout = 10 * time.Minute // a benchmark series; each commit keeps op-node's own 1 s timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	str := func(i int) string { return arg[string](cmd.Args, i) }
	u64 := func(i int) uint64 { return arg[uint64](cmd.Args, i) }
	boolean := func(i int) bool { return arg[bool](cmd.Args, i) }
	switch cmd.Method {
	case "NodeLeader", "NodeCommitUnsafePayload", "NodeCommitSeries":
		return runNode(ctx, cmd, str, u64)
	}
	c, err := gethrpc.DialContext(ctx, cmd.URL)
	if err != nil {
		return nil, err
	}
	client := rpc.NewAPIClient(c)
	defer client.Close()
	switch cmd.Method {
	case "Leader":
		return client.Leader(ctx)
	case "LeaderWithID":
		return client.LeaderWithID(ctx)
	case "ClusterMembership":
		return client.ClusterMembership(ctx)
	case "Active":
		return client.Active(ctx)
	case "Paused":
		return client.Paused(ctx)
	case "Stopped":
		return client.Stopped(ctx)
	case "SequencerHealthy":
		return client.SequencerHealthy(ctx)
	case "LeaderOverridden":
		return client.LeaderOverridden(ctx)
	case "OverrideLeader":
		return nil, client.OverrideLeader(ctx, boolean(0))
	case "Pause":
		return nil, client.Pause(ctx)
	case "Resume":
		return nil, client.Resume(ctx)
	case "Stop":
		return nil, client.Stop(ctx)
	case "TransferLeader":
		return nil, client.TransferLeader(ctx)
	case "TransferLeaderToServer":
		return nil, client.TransferLeaderToServer(ctx, str(0), str(1))
	case "AddServerAsNonvoter":
		return nil, client.AddServerAsNonvoter(ctx, str(0), str(1), u64(2))
	case "AddServerAsVoter":
		return nil, client.AddServerAsVoter(ctx, str(0), str(1), u64(2))
	case "RemoveServer":
		return nil, client.RemoveServer(ctx, str(0), u64(1))
	case "DemoteVoter":
		return nil, client.DemoteVoter(ctx, str(0), u64(1))
	case "CommitUnsafePayload":
		var envelope eth.ExecutionPayloadEnvelope
		if len(cmd.Args) == 0 {
			return nil, fmt.Errorf("CommitUnsafePayload needs an envelope")
		}
		if err := json.Unmarshal(cmd.Args[0], &envelope); err != nil {
			return nil, fmt.Errorf("decoding the envelope with op-service/eth: %w", err)
		}
		return nil, client.CommitUnsafePayload(ctx, &envelope)
	default:
		return nil, fmt.Errorf("unknown method %q", cmd.Method)
	}
}

// runNode calls the conductor through op-node's conductor client, configured as op-node configures it from
// --conductor.rpc and --conductor.rpc-timeout (default 1 s).
func runNode(ctx context.Context, cmd command, str func(int) string, u64 func(int) uint64) (interface{}, error) {
	cfg := &config.Config{
		ConductorRpc:        func(context.Context) (string, error) { return cmd.URL, nil },
		ConductorRpcTimeout: time.Second,
	}
	client := node.NewConductorClient(cfg, log.NewLogger(log.DiscardHandler()), metrics.NewMetrics("", nil))
	defer client.Close()
	switch cmd.Method {
	case "NodeLeader":
		return client.Leader(ctx)
	case "NodeCommitSeries":
		return commitSeries(ctx, client, str(0), common.HexToHash(str(1)), u64(2), u64(3), int(u64(4)), int(u64(5)))
	default: // NodeCommitUnsafePayload: fork, parent hash, number, timestamp
		envelope, err := opStackEnvelope(str(0), common.HexToHash(str(1)), u64(2), u64(3), 0)
		if err != nil {
			return nil, err
		}
		return envelope, client.CommitUnsafePayload(ctx, envelope)
	}
}

// seriesResult is what the commit benchmark reads: each commit's latency and the head the series ended on.
type seriesResult struct {
	LatenciesUs   []int64 `json:"latenciesUs"`
	EnvelopeBytes int     `json:"envelopeBytes"`
	Head          struct {
		Hash      common.Hash `json:"hash"`
		Number    uint64      `json:"number"`
		Timestamp uint64      `json:"timestamp"`
	} `json:"head"`
}

// commitSeries commits `count` chained blocks on `parent`, one at a time as op-node's sequencer does, timing
// each CommitUnsafePayload call of op-node's client (envelopes are built before the clock starts). Args: fork,
// parent hash, parent number, parent timestamp, count, filler bytes per block.
func commitSeries(ctx context.Context, client interface {
	CommitUnsafePayload(context.Context, *eth.ExecutionPayloadEnvelope) error
}, fork string, parent common.Hash, number, timestamp uint64, count, fillerBytes int) (*seriesResult, error) {
	envelopes := make([]*eth.ExecutionPayloadEnvelope, 0, count)
	for i := 0; i < count; i++ {
		envelope, err := opStackEnvelope(fork, parent, number+1, timestamp+1, fillerBytes)
		if err != nil {
			return nil, err
		}
		envelopes = append(envelopes, envelope)
		parent, number, timestamp = envelope.ExecutionPayload.BlockHash, number+1, timestamp+1
	}
	result := &seriesResult{LatenciesUs: make([]int64, 0, count)}
	if count > 0 {
		encoded, err := json.Marshal(envelopes[0])
		if err != nil {
			return nil, err
		}
		result.EnvelopeBytes = len(encoded)
	}
	for i, envelope := range envelopes {
		started := time.Now()
		if err := client.CommitUnsafePayload(ctx, envelope); err != nil {
			return nil, fmt.Errorf("commit %d of %d (block %d): %w", i+1, count, uint64(envelope.ExecutionPayload.BlockNumber), err)
		}
		result.LatenciesUs = append(result.LatenciesUs, time.Since(started).Microseconds())
	}
	result.Head.Hash, result.Head.Number, result.Head.Timestamp = parent, number, timestamp
	return result, nil
}

// arg decodes argument i as T; a missing or mistyped argument is T's zero value, as an absent JSON-RPC
// parameter would be for op-conductor's server.
func arg[T any](args []json.RawMessage, i int) T {
	var v T
	if i < len(args) {
		_ = json.Unmarshal(args[i], &v)
	}
	return v
}
