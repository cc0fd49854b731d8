#!/usr/bin/env bash
# The project's test cluster: a real Kubernetes 1.20 control plane built from
# Debian's source package, plus tests/kubelet-sim playing the node.
#
#   cluster.sh build                 build/cache the binaries (quiet when cached)
#   cluster.sh up STATEDIR [--owner PID] [--remove-on-exit]
#                                    start everything, write STATEDIR/kubeconfig
#   cluster.sh down STATEDIR         stop every process `up` started, by PID
#   cluster.sh env STATEDIR          print `export KUBECONFIG=...`
#
# Binaries are cached outside the repository, keyed by version, in
# ${HELM_HOOKS_CACHE:-$HOME/.cache/helm-hooks}/k8s/v1.20.2/ (with Debian's
# kubectl v1.20.2 beside them). A cold build takes 4 to 8 minutes on 2 cores.
#
# `up` takes about 12 s. With --owner PID a watchdog runs `down` when that
# process ends; --remove-on-exit makes `down` delete STATEDIR too. STATEDIR
# then holds kubeconfig (admin, O=system:masters), restricted.kubeconfig (a
# user in no group, whom RBAC lets do nothing until a test binds it a Role),
# audit.log (every write, JSON lines), cluster.env (KUBECONFIG, APISERVER,
# AUDIT_LOG, ADMIN_USER, RESTRICTED_USER, RESTRICTED_KUBECONFIG, NODE_NAME,
# KUBECTL), logs/ and pids/. KUBELET_SIM_BIN overrides the
# simulator binary (default: the workspace's, rebuilt when stale).
set -euo pipefail

K8S_VERSION=v1.20.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/cluster.sh"
CACHE="${HELM_HOOKS_CACHE:-$HOME/.cache/helm-hooks}"
BIN="$CACHE/k8s/$K8S_VERSION"
NODE_NAME=sim-node
ADMIN_USER=kubernetes-admin
# A user in no group: RBAC grants it nothing until a test binds a Role.
RESTRICTED_USER=restricted-user
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler etcd kubectl)
# Bump when the way the binaries are made changes, so old caches are rebuilt.
RECIPE=2

