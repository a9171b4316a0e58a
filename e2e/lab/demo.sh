#!/usr/bin/env bash
# `npm run lab`: the main job on a local, embedded Kubernetes. Brings the lab up (e2e/cluster/up.sh), installs the
# operator with the chart, applies the example SequencerCluster that runs the simulator images for op-node and
# op-geth, and prints the cluster's status as it forms. The lab stays up; `e2e/cluster/down.sh` removes it.
#   LAB_WATCH_SECONDS (default 120): how long to print status.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf '[lab-demo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

eval "$("$repo/e2e/cluster/up.sh" | tail -1)"
helm="$("$repo/e2e/cluster/build-tools.sh" --check)/helm"
log "helm upgrade --install baton charts/baton (namespace baton-system)"
"$helm" upgrade --install baton "$repo/charts/baton" -n baton-system --create-namespace --wait --timeout 180s >/dev/null
kubectl -n baton-system get pods -o wide
kubectl create namespace chains --dry-run=client -o yaml | kubectl apply -f - >/dev/null
if ! kubectl -n chains get sequencercluster sim >/dev/null 2>&1; then
  log "kubectl apply -f charts/baton/examples/sequencercluster-sim.yaml (namespace chains)"
  sed "s/GENESIS_TIME/$(date +%s)/" "$repo/charts/baton/examples/sequencercluster-sim.yaml" | kubectl -n chains apply -f -
fi
end=$((SECONDS + ${LAB_WATCH_SECONDS:-120}))
while ((SECONDS < end)); do
  echo "--- $(date +%H:%M:%S)"
  kubectl -n chains get sequencerclusters,pods -o wide 2>&1 || true
  sleep 5
done
log "the lab stays up: export KUBECONFIG=$KUBECONFIG; kubectl -n chains get seqc -w; e2e/cluster/down.sh removes it"
echo "export KUBECONFIG=$KUBECONFIG"
