#!/usr/bin/env bash
# Every test, from a fresh machine: installs what the tests need (the real
# Helm 3.17.1 and 4.1.4, the test cluster's binaries and simulated node),
# then runs the unit and integration tests. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
say() { printf '[test.sh %3ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

say "installing Helm binaries"
HELM_HOOKS_HELM3="$(bash scripts/get-helm.sh 3)"
HELM_HOOKS_HELM4="$(bash scripts/get-helm.sh 4)"
export HELM_HOOKS_HELM3 HELM_HOOKS_HELM4

say "installing bash-completion (Helm's bash completion script needs it)"
if [[ ! -f /usr/share/bash-completion/bash_completion ]]; then
  apt-get install -y -qq bash-completion >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq bash-completion >/dev/null; }
fi

say "installing docker-registry (an OCI registry for the dependency tests)"
if [[ ! -x /usr/bin/docker-registry ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; }
fi

say "installing GnuPG, binutils, curl, wget (release archive tests: signing, strip, downloads)"
if ! command -v gpg >/dev/null || ! command -v gpgconf >/dev/null || ! command -v strip >/dev/null ||
  ! command -v curl >/dev/null || ! command -v wget >/dev/null || ! command -v shasum >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg binutils curl wget perl >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg binutils curl wget perl >/dev/null; }
fi

say "checking versions (Cargo.toml, Cargo.lock, plugin.yaml agree)"
bash scripts/check-version.sh

say "checking formatting"
cargo fmt --all -- --check

say "building"
cargo build --workspace --all-targets --locked

say "linting (clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# After the workspace build, so the simulated node is already up to date
# (building it alone resolves features differently and rebuilds hyper/kube).
say "building the test cluster (cached after the first run)"
bash scripts/cluster.sh build

say "running tests"
cargo test --workspace --locked -- "$@"
say "done"
