#!/usr/bin/env bash
# A Kubernetes control plane on loopback for tests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler.
#
#   e2e/cluster/control-plane.sh up   [--dir DIR] [--owner-pid PID] [--advertise-address IP]
#                                                                      last line: export KUBECONFIG=<path>
#   e2e/cluster/control-plane.sh down [--dir DIR]
#   e2e/cluster/control-plane.sh status [--dir DIR]
#
# DIR (default $BATON_CP_DIR, else ${TMPDIR:-/tmp}/baton-cp) holds everything: certificates, the service-account
# key, etcd's data, logs, pid files and the kubeconfig. Several control planes can run side by side with different
# DIRs (every port is picked free at start). `up` on a DIR whose control plane is already healthy reuses it, and
# concurrent `up`s on one DIR are serialised, so parallel test workers can all call it. `down` stops every process
# named by a pid file in DIR and removes DIR. With --owner-pid, a watchdog runs `down` once that process exits, so a
# crashed or killed test runner does not leave a control plane behind.
#
# There is no kubelet and no Node: the controller manager creates Pods (StatefulSets, Jobs, ...) but no container
# ever runs. Pods stay Pending (unscheduled) unless a test registers a Node object for the scheduler to bind them to
# (see testing/control-plane.ts createFakeNode) or writes their status itself. The node-lifecycle and taint-eviction
# controllers are off so that a heartbeat-less fake Node is not tainted and its Pods evicted.
# The binaries come from e2e/cluster/build-tools.sh (or $BATON_TOOLS_BIN).
#
# --advertise-address IP (the lab, up.sh): the API server listens on IP (an address of this machine that pods can
# reach) instead of 127.0.0.1 and advertises it as the `kubernetes` Service's endpoint (lease reconciler), its
# certificate covers IP, and it reaches kubelets by their InternalIP with the admin client certificate (logs, exec).
# The node-lifecycle and taint-eviction controllers run (real kubelets send heartbeats).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

cmd="${1:-}"
[[ -n $cmd ]] && shift
dir="${BATON_CP_DIR:-${TMPDIR:-/tmp}/baton-cp}"
owner_pid=""
advertise=""
while (($#)); do
  case "$1" in
  --dir) dir="$2" && shift 2 ;;
  --owner-pid) owner_pid="$2" && shift 2 ;;
  --advertise-address) advertise="$2" && shift 2 ;;
  *) die "unknown argument: $1" ;;
  esac
done
mkdir -p "$(dirname "$dir")"
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
kubeconfig="$dir/kubeconfig"
components=(watchdog kube-scheduler kube-controller-manager kube-apiserver etcd) # stop order

marker=".baton-control-plane" # written by `up`; `down` removes only directories that carry it

stop_all() {
  [[ -d $dir ]] || return 0
  if [[ ! -f $dir/$marker ]]; then
    rmdir "$dir" 2>/dev/null && return 0
    die "refusing to touch $dir: not a control-plane state directory (no $marker in it)"
  fi
  local name pid pids=()
  for name in "${components[@]}"; do
    [[ -f $dir/$name.pid ]] || continue
    pid="$(cat "$dir/$name.pid")"
    [[ $pid =~ ^[0-9]+$ ]] || continue
    # Only a process of this control plane (every one has DIR in its arguments), never a reused pid.
    grep -qaF -- "$dir" "/proc/$pid/cmdline" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  local deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

healthy() {
  local port host
  port="$(cat "$dir/apiserver.port" 2>/dev/null)" || return 1
  host="$(cat "$dir/apiserver.host" 2>/dev/null || echo 127.0.0.1)"
  curl -fsS --max-time 2 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "https://$host:$port/readyz" >/dev/null 2>&1
}

# Free loopback ports, picked by the kernel (released just before use; a clash would fail `up` loudly, not silently).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# start NAME BINARY ARGS...: a process in its own session (so a terminal's ^C or a test runner's process group
# signal does not half-kill the control plane), output to DIR/NAME.log, pid to DIR/NAME.pid.
start() {
  local name="$1" && shift
  # The process writes its own pid: setsid may fork, so $! is not always the pid that ends up running.
  # fd 8 (the DIR lock) is closed so that a long-running process does not keep the lock held after `up` returns.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/$name.pid" "$@" >"$dir/$name.log" 2>&1 </dev/null 8>&- &
  local deadline=$((SECONDS + 5))
  until [[ -s $dir/$name.pid ]] || ((SECONDS >= deadline)); do sleep 0.05; done
}

# shellcheck source=e2e/cluster/wait.sh
source "$here/wait.sh"
component_alive() { kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }
component_log() { echo "$dir/$1.log"; }
WAIT_INTERVAL=0.2

gen_pki() {
  local pki="$dir/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=baton-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      2>/dev/null
    sign() { # sign NAME SUBJECT EXT
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 30 \
        -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    sign apiserver "/CN=kube-apiserver" "$(
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,${advertise:+IP:$advertise,}DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    )"
    # The admin identity (group system:masters) is used by kubectl, the tests, the controller manager and scheduler.
    sign admin "/O=system:masters/CN=baton-admin" "$(
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=clientAuth"
    )"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # write_kubeconfig PORT
  local b64="base64 -w0"
  cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: baton-cp
    cluster:
      server: https://$host:$1
      certificate-authority-data: $($b64 <"$dir/pki/ca.crt")
users:
  - name: baton-admin
    user:
      client-certificate-data: $($b64 <"$dir/pki/admin.crt")
      client-key-data: $($b64 <"$dir/pki/admin.key")
contexts:
  - name: baton-cp
    context: { cluster: baton-cp, user: baton-admin, namespace: default }
current-context: baton-cp
EOF
  chmod 600 "$kubeconfig"
}

