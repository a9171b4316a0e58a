package main

// OP Stack execution payload envelopes made the way op-node makes them: the L1 info deposit from op-node's
// own derive package (Ecotone, Isthmus or Jovian layout by the rollup config's fork times), a block header
// with each fork's fields (Canyon's empty withdrawals, Ecotone's blob gas and beacon root, Holocene's and
// Jovian's extraData, Isthmus's withdrawals root and requests hash), hashed by op-geth's types, and turned
// into an envelope by op-service/eth.BlockAsPayloadEnv — the function op-node uses on the blocks op-geth
// returns. So the envelope is byte for byte what op-node would send op-conductor for such a block.

import (
	"fmt"
	"math/big"

	"github.com/ethereum-optimism/optimism/op-node/rollup"
	"github.com/ethereum-optimism/optimism/op-node/rollup/derive"
	"github.com/ethereum-optimism/optimism/op-service/eth"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus/misc/eip1559"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/trie"
)

// sequencerFeeVault is the OP Stack predeploy every sequenced block pays its fees to.
var sequencerFeeVault = common.HexToAddress("0x4200000000000000000000000000000000000011")

// forkConfig is a rollup config with every fork up to and including `fork` active from genesis.
func forkConfig(fork string) (*rollup.Config, error) {
	zero := uint64(0)
	cfg := &rollup.Config{
		BlockTime:    2,
		RegolithTime: &zero,
		CanyonTime:   &zero,
		DeltaTime:    &zero,
		EcotoneTime:  &zero,
		FjordTime:    &zero,
		GraniteTime:  &zero,
	}
	switch fork {
	case "ecotone":
		cfg.FjordTime, cfg.GraniteTime = nil, nil
	case "isthmus":
		cfg.HoloceneTime, cfg.IsthmusTime = &zero, &zero
	case "jovian":
		cfg.HoloceneTime, cfg.IsthmusTime, cfg.JovianTime = &zero, &zero, &zero
	default:
		return nil, fmt.Errorf("unknown fork %q (use ecotone, isthmus or jovian)", fork)
	}
	return cfg, nil
}

// opStackEnvelope builds block `number` on `parent` at `timestamp` under `fork`'s rules; fillerBytes > 0 adds
// user transactions carrying that much calldata in all (what makes a busy block large), 100 KB per transaction.
func opStackEnvelope(fork string, parent common.Hash, number, timestamp uint64, fillerBytes int) (*eth.ExecutionPayloadEnvelope, error) {
	cfg, err := forkConfig(fork)
	if err != nil {
		return nil, err
	}
	zero := uint64(0)
	beaconRoot := crypto.Keccak256Hash([]byte("l1 beacon root"), parent[:])
	l1 := &types.Header{
		ParentHash:       crypto.Keccak256Hash([]byte("l1 parent"), parent[:]),
		Number:           big.NewInt(21_000_000),
		Time:             timestamp - 12,
		BaseFee:          big.NewInt(1_000_000_000),
		Difficulty:       common.Big0,
		ExcessBlobGas:    &zero,
		BlobGasUsed:      &zero,
		ParentBeaconRoot: &beaconRoot,
		WithdrawalsHash:  &types.EmptyWithdrawalsHash,
		RequestsHash:     &types.EmptyRequestsHash,
	}
	sysCfg := eth.SystemConfig{
		BatcherAddr: common.HexToAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
		Scalar:      eth.EncodeScalar(eth.EcotoneScalars{BlobBaseFeeScalar: 810_949, BaseFeeScalar: 1_368}),
		GasLimit:    30_000_000,
	}
	deposit, err := derive.L1InfoDepositBytes(cfg, params.MainnetChainConfig, sysCfg, number%5, eth.HeaderBlockInfo(l1), timestamp)
	if err != nil {
		return nil, fmt.Errorf("op-node's L1 info deposit: %w", err)
	}
	var l1InfoTx types.Transaction
	if err := l1InfoTx.UnmarshalBinary(deposit); err != nil {
		return nil, fmt.Errorf("decoding the L1 info deposit: %w", err)
	}
	txs := types.Transactions{&l1InfoTx}
	for nonce := uint64(0); fillerBytes > 0; nonce++ {
		size := min(fillerBytes, 100_000)
		fillerBytes -= size
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(number + nonce + uint64(i)*31)
		}
		to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
		txs = append(txs, types.NewTx(&types.DynamicFeeTx{
			ChainID: big.NewInt(901), Nonce: nonce, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(2_000_000),
			Gas: 21_000 + 16*uint64(size), To: &to, Data: data,
		}))
	}

	header := &types.Header{
		ParentHash:       parent,
		UncleHash:        types.EmptyUncleHash,
		Coinbase:         sequencerFeeVault,
		Root:             crypto.Keccak256Hash([]byte("state"), parent[:]),
		TxHash:           types.DeriveSha(txs, trie.NewStackTrie(nil)),
		ReceiptHash:      crypto.Keccak256Hash([]byte("receipts"), parent[:]),
		Difficulty:       common.Big0,
		Number:           new(big.Int).SetUint64(number),
		GasLimit:         30_000_000,
		GasUsed:          46_236,
		Time:             timestamp,
		MixDigest:        l1.MixDigest,
		BaseFee:          big.NewInt(1_000_252),
		WithdrawalsHash:  &types.EmptyWithdrawalsHash,
		BlobGasUsed:      &zero,
		ExcessBlobGas:    &zero,
		ParentBeaconRoot: &beaconRoot,
	}
	switch {
	case cfg.IsJovian(timestamp):
		header.Extra = eip1559.EncodeJovianExtraData(250, 6, 1_000_000)
	case cfg.IsHolocene(timestamp):
		header.Extra = eip1559.EncodeHoloceneExtraData(250, 6)
	}
	if cfg.IsIsthmus(timestamp) {
		// After Isthmus the header carries the L2ToL1MessagePasser's storage root, and Prague's requests hash.
		messagePasserRoot := crypto.Keccak256Hash([]byte("message passer storage"), parent[:])
		header.WithdrawalsHash = &messagePasserRoot
		header.RequestsHash = &types.EmptyRequestsHash
	}
	block := types.NewBlockWithHeader(header).WithBody(types.Body{Transactions: txs, Withdrawals: []*types.Withdrawal{}})
	envelope, err := eth.BlockAsPayloadEnv(block, cfg)
	if err != nil {
		return nil, err
	}
	if actual, ok := envelope.CheckBlockHash(); !ok {
		return nil, fmt.Errorf("the envelope op-service built hashes to %s, not its block hash %s", actual, envelope.ExecutionPayload.BlockHash)
	}
	return envelope, nil
}
