#!/usr/bin/env bash
# Build the local Kubernetes binaries from their pinned Go modules:
#   control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler (and helm);
#   node (the lab, up.sh): kubelet, kube-proxy and CoreDNS (cluster DNS).
# The pins live in e2e/cluster/tools/{kubernetes,etcd,helm,coredns}/go.mod (+ go.sum); no third-party source is committed.
# Binaries are cached outside the repo under ${BATON_TOOLS_CACHE:-$HOME/.cache/baton/tools}/<hash>/bin, the hash
# covering the module files, the build recipe below and the Go version, so a second run only checks the cache (well under a second).
# Progress goes to stderr; the last line on stdout is the directory that holds the binaries.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"

log() { printf '[build-tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v go >/dev/null || die "go is not on PATH (Go >= 1.24 is needed to build the control plane)"

# Versions: read from the module files so there is one place to change them.
gomod_version() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$tools/$1/go.mod"; }
k8s_version="$(gomod_version kubernetes k8s.io/kubernetes)"
etcd_version="$(gomod_version etcd go.etcd.io/etcd/server/v3)"
helm_version="$(gomod_version helm helm.sh/helm/v3)"
coredns_version="$(gomod_version coredns github.com/coredns/coredns)"
[[ -n $k8s_version && -n $etcd_version && -n $helm_version && -n $coredns_version ]] || die "could not read the pinned versions from $tools/*/go.mod"
k8s_major="${k8s_version#v}"
k8s_major="${k8s_major%%.*}"
k8s_minor="${k8s_version#v*.}"
k8s_minor="${k8s_minor%%.*}"

go_version="$(go env GOVERSION)"
# Bump when the way the binaries are built changes (flags, ldflags, target list) to invalidate the cache.
# recipe-2: + kubelet, kube-proxy, coredns (the kubelet is static too: upstream links it with cgo only for the libc
# DNS resolver and user lookups, which the lab does not need).
recipe="recipe-2 CGO_ENABLED=0 -trimpath -ldflags=-s,-w,version-vars"
hash="$(
  {
    printf '%s\n' "$recipe" "$go_version" "$(go env GOOS)/$(go env GOARCH)"
    cat "$tools"/*/go.mod "$tools"/*/go.sum
  } | sha256sum | cut -c1-16
)"
cache_root="${BATON_TOOLS_CACHE:-$HOME/.cache/baton/tools}"
out="$cache_root/k8s-$k8s_version-etcd-$etcd_version-helm-$helm_version-coredns-$coredns_version-$hash"
bin="$out/bin"

build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
k8s_ldflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$k8s_major -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done
helm_ldflags=" -X helm.sh/helm/v3/internal/version.version=$helm_version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=$k8s_major -X $pkg.k8sVersionMinor=$k8s_minor"
done

# name  module-dir  main-package  extra-ldflags
targets=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|"
  "kube-apiserver|kubernetes|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "kube-controller-manager|kubernetes|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags"
  "kube-scheduler|kubernetes|k8s.io/kubernetes/cmd/kube-scheduler|$k8s_ldflags"
  "helm|helm|helm.sh/helm/v3/cmd/helm|$helm_ldflags"
  "kubelet|kubernetes|k8s.io/kubernetes/cmd/kubelet|$k8s_ldflags"
  "kube-proxy|kubernetes|k8s.io/kubernetes/cmd/kube-proxy|$k8s_ldflags"
  "coredns|coredns|github.com/coredns/coredns|"
)

missing=()
for t in "${targets[@]}"; do
  name="${t%%|*}"
  [[ -x $bin/$name ]] || missing+=("$t")
done

# --check: only report whether the binaries for the pinned versions are built (no build, no lock); exit 1 if not.
if [[ ${1:-} == --check ]]; then
  ((${#missing[@]} == 0)) || {
    log "not built yet: ${#missing[@]} of ${#targets[@]} binaries missing in $bin; run e2e/cluster/build-tools.sh"
    exit 1
  }
  echo "$bin"
  exit 0
fi

# One build at a time per cache entry (parallel CI jobs or two terminals share the result).
mkdir -p "$bin"
exec 9>"$out/.lock"
if ! flock -n 9; then
  log "another build-tools.sh is building into $out; waiting for it"
  flock 9
fi
# The build we waited for may have produced everything.
missing=()
for t in "${targets[@]}"; do
  name="${t%%|*}"
  [[ -x $bin/$name ]] || missing+=("$t")
done

if ((${#missing[@]} == 0)); then
  log "cached: Kubernetes $k8s_version, etcd $etcd_version, helm $helm_version, CoreDNS $coredns_version ($go_version)"
else
  log "building ${#missing[@]} binaries with $go_version into $bin (first run: ~8 min on 2 cores, longer on a busy machine; see e2e/cluster/README.md#building)"
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly -trimpath"
  started=$SECONDS
  for t in "${missing[@]}"; do
    IFS='|' read -r name dir pkg ldflags <<<"$t"
    t0=$SECONDS
    log "go build $pkg ($name) ..."
    # Build into a temporary name and rename, so an interrupted build never leaves a truncated binary in the cache.
    (cd "$tools/$dir" && nice -n 10 go build -ldflags="-s -w$ldflags" -o "$bin/.$name.tmp" "$pkg") ||
      die "go build $pkg failed (see the output above)"
    mv -f "$bin/.$name.tmp" "$bin/$name"
    log "built $name in $((SECONDS - t0))s"
  done
  log "all binaries built in $((SECONDS - started))s"
fi

printf '%s\n' "k8s.io/kubernetes $k8s_version" "go.etcd.io/etcd/server/v3 $etcd_version" "helm.sh/helm/v3 $helm_version" \
  "github.com/coredns/coredns $coredns_version" "$go_version" >"$out/VERSIONS"
echo "$bin"