log() { echo "cluster.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- build -------------------------------------------------------------------

cached() {
    local b
    for b in "${BINARIES[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
    [[ "$(cat "$BIN/.recipe" 2>/dev/null)" == "$RECIPE" ]]
}

build_k8s() {
    cached && return 0
    command -v apt-get >/dev/null || die "apt-get is needed to fetch Debian's kubernetes source"
    mkdir -p "$CACHE/k8s"
    # One build at a time per cache; a waiter then finds the binaries made.
    exec 9>"$CACHE/k8s/.lock"
    flock 9
    cached && return 0
    local work
    work="$(mktemp -d "$CACHE/k8s/.build.XXXXXX")"
    # Leave nothing half-built behind, whatever happens.
    trap 'rm -rf "$work"' EXIT
    local start=$SECONDS
    log "building Kubernetes $K8S_VERSION from Debian's source package (about 4 minutes on 2 cores)"

    # A private APT configuration: our own sources, lists and cache, so that
    # nothing system-wide changes. Only Debian's own sources are copied (those
    # signed by Debian's archive keyring), with deb-src added.
    mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
    local f n=0
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        grep -q 'debian-archive-keyring' "$f" || continue
        sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f" >"$work/apt/sources.list.d/$(basename "$f")"
        n=$((n + 1))
    done
    if [[ -f /etc/apt/sources.list ]]; then
        sed -nE 's/^deb[[:space:]]+(.*)$/deb \1\ndeb-src \1/p' /etc/apt/sources.list >"$work/apt/sources.list"
        [[ -s "$work/apt/sources.list" ]] && n=$((n + 1))
    fi
    ((n > 0)) || die "found no Debian APT source to copy"
    touch "$work/apt/sources.list"
    cat >"$work/apt/apt.conf" <<EOF
Dir::Etc::SourceList "$work/apt/sources.list";
Dir::Etc::SourceParts "$work/apt/sources.list.d";
Dir::State::Lists "$work/apt/lists";
Dir::Cache "$work/apt/cache";
EOF
    export APT_CONFIG="$work/apt/apt.conf"
    apt-get -qq update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; die "apt-get update failed"; }

    mkdir -p "$work/dl" "$work/root"
    local pkgs=(golang-1.19-go golang-1.19-src etcd-server etcd-client kubernetes-client
        golang-github-modern-go-reflect2-dev)
    command -v rsync >/dev/null || pkgs+=(rsync libpopt0)
    (
        cd "$work/dl"
        apt-get -qq source --download-only kubernetes/bookworm
        apt-get -qq download "${pkgs[@]}"
    ) >>"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; die "downloading Debian packages failed"; }
    unset APT_CONFIG
    ls "$work"/dl/kubernetes_*really${K8S_VERSION#v}-*.dsc >/dev/null 2>&1 ||
        die "Debian's kubernetes source is no longer ${K8S_VERSION}: $(ls "$work"/dl/*.dsc)"
    local deb
    for deb in "$work"/dl/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    (cd "$work/dl" && dpkg-source -x --no-check ./kubernetes_*.dsc "$work/src") >>"$work/apt.log" 2>&1 ||
        { cat "$work/apt.log" >&2; die "unpacking the kubernetes source failed"; }

    # The vendored reflect2 v1.0.1 predates Go 1.18's map iterator ABI: the
    # API server then crashes encoding JSON (audit log). Debian ships v1.0.2,
    # which has the fix and the same API.
    local reflect2="$work/root/usr/share/gocode/src/github.com/modern-go/reflect2"
    [[ -d "$reflect2" ]] || die "golang-github-modern-go-reflect2-dev did not unpack as expected"
    rm -rf "$work/src/vendor/github.com/modern-go/reflect2"
    cp -rL "$reflect2" "$work/src/vendor/github.com/modern-go/reflect2"

    local goroot="$work/root/usr/lib/go-1.19"
    [[ -x "$goroot/bin/go" ]] || die "golang-1.19 did not unpack as expected"
    (
        cd "$work/src"
        export GOROOT="$goroot" PATH="$goroot/bin:$work/root/usr/bin:$PATH"
        export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        export GOCACHE="$work/gocache" GOPATH="$work/gopath" GOFLAGS=-mod=vendor GO111MODULE=on GOTOOLCHAIN=local
        export CGO_ENABLED=0 KUBE_GIT_VERSION="$K8S_VERSION" KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
        export KUBE_GIT_TREE_STATE=clean KUBE_GIT_COMMIT=faecb196815e248d3ecfb03c680a4507229c2a56
        make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" \
            KUBE_BUILD_PLATFORMS=linux/amd64 GOLDFLAGS="-s -w"
    ) >"$work/make.log" 2>&1 || { tail -50 "$work/make.log" >&2; die "building Kubernetes failed"; }

    local out="$work/src/_output/local/bin/linux/amd64"
    rm -rf "$BIN.tmp"
    mkdir -p "$BIN.tmp"
    cp "$out/kube-apiserver" "$out/kube-controller-manager" "$out/kube-scheduler" "$BIN.tmp/"
    cp "$work/root/usr/bin/etcd" "$work/root/usr/bin/etcdctl" "$work/root/usr/bin/kubectl" "$BIN.tmp/"
    echo "$RECIPE" >"$BIN.tmp/.recipe"
    rm -rf "$BIN"
    mv "$BIN.tmp" "$BIN"
    rm -rf "$work"
    trap - EXIT
    log "built Kubernetes $K8S_VERSION into $BIN in $((SECONDS - start))s"
}

SIM="${CARGO_TARGET_DIR:-$ROOT/target}/debug/kubelet-sim"

# Builds kubelet-sim unless its binary is newer than its sources. A build of
# the workspace (cargo test --workspace) leaves a fresh one, and then nothing
# is rebuilt here: `cargo build -p` alone resolves features differently and
# would compile the kube stack a second time.
build_sim() {
    if [[ -x "$SIM" && -z "$(find "$ROOT/tests/kubelet-sim/src" "$ROOT/tests/kubelet-sim/Cargo.toml" "$ROOT/Cargo.lock" -type f -newer "$SIM" 2>/dev/null | head -1)" ]]; then
        return 0
    fi
    (cd "$ROOT" && cargo build --quiet -p kubelet-sim)
}

cmd_build() {
    build_k8s
    build_sim
}

# --- up / down / env --------------------------------------------------------

# Prints N distinct free TCP ports on 127.0.0.1.
free_ports() {
    if command -v python3 >/dev/null; then
        python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
        return
    fi
    local ports=() p
    while ((${#ports[@]} < $1)); do
        p=$((20000 + RANDOM % 40000))
        [[ " ${ports[*]} " == *" $p "* ]] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        ports+=("$p")
    done
    echo "${ports[*]}"
}

# cert NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: a P-256 key and a
# certificate signed by the cluster's CA, in $pki.
cert() {
    local name=$1 subj=$2 eku=$3 san=${4:-}
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
    openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        if [[ -n "$san" ]]; then echo "subjectAltName=$san"; fi
    } >"$pki/$name.ext"
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 3650 -extfile "$pki/$name.ext" \
        -out "$pki/$name.crt" 2>/dev/null
    rm -f "$pki/$name.csr" "$pki/$name.ext"
}

# kubeconfig FILE CERT_NAME: a kubeconfig for the API server as that client.
kubeconfig() {
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: helm-hooks-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: helm-hooks-test
  context:
    cluster: helm-hooks-test
    user: $2
    namespace: default
current-context: helm-hooks-test
EOF
}

# start NAME COMMAND...: runs it in the background with its output in
# logs/NAME.log and its PID in pids/NAME. Nothing inherits our stdout, so a
# caller that reads our output is not kept waiting by the cluster.
start() {
    local name=$1
    shift
    "$@" </dev/null >"$state/logs/$name.log" 2>&1 &
    echo $! >"$state/pids/$name"
}

# Fails `up` with the log of a component that died.
check_alive() {
    local name pid
    for name in "$@"; do
        pid=$(cat "$state/pids/$name")
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -30 "$state/logs/$name.log" >&2
            die "$name exited during start-up (log: $state/logs/$name.log)"
        fi
    done
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND until it succeeds.
wait_for() {
    local what=$1 limit=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        check_alive "${components[@]}"
        ((SECONDS < deadline)) || die "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}

api_get() {
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
        "https://127.0.0.1:$api_port$1"
}

node_ready() { api_get "/api/v1/nodes/$NODE_NAME" | grep -q KubeletReady; }

cmd_up() {
    state=${1:?usage: cluster.sh up STATEDIR [--owner PID] [--remove-on-exit]}
    shift
    local owner="" remove=""
    while (($#)); do
        case "$1" in
        --owner)
            owner=${2:?--owner needs a PID}
            shift 2
            ;;
        --remove-on-exit)
            remove=1
            shift
            ;;
        *) die "up: unknown argument $1" ;;
        esac
    done
    cached || die "Kubernetes binaries missing in $BIN: run 'bash scripts/cluster.sh build'"
    local sim=${KUBELET_SIM_BIN:-}
    if [[ -z "$sim" ]]; then
        # Never runs a stale simulator.
        build_sim || die "building kubelet-sim failed"
        sim=$SIM
    fi
    [[ -x "$sim" ]] || die "no kubelet-sim at $sim"
    local start_time=$SECONDS

    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    [[ -e "$state/pids" ]] && die "$state already holds a cluster; 'down' it first"
    mkdir -p "$state/pids" "$state/logs" "$state/pki"
    if [[ -n "$remove" ]]; then touch "$state/remove-on-exit"; fi
    pki=$state/pki
    components=()

    # If anything below fails, stop what was started.
    trap 'cmd_down "$state" >/dev/null 2>&1 || true' EXIT
    trap 'exit 1' INT TERM

    # The watchdog first, so that even a failed start leaks nothing.
    if [[ -n "$owner" ]]; then
        kill -0 "$owner" 2>/dev/null || die "owner PID $owner is not running"
        setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" down "$3"' \
            watchdog "$owner" "$SELF" "$state" </dev/null >>"$state/logs/watchdog.log" 2>&1 &
        echo $! >"$state/pids/watchdog"
    fi

    local etcd_port peer_port sim_port
    read -r etcd_port peer_port api_port sim_port <<<"$(free_ports 4)"

    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=helm-hooks-test-ca" -days 3650 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$pki/ca.crt" 2>/dev/null
    cert apiserver "/CN=kube-apiserver" serverAuth \
        "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
    cert "$ADMIN_USER" "/O=system:masters/CN=$ADMIN_USER" clientAuth
    cert controller-manager "/CN=system:kube-controller-manager" clientAuth
    cert scheduler "/CN=system:kube-scheduler" clientAuth
    cert kubelet-sim "/O=system:masters/CN=kubelet-sim" clientAuth
    cert "$RESTRICTED_USER" "/CN=$RESTRICTED_USER" clientAuth
    cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
    cert kubelet "/CN=$NODE_NAME" serverAuth "IP:127.0.0.1,DNS:$NODE_NAME"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/sa.key" 2>/dev/null
    openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    cp "$pki/$ADMIN_USER.crt" "$pki/admin.crt"
    cp "$pki/$ADMIN_USER.key" "$pki/admin.key"

    kubeconfig "$state/kubeconfig" "$ADMIN_USER"
    kubeconfig "$state/controller-manager.kubeconfig" controller-manager
    kubeconfig "$state/scheduler.kubeconfig" scheduler
    kubeconfig "$state/kubelet-sim.kubeconfig" kubelet-sim
    kubeconfig "$state/restricted.kubeconfig" "$RESTRICTED_USER"

    # Writes only (reads would drown them), in the order the server saw them.
    cat >"$state/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  verbs: ["get", "list", "watch"]
- level: None
  resources: [{group: "coordination.k8s.io", resources: ["leases"]}]
- level: Metadata
EOF

    # etcd fsyncs every write; on tmpfs that costs nothing.
    if [[ -d /dev/shm && -w /dev/shm ]]; then
        ln -s "$(mktemp -d /dev/shm/helm-hooks-etcd.XXXXXX)" "$state/etcd"
    else
        mkdir -p "$state/etcd"
    fi
    start etcd "$BIN/etcd" --name default --data-dir "$state/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "default=http://127.0.0.1:$peer_port" --log-level warn --logger zap
    components=(etcd)
    wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

    # ServiceAccount admission is off: it would refuse pods until the token
    # controller has made a token, a race that is no part of what we test.
    start kube-apiserver "$BIN/kube-apiserver" \
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" --insecure-port=0 \
        --etcd-servers="http://127.0.0.1:$etcd_port" \
        --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
        --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
        --service-account-issuer=https://kubernetes.default.svc --api-audiences=https://kubernetes.default.svc \
        --service-cluster-ip-range=10.0.0.0/24 --authorization-mode=RBAC --endpoint-reconciler-type=none \
        --disable-admission-plugins=ServiceAccount \
        --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
        --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
        --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
        --audit-policy-file="$state/audit-policy.yaml" --audit-log-path="$state/audit.log" \
        --audit-log-format=json --audit-log-mode=blocking \
        --cert-dir="$state/apiserver-certs" --profiling=false --v=0
    components+=(kube-apiserver)

    # The real Job controller; node lifecycle is off, as nothing but the
    # simulator keeps the node alive.
    start kube-controller-manager "$BIN/kube-controller-manager" \
        --kubeconfig="$state/controller-manager.kubeconfig" --controllers='*,-nodelifecycle' \
        --leader-elect=false --use-service-account-credentials=true \
        --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
        --secure-port=0 --port=0 --profiling=false --v=0
    start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$state/scheduler.kubeconfig" \
        --leader-elect=false --secure-port=0 --port=0 --profiling=false --v=0
    start kubelet-sim "$sim" --kubeconfig "$state/kubelet-sim.kubeconfig" --node-name "$NODE_NAME" \
        --port "$sim_port" --tls-cert "$pki/kubelet.crt" --tls-key "$pki/kubelet.key" --client-ca "$pki/ca.crt"
    components+=(kube-controller-manager kube-scheduler kubelet-sim)

    wait_for "the API server" 60 api_get /readyz
    wait_for "the node to be Ready" 30 node_ready
    # The service-account controller at work shows the controller manager is.
    wait_for "the controller manager" 30 api_get /api/v1/namespaces/default/serviceaccounts/default

    cat >"$state/cluster.env" <<EOF
KUBECONFIG=$state/kubeconfig
APISERVER=https://127.0.0.1:$api_port
AUDIT_LOG=$state/audit.log
ADMIN_USER=$ADMIN_USER
RESTRICTED_USER=$RESTRICTED_USER
RESTRICTED_KUBECONFIG=$state/restricted.kubeconfig
NODE_NAME=$NODE_NAME
KUBECTL=$BIN/kubectl
EOF
    trap - EXIT INT TERM
    log "cluster up in $((SECONDS - start_time))s: export KUBECONFIG=$state/kubeconfig"
}

# Whether PID is still a live process of this cluster: its command line
# names the state folder (PIDs get reused; a zombie's is empty).
ours() {
    local cmdline
    cmdline=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
    [[ "$cmdline" == *"$state"* ]]
}

cmd_down() {
    state=${1:?usage: cluster.sh down STATEDIR}
    [[ -d "$state/pids" ]] || return 0
    state=$(cd "$state" && pwd)
    local name pid pids=() alive=() i
    # The watchdog is left alone when it is us.
    for name in watchdog kubelet-sim kube-scheduler kube-controller-manager kube-apiserver etcd; do
        [[ -f "$state/pids/$name" ]] || continue
        pid=$(cat "$state/pids/$name")
        if [[ "$pid" != "$$" ]] && ours "$pid"; then
            kill "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    # All at once, then up to 10s for them to finish before SIGKILL.
    for i in $(seq 100); do
        alive=()
        for pid in "${pids[@]}"; do
            if ours "$pid"; then alive+=("$pid"); fi
        done
        ((${#alive[@]})) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    done
    rm -f "$state"/pids/*
    # The etcd data on tmpfs goes with the cluster.
    if [[ -L "$state/etcd" ]]; then
        rm -rf "$(readlink "$state/etcd")"
        rm -f "$state/etcd"
    fi
    rmdir "$state/pids" 2>/dev/null || true
    if [[ -f "$state/remove-on-exit" ]]; then
        rm -rf "$state"
    fi
}

cmd_env() {
    local s=${1:?usage: cluster.sh env STATEDIR}
    [[ -f "$s/kubeconfig" ]] || die "no cluster in $s"
    echo "export KUBECONFIG=$(cd "$s" && pwd)/kubeconfig"
}

# --- main --------------------------------------------------------------------

case "${1:-}" in
build) cmd_build ;;
up)
    shift
    cmd_up "$@"
    ;;
down)
    shift
    cmd_down "$@"
    ;;
env)
    shift
    cmd_env "$@"
    ;;
*) die "usage: cluster.sh build|up STATEDIR [--owner PID] [--remove-on-exit]|down STATEDIR|env STATEDIR" ;;
esac
