#!/usr/bin/env bash
# Assembles the baton application as it runs in the image: the compiled code (tsc, no tsx at run time), the
# proto files, the entry point and the production dependencies only. Both the Dockerfile and the lab's offline
# image builder (e2e/cluster/images.sh) run this, so the image the lab tests is the image users build.
#
#   bin/assemble-app.sh SRC OUT [PROD_NODE_MODULES]
#
# SRC is a checkout with its dev dependencies installed (npm ci: tsc comes from there). OUT must not exist or be
# empty. PROD_NODE_MODULES, when given, is a directory from `npm ci --omit=dev` for the same package-lock.json
# (the lab caches one); without it the production dependencies are installed into OUT with npm ci --omit=dev.
set -euo pipefail

log() { printf '[assemble-app %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

(($# == 2 || $# == 3)) || die "usage: bin/assemble-app.sh SRC OUT [PROD_NODE_MODULES]"
src="$(cd "$1" && pwd)"
out="$2"
mods="${3:-}"
tsc="$src/node_modules/typescript/bin/tsc"
[[ -f $tsc ]] || die "$tsc is missing: run npm ci in $src first (the build needs the dev dependencies)"
if [[ -e $out && -n "$(ls -A "$out")" ]]; then die "$out is not empty"; fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

log "compiling (tsc -p tsconfig.build.json) into $out/dist"
(cd "$src" && node "$tsc" -p tsconfig.build.json --outDir "$out/dist" --sourceMap false) ||
  die "tsc failed: run npm run typecheck in $src to see the errors"
cp -r "$src/bin" "$src/proto" "$src/package.json" "$src/package-lock.json" "$out/"
rm -f "$out/bin/assemble-app.sh" # a build step, not part of the application
chmod 0755 "$out/bin/baton.js"

if [[ -n $mods ]]; then
  [[ -d $mods ]] || die "$mods is not a directory"
  cp -r "$mods" "$out/node_modules"
else
  log "installing production dependencies (npm ci --omit=dev)"
  (cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2) ||
    die "npm ci --omit=dev failed in $out"
fi
# The compiled CLI must start from what was assembled, without the checkout next to it.
node "$out/bin/baton.js" --version >/dev/null || die "$out/bin/baton.js --version failed"
log "assembled $(du -sh "$out" | cut -f1) in $out"
