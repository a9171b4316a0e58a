#!/usr/bin/env bash
# The local Kubernetes lab: the control plane (control-plane.sh) plus one real node on this machine.
#
#   e2e/cluster/lab.sh up      (= up.sh)     last line: export KUBECONFIG=<path>
#   e2e/cluster/lab.sh down    (= down.sh)
#   e2e/cluster/lab.sh status
#
# The node: containerd + runc + CNI plugins from Debian, the kubelet and kube-proxy built from k8s.io/kubernetes
# (build-tools.sh), a bridge pod network, CoreDNS for cluster DNS, a local-volume provisioner (default StorageClass),
# and the lab's images (images.sh) imported into containerd, since no registry can be reached.
#
# Isolation: containerd, the kubelet and kube-proxy run in a network namespace of the lab's own (bind-mounted at
# DIR/netns), joined to this machine by one veth pair: 10.245.0.1 (host side; the API server listens there) and
# 10.245.0.2 (the node's InternalIP). The pod bridge (cni0, 10.244.0.0/24), kube-proxy's and the kubelet's iptables
# rules and every pod veth live in that namespace, so the host's firewall and sysctls are never touched and deleting
# the namespace removes all of it. The host gets two routes through the veth (pods 10.244.0.0/24 and Services
# 10.96.0.0/16), gone with the veth. There is no default route out of the lab: pods reach each other, Services,
# cluster DNS and the API server, and nothing else.
#
# State lives in DIR (${BATON_LAB_DIR:-/var/lib/baton-lab}): containerd's root and state, the kubelet's root, pod
# logs, volumes, the control plane (DIR/cp), logs (DIR/logs/*.log) and pid files. `down` stops everything it started,
# removes pods' containers, mounts, cgroups (/sys/fs/cgroup/*/baton-lab) and DIR, and paths outside DIR that the
# kubelet or containerd hard-code (/var/log/containers, /var/lib/kubelet/device-plugins, /run/containerd/s,
# /var/lib/cni) when the lab created them. It keeps what a later `up` reuses and what is not the lab's alone: the
# Debian packages `up` installed (PACKAGES below; other software may use them), the built binaries
# (~/.cache/baton/tools) and the built images (~/.cache/baton/lab); `down` says so, with how to remove them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

dir="${BATON_LAB_DIR:-/var/lib/baton-lab}"
NODE_NAME=baton-lab
HOST_IP=10.245.0.1
NODE_IP=10.245.0.2
LINK_CIDR=10.245.0.0/30
POD_CIDR=10.244.0.0/24
POD_GW=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
HOST_VETH=baton-lab0
NODE_VETH=lab0
CGROUP_PARENT=baton-lab
PACKAGES=(containerd runc containernetworking-plugins iptables conntrack)
# Paths outside DIR that the node's components hard-code; removed by `down` if `up` found them absent.
OUTSIDE=(/var/log/containers /var/lib/kubelet /run/containerd /var/lib/cni /run/netns)

netns="$dir/netns"
logs="$dir/logs"
cp_dir="$dir/cp"
sock="$dir/containerd/containerd.sock"
node_components=(provisioner kube-proxy kubelet containerd) # stop order

in_lab() { nsenter --net="$netns" "$@"; }

pid_alive() { # pid_alive NAME: the process of DIR/NAME.pid runs and is ours (DIR in its command line)
  local pid
  pid="$(cat "$dir/$1.pid" 2>/dev/null)" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && grep -qaF -- "$dir" "/proc/$pid/cmdline" 2>/dev/null
}

# start NAME [--netns] COMMAND...: in its own session, output to DIR/logs/NAME.log, pid to DIR/NAME.pid.
start() {
  local name="$1" && shift
  local pre=()
  if [[ $1 == --netns ]]; then
    pre=(nsenter --net="$netns")
    shift
  fi
  # The process writes its own pid before exec; DIR appears in every command line (pid_alive checks it).
  # fd 9 (DIR's lock) is closed so that a long-running process does not keep the lock after `up` returns.
  setsid "${pre[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$dir/$name.pid" "$@" >>"$logs/$name.log" 2>&1 </dev/null 9>&- &
  local deadline=$((SECONDS + 5))
  until [[ -s $dir/$name.pid ]] || ((SECONDS >= deadline)); do sleep 0.05; done
}

# shellcheck source=e2e/cluster/wait.sh
source "$here/wait.sh"
component_alive() { pid_alive "$1"; }
component_log() { echo "$logs/$1.log"; }

