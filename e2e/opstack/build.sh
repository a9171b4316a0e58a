#!/usr/bin/env bash
# Build the real OP Stack binaries from their pinned Go modules: op-geth's geth, op-node, op-batcher and upstream
# op-conductor (the reference the benchmarks compare Baton against).
#
# The pins live in e2e/opstack/tools/go.mod (+ go.sum): github.com/ethereum-optimism/optimism v1.19.6 with go-ethereum
# replaced by op-geth, as the optimism repository does. `go install pkg@version` refuses modules with replace
# directives, hence this wrapper module. The published optimism module lacks its generated
# op-core/superchain/superchain-configs.zip (built upstream from a git submodule), without which nothing that
# imports op-node compiles; op-geth's module ships the same bundle. So the build makes a writable copy of the
# optimism module from the Go module cache, puts op-geth's bundle in it with a matching .sha256 pin (checked at
# init), and builds against that copy through `replace => ./optimism`. No third-party source is committed; a
# custom devnet never reads the built-in superchain registry.
#
# Binaries are cached under ${BATON_TOOLS_CACHE:-$HOME/.cache/baton/tools}/opstack-<versions>-<hash>/bin, the hash
# covering the module files, this recipe and the Go version; a second run only checks the cache. Progress goes to
# stderr; the last line on stdout is the directory that holds the binaries. --check: report only (exit 1 if not built).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
log() { printf '[opstack-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed: the optimism module declares go 1.26.0)"

optimism_version="$(awk '($1 == "require" && $2 == "github.com/ethereum-optimism/optimism") { print $3; exit }
  $1 == "github.com/ethereum-optimism/optimism" && $2 ~ /^v/ { print $2; exit }' "$tools/go.mod")"
opgeth_version="$(awk '$1 == "replace" && $2 == "github.com/ethereum/go-ethereum" { print $5 }' "$tools/go.mod")"
[[ -n $optimism_version && -n $opgeth_version ]] || die "could not read the pinned versions from $tools/go.mod"

recipe="recipe-1 -trimpath -ldflags=-s,-w superchain-zip-from-op-geth"
hash="$(
  {
    printf '%s\n' "$recipe" "$(go env GOVERSION)" "$(go env GOOS)/$(go env GOARCH)"
    cat "$tools/go.mod" "$tools/go.sum" "$tools/tools.go"
  } | sha256sum | cut -c1-16
)"
out="${BATON_TOOLS_CACHE:-$HOME/.cache/baton/tools}/opstack-optimism-$optimism_version-op-geth-$opgeth_version-$hash"
bin="$out/bin"
work="$out/work"

# name  main-package
targets=(
  "geth|github.com/ethereum/go-ethereum/cmd/geth"
  "op-node|github.com/ethereum-optimism/optimism/op-node/cmd"
  "op-batcher|github.com/ethereum-optimism/optimism/op-batcher/cmd"
  "op-conductor|github.com/ethereum-optimism/optimism/op-conductor/cmd"
)
missing=()
for t in "${targets[@]}"; do [[ -x $bin/${t%%|*} ]] || missing+=("$t"); done

if [[ ${1:-} == --check ]]; then
  ((${#missing[@]} == 0)) || {
    log "not built yet: ${#missing[@]} of ${#targets[@]} binaries missing in $bin; run e2e/opstack/build.sh"
    exit 1
  }
  echo "$bin"
  exit 0
fi

# Baton's own Go driver for the wire-compatibility test (e2e/opstack/wirecompat): built inside the same work module
# against the same pinned optimism client code, and rebuilt whenever its source changes (its own hash, so an edit
# does not rebuild the upstream binaries).
build_wirecompat() {
  local src_hash
  src_hash="$(cat "$here/wirecompat/"*.go | sha256sum | cut -c1-16)"
  if [[ -x $bin/baton-wirecompat && "$(cat "$bin/.baton-wirecompat.hash" 2>/dev/null)" == "$src_hash" ]]; then return; fi
  local t0=$SECONDS
  log "go build e2e/opstack/wirecompat (baton-wirecompat, the upstream Go clients' driver) ..."
  rm -rf "$work/wirecompat" && cp -r "$here/wirecompat" "$work/wirecompat"
  (cd "$work" && GOFLAGS="-mod=readonly -trimpath" nice -n 10 go build -ldflags="-s -w" -o "$bin/.baton-wirecompat.tmp" ./wirecompat) ||
    die "go build of e2e/opstack/wirecompat failed (see the output above)"
  mv -f "$bin/.baton-wirecompat.tmp" "$bin/baton-wirecompat"
  echo "$src_hash" >"$bin/.baton-wirecompat.hash"
  log "built baton-wirecompat in $((SECONDS - t0))s"
}

mkdir -p "$bin"
exec 9>"$out/.lock"
if ! flock -n 9; then
  log "another build is running into $out; waiting for it"
  flock 9
fi
missing=()
for t in "${targets[@]}"; do [[ -x $bin/${t%%|*} ]] || missing+=("$t"); done
if ((${#missing[@]} == 0)); then
  log "cached: optimism $optimism_version, op-geth $opgeth_version ($(go env GOVERSION))"
  [[ -f $work/.ready ]] && build_wirecompat
  echo "$bin"
  exit 0
fi

# The work module: the committed go.mod/go.sum/tools.go plus the patched copy of the optimism module.
if [[ ! -f $work/.ready ]]; then
  log "preparing the build module in $work (downloads optimism $optimism_version and op-geth $opgeth_version)"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$tools/go.mod" "$tools/go.sum" "$tools/tools.go" "$work/"
  dir_of() { go mod download -json "$1" | awk -F'"' '$2 == "Dir" { print $4 }'; }
  optimism_dir="$(dir_of "github.com/ethereum-optimism/optimism@$optimism_version")"
  opgeth_dir="$(dir_of "github.com/ethereum-optimism/op-geth@$opgeth_version")"
  [[ -d $optimism_dir && -d $opgeth_dir ]] || die "go mod download did not give the module directories"
  cp -r "$optimism_dir" "$work/optimism"
  chmod -R u+w "$work/optimism"
  bundle="$opgeth_dir/superchain/superchain-configs.zip"
  [[ -f $bundle ]] || die "op-geth $opgeth_version has no superchain/superchain-configs.zip to borrow"
  cp "$bundle" "$work/optimism/op-core/superchain/superchain-configs.zip"
  (cd "$work/optimism/op-core/superchain" && sha256sum superchain-configs.zip >superchain-configs.zip.sha256)
  touch "$work/.ready"
fi

log "building ${#missing[@]} binaries with $(go env GOVERSION) into $bin (first run: 15-20 min on 2 cores)"
started=$SECONDS
for t in "${missing[@]}"; do
  IFS='|' read -r name pkg <<<"$t"
  t0=$SECONDS
  log "go build $pkg ($name) ..."
  (cd "$work" && GOFLAGS="-mod=readonly -trimpath" nice -n 10 go build -ldflags="-s -w" -o "$bin/.$name.tmp" "$pkg") ||
    die "go build $pkg failed (see the output above)"
  mv -f "$bin/.$name.tmp" "$bin/$name"
  log "built $name in $((SECONDS - t0))s"
done
log "all binaries built in $((SECONDS - started))s"
printf '%s\n' "github.com/ethereum-optimism/optimism $optimism_version" "github.com/ethereum-optimism/op-geth $opgeth_version" \
  "$(go env GOVERSION)" >"$out/VERSIONS"
build_wirecompat
echo "$bin"
