#!/usr/bin/env bash
# Install/update hook of the Helm plugin (see plugin.yaml): builds the release
# binary with cargo and puts it where plugin.yaml's `command` points,
# $HELM_PLUGIN_DIR/bin/helm-hooks. Helm runs it via `sh -c` with
# HELM_PLUGIN_DIR set; run by hand it uses its own directory.
set -euo pipefail

dir="${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")" && pwd)}"
cd "$dir"
bin="bin/helm-hooks"

# Helm registers a plugin before its install hook runs and keeps it when the
# hook fails: `helm hooks` would then be listed with no binary behind it.
# So when Helm ran this hook and no binary exists, the registration goes:
# the link Helm made to a local directory (never the directory itself), or
# the clone Helm made inside HELM_PLUGINS.
unregister() {
  [[ -n "${HELM_PLUGIN_DIR:-}" && ! -x "$dir/$bin" ]] || return 0
  local entry="${HELM_PLUGIN_DIR%/}"
  if [[ -L "$entry" ]]; then
    rm -f "$entry"
  elif [[ -n "${HELM_PLUGINS:-}" && -d "$entry/.git" &&
    "$(cd "$entry/.." && pwd -P)" == "$(cd "$HELM_PLUGINS" && pwd -P)" ]]; then
    rm -rf "$entry"
  else
    return 0
  fi
  echo "helm-hooks: nothing was installed; run helm plugin install again once that is fixed" >&2
}
trap 'status=$?; if [[ $status -ne 0 ]]; then cd /; unregister; fi' EXIT

# Skip the (slow) build when the installed binary is newer than every source.
if [[ -x "$bin" ]]; then
  newer="$(find src Cargo.toml Cargo.lock build.rs -newer "$bin" -print -quit 2>/dev/null || true)"
  if [[ -z "$newer" ]]; then
    echo "helm-hooks: $dir/$bin is up to date"
    exit 0
  fi
fi

# rustup installs cargo in ~/.cargo/bin, which a non-login shell may lack.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  if [[ -n "${HELM_PLUGIN_DIR:-}" ]]; then
    echo "helm-hooks: cargo not found: install Rust (https://rustup.rs), then helm plugin install again" >&2
  else
    echo "helm-hooks: cargo not found: install Rust (https://rustup.rs), then run: bash '$dir/install.sh'" >&2
  fi
  exit 1
fi

echo "helm-hooks: building the release binary with cargo (this takes a few minutes)..." >&2
cargo build --release --locked --bin helm-hooks >&2

# Relative CARGO_TARGET_DIR is relative to $dir, where cargo ran.
target="${CARGO_TARGET_DIR:-target}"
mkdir -p bin
# Copy to a temp name then rename, so a running `helm hooks` never sees a
# half-written binary.
cp "$target/release/helm-hooks" "$bin.tmp"
chmod 0755 "$bin.tmp"
mv -f "$bin.tmp" "$bin"
echo "helm-hooks: installed $dir/$bin"