kc() { kubectl --kubeconfig "$cp_dir/kubeconfig" --request-timeout=20s "$@"; }

# ---- preflight -------------------------------------------------------------------------------------------------
preflight() {
  [[ $(id -u) == 0 ]] || die "the lab needs root (containerd, the kubelet and network namespaces)"
  local missing=() p
  for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    log "installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
      die "apt-get install ${missing[*]} failed"
  fi
  for p in containerd containerd-shim-runc-v2 runc ctr iptables nsenter unshare ip openssl curl kubectl go npm; do
    command -v "$p" >/dev/null || die "$p is not on PATH"
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
    die "the CNI plugins are missing in /usr/lib/cni (Debian package containernetworking-plugins)"
  grep -qw overlay /proc/filesystems || die "the kernel has no overlayfs (containerd's overlayfs snapshotter needs it)"
  local c
  for c in cpu cpuacct cpuset memory pids devices freezer; do
    [[ -d /sys/fs/cgroup/$c ]] || die "cgroup v1 controller $c is not mounted at /sys/fs/cgroup/$c (the lab's kubelet runs on cgroup v1 with the cgroupfs driver)"
  done
}

# ---- network ---------------------------------------------------------------------------------------------------
network_up() {
  if [[ ! -e $netns ]] || ! nsenter --net="$netns" true 2>/dev/null; then
    log "network namespace $netns, veth $HOST_VETH ($HOST_IP) <-> $NODE_VETH ($NODE_IP)"
    ip link del "$HOST_VETH" 2>/dev/null || true
    touch "$netns"
    unshare --net="$netns" true
    ip link add "$HOST_VETH" type veth peer name "$NODE_VETH" netns "$netns"
  fi
  ip addr replace "$HOST_IP/30" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  ip route replace "$POD_CIDR" via "$NODE_IP" dev "$HOST_VETH"
  ip route replace "$SERVICE_CIDR" via "$NODE_IP" dev "$HOST_VETH"
  in_lab ip link set lo up
  in_lab ip addr replace "$NODE_IP/30" dev "$NODE_VETH"
  in_lab ip link set "$NODE_VETH" up
  # Per-namespace sysctls: routing between pods, Services (kube-proxy DNAT) and the veth; bridged traffic seen by
  # iptables (Service rules for pod-to-pod on one bridge).
  in_lab sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.default.rp_filter=0 >/dev/null
  wait_for "the veth" 10 "" bash -c "ip -br link show $HOST_VETH | grep -q LOWER_UP"
}

# ---- containerd ------------------------------------------------------------------------------------------------
containerd_up() {
  pid_alive containerd && ctr --address "$sock" version >/dev/null 2>&1 && return 0
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/cni/networks"
  cat >"$dir/containerd/config.toml" <<EOF
# Written by e2e/cluster/lab.sh. Debian's containerd $(containerd --version | awk '{print $3}'), CRI v1 for the kubelet.
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  max_container_log_line_size = 16384
  # Root here lacks CAP_SYS_RESOURCE (the VM's bounding set drops it), so no process may lower its oom_score_adj
  # below 0 and runc fails every pod sandbox (the kubelet asks for -998). Clamp to containerd's own score instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
EOF
  cat >"$dir/cni/net.d/10-baton-lab.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "baton-lab",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "isDefaultGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/networks",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GW" }]]
      }
    }
  ]
}
EOF
  log "starting containerd ($(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'))"
  start containerd --netns containerd --config "$dir/containerd/config.toml" --log-level warn
  wait_for "containerd" 30 containerd ctr --address "$sock" version
}

# ---- certificates and kubeconfigs for the node ----------------------------------------------------------------
node_credentials() {
  local pki="$cp_dir/pki" k="$dir/kubelet"
  mkdir -p "$k/pki"
  if [[ ! -s $k/pki/kubelet-client.crt ]] || ! openssl verify -CAfile "$pki/ca.crt" "$k/pki/kubelet-client.crt" >/dev/null 2>&1; then
    # The node's identity: system:node:<name> in system:nodes (the Node authorizer and NodeRestriction admit it).
    openssl req -newkey rsa:2048 -nodes -keyout "$k/pki/kubelet-client.key" -out "$k/pki/kubelet-client.csr" \
      -subj "/O=system:nodes/CN=system:node:$NODE_NAME" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >"$k/pki/client.ext"
    openssl x509 -req -in "$k/pki/kubelet-client.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -out "$k/pki/kubelet-client.crt" -days 30 -extfile "$k/pki/client.ext" 2>/dev/null
    rm -f "$k/pki/kubelet-client.csr" "$k/pki/client.ext"
  fi
  local server
  server="$(awk '/server:/ { print $2; exit }' "$cp_dir/kubeconfig")"
  cat >"$k/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: lab
    cluster: { server: $server, certificate-authority: $pki/ca.crt }
users:
  - name: kubelet
    user: { client-certificate: $k/pki/kubelet-client.crt, client-key: $k/pki/kubelet-client.key }
contexts:
  - name: lab
    context: { cluster: lab, user: kubelet }
current-context: lab
EOF
}