up() {
  local bin="${BATON_TOOLS_BIN:-}"
  if [[ -z $bin ]]; then
    bin="$("$here/build-tools.sh" --check)" ||
      die "the control-plane binaries are not built: run npm test or e2e/cluster/build-tools.sh (first run ~8 min), or set BATON_TOOLS_BIN"
  fi
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler; do
    [[ -x $bin/$b ]] || die "$bin/$b is missing: run e2e/cluster/build-tools.sh"
  done
  command -v kubectl >/dev/null || die "kubectl is not on PATH"

  mkdir -p "$dir"
  exec 8>"$dir.lock"
  flock 8 # concurrent `up`s on one DIR: the first starts it, the others reuse it
  if [[ -f $kubeconfig ]] && healthy; then
    log "reusing the healthy control plane in $dir"
    echo "export KUBECONFIG=$kubeconfig"
    return 0
  fi
  # Leftovers of a dead control plane in DIR: stop what still runs and start afresh.
  stop_all
  mkdir -p "$dir"
  touch "$dir/$marker"
  up_ok=""
  trap '[[ -n $up_ok ]] || { log "up failed; stopping what it started and removing $dir"; stop_all; }' EXIT
  local t0=$SECONDS
  local ports etcd_port etcd_peer api_port kcm_port sched_port
  ports="$(free_ports 5)"
  read -r etcd_port etcd_peer api_port kcm_port sched_port <<<"$ports"
  echo "$api_port" >"$dir/apiserver.port"
  host="${advertise:-127.0.0.1}"
  echo "$host" >"$dir/apiserver.host"
  local api_net=(--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --endpoint-reconciler-type none)
  local kcm_controllers=(--controllers '*,-node-lifecycle-controller,-taint-eviction-controller')
  if [[ -n $advertise ]]; then
    # Real kubelets: the node-lifecycle controller removes the not-ready taint a kubelet registers with.
    kcm_controllers=(--controllers '*' --node-monitor-grace-period 60s)
    api_net=(--bind-address "$advertise" --advertise-address "$advertise" --endpoint-reconciler-type lease
      --kubelet-client-certificate "$dir/pki/admin.crt" --kubelet-client-key "$dir/pki/admin.key"
      --kubelet-preferred-address-types InternalIP,Hostname)
  fi
  gen_pki
  local pki="$dir/pki"

  # etcd: loopback only, no TLS, no fsync (a disposable test store; speed matters more than crash safety here).
  start etcd "$bin/etcd" --name baton --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "baton=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level warn \
    --quota-backend-bytes $((2 * 1024 * 1024 * 1024))
  wait_for "etcd" 30 etcd curl -fsS "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    "${api_net[@]}" --secure-port "$api_port" --cert-dir "$pki" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
    --enable-admission-plugins NodeRestriction --profiling=false --v=1
  wait_for "kube-apiserver /readyz" 90 kube-apiserver healthy
  write_kubeconfig "$api_port"

  # The controller manager and the scheduler use the admin client certificate (no per-controller service accounts).
  # node-lifecycle and taint-eviction are off: with no kubelet they would taint the fake Node and evict every Pod.
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    "${kcm_controllers[@]}" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --use-service-account-credentials=false --concurrent-gc-syncs 10 --profiling=false --v=1
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false --profiling=false --v=1
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager \
    curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
  wait_for "kube-scheduler /healthz" 60 kube-scheduler curl -fsSk "https://127.0.0.1:$sched_port/healthz"
  # The service-account controller creating "default" shows the controller manager is reconciling.
  wait_for "the default ServiceAccount" 60 kube-controller-manager \
    kubectl --kubeconfig "$kubeconfig" --request-timeout=5s get serviceaccount default -n default

  if [[ -n $owner_pid ]]; then
    start watchdog bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" down --dir "$3"' \
      watchdog "$owner_pid" "$here/control-plane.sh" "$dir"
  fi
  up_ok=1
  log "control plane up in $((SECONDS - t0))s: https://$host:$api_port (state in $dir)"
  echo "export KUBECONFIG=$kubeconfig"
}

case "$cmd" in
up) up ;;
down)
  if [[ -d $dir ]]; then
    exec 8>"$dir.lock"
    # The watchdog execs `down` itself: do not let that `down` kill its own process.
    if [[ -f $dir/watchdog.pid && $(cat "$dir/watchdog.pid") == "$$" ]]; then rm -f "$dir/watchdog.pid"; fi
    flock 8
    stop_all
    log "control plane in $dir stopped and removed"
  fi
  rm -f "$dir.lock"
  ;;
status)
  if [[ -f $kubeconfig ]] && healthy; then
    echo "healthy: export KUBECONFIG=$kubeconfig"
  else
    echo "not running ($dir)"
    exit 1
  fi
  ;;
*)
  sed -n '2,7p' "$0" >&2
  exit 2
  ;;
esac
