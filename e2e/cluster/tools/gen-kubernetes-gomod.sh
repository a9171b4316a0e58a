#!/usr/bin/env bash
# Regenerate tools/kubernetes/go.mod for a Kubernetes release, e.g. `gen-kubernetes-gomod.sh v1.33.13`.
# k8s.io/kubernetes points each staging module (k8s.io/api, k8s.io/apiserver, ... ~30 of them) at ./staging/src/...
# with `replace` and requires them as v0.0.0, so a module that depends on it must replace each one with its published
# tag (v0.<minor>.<patch> for v1.<minor>.<patch>). The list is read from that release's own go.mod.
# Afterwards: `go mod tidy` runs here, and build-tools.sh rebuilds (its cache key covers go.mod and go.sum).
set -euo pipefail
version="${1:?usage: gen-kubernetes-gomod.sh v1.X.Y}"
[[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "not a v1.X.Y version: $version" >&2; exit 2; }
staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/kubernetes" && pwd)"
upstream_gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
[[ -f $upstream_gomod ]] || { echo "could not download k8s.io/kubernetes@$version" >&2; exit 1; }
go_directive="$(awk '$1 == "go" { print $2; exit }' "$upstream_gomod")"
{
  echo "// Build-only module: pins the Kubernetes control-plane and node binaries that e2e/cluster/build-tools.sh builds."
  echo "// k8s.io/kubernetes replaces its staging modules with ./staging paths; a consumer must pin each to its published v0 tag."
  echo "// Regenerate the replace block with e2e/cluster/tools/gen-kubernetes-gomod.sh."
  echo "module baton.local/e2e/cluster/tools/kubernetes"
  echo
  echo "go $go_directive"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  grep -E '^\s+k8s.io/[a-z0-9-]+ => \./staging/' "$upstream_gomod" | awk -v s="$staging" '{ print "\t" $1 " => " $1 " " s }'
  echo ")"
} >"$dir/go.mod"
cd "$dir" && go mod tidy
echo "wrote $dir/go.mod ($(grep -c '=> k8s.io/' go.mod) staging replaces at $staging)" >&2