# ---- cgroups ---------------------------------------------------------------------------------------------------
cgroups_up() {
  # The kubelet's cgroupRoot: /baton-lab in every v1 hierarchy (kubepods and the pods go below it), so `down` can
  # find and remove all of them.
  local c
  for c in /sys/fs/cgroup/*/; do
    c="${c%/}"
    [[ $(basename "$c") == unified ]] && continue
    mkdir -p "$c/$CGROUP_PARENT"
    if [[ -f $c/cpuset.cpus ]]; then
      [[ -s $c/$CGROUP_PARENT/cpuset.cpus && $(cat "$c/$CGROUP_PARENT/cpuset.cpus") != "" ]] ||
        cat "$c/cpuset.cpus" >"$c/$CGROUP_PARENT/cpuset.cpus"
      [[ $(cat "$c/$CGROUP_PARENT/cpuset.mems") != "" ]] || cat "$c/cpuset.mems" >"$c/$CGROUP_PARENT/cpuset.mems"
    fi
  done
}

# ---- kubelet ---------------------------------------------------------------------------------------------------
kubelet_up() {
  local bin="$1" k="$dir/kubelet"
  if pid_alive kubelet; then return 0; fi
  mkdir -p "$k/root" "$dir/pod-logs"
  # Pods get the cluster DNS only; no host search domains or resolvers leak in.
  printf 'nameserver %s\n' "$DNS_IP" >"$k/resolv.conf"
  cat >"$k/config.yaml" <<EOF
# Written by e2e/cluster/lab.sh.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $cp_dir/pki/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$sock
# This machine: cgroup v1 (v1.33 still supports it; failCgroupV1 defaults to false until v1.35), no systemd as init,
# so the cgroupfs driver under a cgroup root of the lab's own.
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_PARENT
cgroupsPerQOS: true
failCgroupV1: false
failSwapOn: false
# No CAP_SYS_RESOURCE here (see containerd's restrict_oom_score_adj): keep the kubelet's own score at 0.
oomScoreAdj: 0
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_IP]
resolvConf: $k/resolv.conf
podLogsDir: $dir/pod-logs
serializeImagePulls: false
# Images cannot be pulled again here: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
rotateCertificates: false
serverTLSBootstrap: false
maxPods: 60
nodeStatusReportFrequency: 10s
EOF
  log "starting the kubelet (node $NODE_NAME, $NODE_IP)"
  start kubelet --netns "$bin/kubelet" --config "$k/config.yaml" --kubeconfig "$k/kubeconfig" \
    --root-dir "$k/root" --cert-dir "$k/pki" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "baton.dev/lab=true" --v=1
}

# ---- kube-proxy ------------------------------------------------------------------------------------------------
kube_proxy_up() {
  local bin="$1"
  if pid_alive kube-proxy; then return 0; fi
  mkdir -p "$dir/kube-proxy"
  cat >"$dir/kube-proxy/config.yaml" <<EOF
# Written by e2e/cluster/lab.sh.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $cp_dir/kubeconfig }
mode: iptables
oomScoreAdj: 0
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Global conntrack sysctls cannot (and must not) be set from the lab's network namespace.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
iptables: { masqueradeAll: false, syncPeriod: 30s, minSyncPeriod: 1s }
EOF
  log "starting kube-proxy (iptables mode, in the lab's network namespace)"
  start kube-proxy --netns "$bin/kube-proxy" --config "$dir/kube-proxy/config.yaml" --v=1
}

# ---- volumes ---------------------------------------------------------------------------------------------------
provisioner_up() {
  if pid_alive provisioner; then return 0; fi
  mkdir -p "$dir/volumes"
  log "starting the local-volume provisioner (StorageClass lab-local, volumes in $dir/volumes)"
  [[ -d $repo/node_modules/tsx ]] || die "node_modules is missing: run npm ci"
  (cd "$repo" && start provisioner env KUBECONFIG="$cp_dir/kubeconfig" node --import tsx "$here/lab/provisioner.ts" \
    --volumes "$dir/volumes")
}

# ---- addons ----------------------------------------------------------------------------------------------------
addons_up() {
  sed -e "s/@DNS_IP@/$DNS_IP/g" -e "s/@CLUSTER_DOMAIN@/$CLUSTER_DOMAIN/g" "$here/lab/addons.yaml" |
    kc apply --server-side --force-conflicts --field-manager baton-lab -f - >/dev/null
}

node_ready() {
  [[ $(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

dns_ready() {
  [[ $(kc -n kube-system get deployment coredns -o jsonpath='{.status.readyReplicas}' 2>/dev/null) == 1 ]] &&
    [[ -n $(kc -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns \
      -o jsonpath='{.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}' 2>/dev/null) ]]
}

# dns_query NAME: the A records of NAME from the cluster DNS Service (through kube-proxy), one per line; exit 1 if none.
dns_query() {
  python3 - "$1" "$DNS_IP" <<'PY'
import socket, struct, sys
name, server = sys.argv[1], sys.argv[2]
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, (server, 53))
r = s.recv(4096)
rcode, ancount = r[3] & 15, struct.unpack(">H", r[6:8])[0]
i = len(q)
addrs = []
for _ in range(ancount):
    if r[i] & 0xC0 == 0xC0:
        i += 2
    else:
        while r[i]:
            i += r[i] + 1
        i += 1
    typ, _cls, _ttl, rdlen = struct.unpack(">HHIH", r[i : i + 10])
    i += 10
    if typ == 1 and rdlen == 4:
        addrs.append(socket.inet_ntoa(r[i : i + 4]))
    i += rdlen
print("\n".join(addrs))
sys.exit(0 if rcode == 0 and addrs else 1)
PY
}

record_outside() {
  [[ -f $dir/outside-created ]] && return 0
  local p
  : >"$dir/outside-created"
  for p in "${OUTSIDE[@]}"; do [[ -e $p ]] || echo "$p" >>"$dir/outside-created"; done
}

up() {
  local t0=$SECONDS
  preflight
  mkdir -p "$dir" "$logs"
  exec 9>"$dir/.lock"
  flock 9
  touch "$dir/.baton-lab"
  record_outside
  local bin
  bin="$("$here/build-tools.sh")" || die "build-tools.sh failed"
  for b in kubelet kube-proxy coredns; do [[ -x $bin/$b ]] || die "$bin/$b is missing"; done

  network_up
  log "control plane (API server on $HOST_IP)"
  BATON_TOOLS_BIN="$bin" "$here/control-plane.sh" up --dir "$cp_dir" --advertise-address "$HOST_IP" >/dev/null 9>&-
  node_credentials
  containerd_up
  log "images (built offline, imported into containerd)"
  "$here/images.sh" import --address "$sock"
  cgroups_up
  kubelet_up "$bin"
  kube_proxy_up "$bin"
  wait_for "node $NODE_NAME Ready" 120 kubelet node_ready
  addons_up
  provisioner_up
  log "waiting for cluster DNS (CoreDNS at $DNS_IP)"
  wait_for "CoreDNS Ready" 180 kubelet dns_ready
  wait_for "an answer for kubernetes.default.svc.$CLUSTER_DOMAIN from $DNS_IP" 60 "" \
    dns_query "kubernetes.default.svc.$CLUSTER_DOMAIN"
  log "lab up in $((SECONDS - t0))s: node $NODE_NAME Ready, DNS $DNS_IP, kubeconfig $cp_dir/kubeconfig (logs in $logs)"
  echo "export KUBECONFIG=$cp_dir/kubeconfig"
}

# ---- down ------------------------------------------------------------------------------------------------------
stop_component() {
  local name="$1" pid
  pid_alive "$name" || { rm -f "$dir/$name.pid"; return 0; }
  pid="$(cat "$dir/$name.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 15))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/$name.pid"
}

# Every process in the lab's cgroups (pods' containers and shims' children), killed; then the cgroups removed.
cgroups_down() {
  local c pids
  for c in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
    [[ -d $c ]] || continue
    for _ in 1 2 3 4 5; do
      pids="$(find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)"
      [[ -z $pids ]] && break
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 0.3
    done
  done
  for c in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
    [[ -d $c ]] || continue
    find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d $c ]] || log "warning: could not remove cgroup $c"
  done
}

mounts_down() { # unmount everything under DIR, and pod network namespaces containerd left in /run/netns
  local m
  for _ in 1 2 3; do
    mapfile -t mounts < <(awk -v d="$dir/" '{ gsub(/\\040/, " ", $5) } index($5, d) == 1 || $5 ~ /^\/run\/netns\/cni-/ { print $5 }' \
      /proc/self/mountinfo | sort -r)
    ((${#mounts[@]})) || break
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
}

down() {
  [[ $(id -u) == 0 ]] || die "the lab needs root"
  if [[ ! -d $dir ]]; then
    log "no lab in $dir"
    return 0
  fi
  [[ -f $dir/.baton-lab ]] || die "refusing to touch $dir: not a lab directory (no .baton-lab in it)"
  exec 9>"$dir/.lock"
  # A lab whose processes were started by an older lab.sh may hold the lock: wait a while, then go ahead.
  flock -w 60 9 || log "warning: $dir/.lock is still held after 60s; stopping anyway"
  local t0=$SECONDS
  stop_component provisioner
  # Pods first (their containers get SIGTERM through containerd), then the node.
  if pid_alive containerd && ctr --address "$sock" version >/dev/null 2>&1; then
    local t
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s KILL "$t" >/dev/null 2>&1 || true
    done
  fi
  stop_component kube-proxy
  stop_component kubelet
  if pid_alive containerd && ctr --address "$sock" version >/dev/null 2>&1; then
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true
    done
  fi
  stop_component containerd
  # Shims of this containerd (their command line names its socket).
  local p
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $sock" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  cgroups_down
  if [[ -d $cp_dir ]]; then "$here/control-plane.sh" down --dir "$cp_dir" >/dev/null 2>&1 || true; fi
  mounts_down
  if [[ -e $netns ]]; then
    umount "$netns" 2>/dev/null || umount -l "$netns" 2>/dev/null || true
  fi
  ip link del "$HOST_VETH" 2>/dev/null || true
  # Shim sockets of this containerd, and the hard-coded paths the lab created.
  find /run/containerd/s -type s -newer "$dir/.baton-lab" -delete 2>/dev/null || true
  if [[ -d /var/log/containers ]]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$dir/*" -delete 2>/dev/null || true
  fi
  # libcni's result cache (hard-coded /var/lib/cni) for the pods that were killed rather than torn down.
  local f id
  for f in /var/lib/cni/results/baton-lab-*-eth0; do
    [[ -e $f ]] || continue
    id="${f#/var/lib/cni/results/baton-lab-}"
    id="${id%-eth0}"
    rm -f "$f" "/var/lib/cni/results/cni-loopback-$id-lo"
  done
  if [[ -f $dir/outside-created ]]; then
    while read -r p; do
      [[ -n $p ]] || continue
      # Only directories the lab created, holding nothing but directories and sockets.
      if [[ -d $p ]] && [[ -z $(find "$p" -mindepth 1 ! -type d ! -type s -print -quit 2>/dev/null) ]]; then rm -rf "$p"; fi
    done <"$dir/outside-created"
  fi
  rm -rf "$dir"
  log "lab stopped and removed in $((SECONDS - t0))s"
  kept_report
}

# What `down` leaves on purpose, and how to remove it.
kept_report() {
  local installed=() p
  for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 && installed+=("$p"); done
  ((${#installed[@]} == 0)) ||
    log "kept: Debian packages ${installed[*]} (other software may use them; remove with: apt-get remove ${installed[*]})"
  log "kept: built binaries in ${BATON_TOOLS_CACHE:-$HOME/.cache/baton/tools} and images in ${BATON_LAB_CACHE:-$HOME/.cache/baton/lab}, reused by the next up (remove with rm -rf)"
}

status() {
  local c ok=0
  for c in "${node_components[@]}"; do
    if pid_alive "$c"; then echo "$c: running (pid $(cat "$dir/$c.pid"))"; else
      echo "$c: not running"
      ok=1
    fi
  done
  "$here/control-plane.sh" status --dir "$cp_dir" || ok=1
  if ((ok == 0)); then
    kc get nodes -o wide && kc get pods -A -o wide
    echo "export KUBECONFIG=$cp_dir/kubeconfig"
  fi
  return $ok
}

cmd="${1:-}"
case "$cmd" in
up) up ;;
down) down ;;
status) status ;;
dns) dns_query "${2:?usage: lab.sh dns NAME}" ;;
*)
  sed -n '2,6p' "$0" >&2
  exit 2
  ;;
esac
