#!/usr/bin/env bash
# Install/update hook of the Helm plugin (see plugin.yaml): puts the binary
# where plugin.yaml's `command` points, $HELM_PLUGIN_DIR/bin/helm-hooks.
# Helm runs it via `sh -c` with HELM_PLUGIN_DIR set; run by hand it uses its
# own directory.
#
# In order: nothing to do when bin/helm-hooks already is plugin.yaml's
# version; else the release archive for this OS and CPU, checked against the
# release's SHA256SUMS; else (no archive for this platform, no network) a
# cargo build of the sources beside this script.
#   HELM_HOOKS_DOWNLOAD_URL  where the release lies (default: the project's
#                            release downloads for plugin.yaml's version)
#   HELM_HOOKS_ARCHIVE=FILE  install from this archive, offline; checked
#                            against a SHA256SUMS beside it when there is one
#   HELM_HOOKS_BUILD=auto|always|never  never: fail rather than build
set -euo pipefail

# The project's release home, as Cargo.toml's `repository` names it
# (scripts/check-version.sh keeps the two equal).
releases="https://github.com/helm-hooks/helm-hooks/releases/download"

# A relative archive path is the caller's, not this script's directory's.
archive_file="${HELM_HOOKS_ARCHIVE:-}"
[[ -z "$archive_file" || "$archive_file" == /* ]] || archive_file="$PWD/$archive_file"

dir="${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")" && pwd)}"
cd "$dir"
bin="bin/helm-hooks"
work=""
error=""

# Helm registers a plugin before its install hook runs and keeps it when the
# hook fails: `helm hooks` would then be listed with no binary behind it.
# So when Helm ran this hook and no binary exists, the registration goes:
# the link Helm made to a local directory (never the directory itself), or
# the clone Helm made inside HELM_PLUGINS. Returns 0 when it removed one.
unregister() {
  [[ -n "${HELM_PLUGIN_DIR:-}" && ! -x "$dir/$bin" ]] || return 1
  local entry="${HELM_PLUGIN_DIR%/}"
  if [[ -L "$entry" ]]; then
    rm -f "$entry"
  elif [[ -n "${HELM_PLUGINS:-}" && -d "$entry/.git" &&
    "$(cd "$entry/.." && pwd -P)" == "$(cd "$HELM_PLUGINS" && pwd -P)" ]]; then
    rm -rf "$entry"
  else
    return 1
  fi
}

# The man pages beside this script (man/, one per command) go where man
# finds a user's own pages; HELM_HOOKS_MAN_DIR= (empty) skips them. Best
# effort: a page that cannot be copied never fails the install.
install_man() {
  local to="${HELM_HOOKS_MAN_DIR-${XDG_DATA_HOME:-$HOME/.local/share}/man/man1}"
  [[ -n "$to" && -d "$dir/man" ]] || return 0
  mkdir -p "$to" 2>/dev/null && cp -f "$dir"/man/*.1 "$to"/ 2>/dev/null || true
}

# Every failure ends here and says so in one line: what went wrong, the fix,
# and whether Helm's registration was undone.
finish() {
  local status=$1
  [[ -z "$work" ]] || rm -rf "$work"
  if [[ $status -eq 0 ]]; then
    install_man
    return 0
  fi
  cd /
  if unregister; then
    if [[ -z "$error" ]]; then
      error="nothing was installed; run helm plugin install again once that is fixed"
    elif [[ "$error" != *"nothing was installed"* ]]; then
      error="$error; nothing was installed"
    fi
  fi
  [[ -z "$error" ]] || echo "helm-hooks: $error" >&2
}
trap 'finish $?' EXIT

fail() {
  error="$1"
  exit 1
}

# How to try again, for the hints: through Helm, or by hand.
again() {
  if [[ -n "${HELM_PLUGIN_DIR:-}" ]]; then
    echo "run helm plugin install again"
  else
    echo "run: bash '$dir/install.sh'"
  fi
}

version="$(sed -n 's/^version:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' plugin.yaml 2>/dev/null | head -n 1)"
[[ -n "$version" ]] || fail "no version in $dir/plugin.yaml: the plugin directory is incomplete, get it again"
build="${HELM_HOOKS_BUILD:-auto}"
case "$build" in
auto | always | never) ;;
*) fail "HELM_HOOKS_BUILD=$build is not one of auto, always, never" ;;
esac

if [[ "$build" != always && -x "$bin" && "$("$bin" version 2>/dev/null)" == "$version" ]]; then
  echo "helm-hooks: $dir/$bin is already $version"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/helm-hooks-install.XXXXXX")"

# fetch URL FILE: curl or wget, a few retries, proxies from the usual
# variables (both tools read them). On failure `fetched` says why.
fetched=""
fetch() {
  local out
  if command -v curl >/dev/null 2>&1; then
    out="$(curl -fsSL --retry 3 --retry-delay 1 --connect-timeout 15 -o "$2" "$1" 2>&1)" && return 0
  elif command -v wget >/dev/null 2>&1; then
    out="$(wget -nv --tries=3 --waitretry=1 --timeout=30 -O "$2" "$1" 2>&1)" && return 0
  else
    out="neither curl nor wget is installed"
  fi
  fetched="$(printf '%s\n' "${out:-download failed}" | tail -n 1)"
  return 1
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  fi
}

# install_archive FILE NAME SUMS FROM: checks FILE (released as NAME)
# against SUMS (a SHA256SUMS file, or empty for none), then puts its binary
# in place. Nothing is written before the check passed.
install_archive() {
  local file=$1 name=$2 sums=$3 from=$4 expected actual
  if [[ -n "$sums" ]]; then
    expected="$(awk -v n="$name" '$2 == n || $2 == "*" n {print $1; exit}' "$sums")"
    [[ -n "$expected" ]] ||
      fail "the SHA256SUMS of $from has no line for $name, so it cannot be checked: nothing was installed; use a release that lists it"
    actual="$(sha256 "$file")"
    [[ -n "$actual" ]] || fail "neither sha256sum nor shasum is installed, so $name cannot be checked: install one and $(again)"
    [[ "$actual" == "$expected" ]] ||
      fail "checksum mismatch for $name from $from (SHA256SUMS says ${expected:0:12}..., the file is ${actual:0:12}...): a corrupted or altered download, nothing was installed; $(again), or check HELM_HOOKS_DOWNLOAD_URL"
  fi
  mkdir -p "$work/x" bin
  tar -xzf "$file" -C "$work/x" hooks/bin/helm-hooks 2>/dev/null ||
    fail "$name is no helm-hooks release archive (no hooks/bin/helm-hooks in it): use a hooks-$version-<os>-<arch>.tgz of a release"
  # Copy to a temp name then rename, so a running `helm hooks` never sees a
  # half-written binary, and a binary that cannot run here never replaces one.
  cp "$work/x/hooks/bin/helm-hooks" "$bin.tmp"
  chmod 0755 "$bin.tmp"
  if ! "$bin.tmp" version >/dev/null 2>&1; then
    rm -f "$bin.tmp"
    fail "the binary in $name does not run on this machine ($(uname -s) $(uname -m)): use the archive for this platform"
  fi
  mv -f "$bin.tmp" "$bin"
}

# Why no prebuilt binary was installed, for the build's notice or error.
why=""
if [[ "$build" != always && -n "$archive_file" ]]; then
  [[ -f "$archive_file" ]] || fail "HELM_HOOKS_ARCHIVE=$archive_file: no such file"
  sums="$(dirname "$archive_file")/SHA256SUMS"
  if [[ -f "$sums" ]]; then
    install_archive "$archive_file" "$(basename "$archive_file")" "$sums" "$(dirname "$archive_file")"
    echo "helm-hooks: installed $dir/$bin from $archive_file (sha256 checked against $sums)"
  else
    install_archive "$archive_file" "$(basename "$archive_file")" "" ""
    echo "helm-hooks: installed $dir/$bin from $archive_file (unchecked: no SHA256SUMS beside it)"
  fi
  exit 0
elif [[ "$build" != always ]]; then
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="" ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="" ;; esac
  url="${HELM_HOOKS_DOWNLOAD_URL:-$releases/v$version}"
  url="${url%/}"
  name="hooks-$version-$os-$arch.tgz"
  if [[ -z "$os" || -z "$arch" ]]; then
    why="no prebuilt binary for $(uname -s) $(uname -m)"
  elif fetch "$url/$name" "$work/$name"; then
    fetch "$url/SHA256SUMS" "$work/SHA256SUMS" ||
      fail "no SHA256SUMS beside $url/$name ($fetched), so it cannot be checked: nothing was installed; check HELM_HOOKS_DOWNLOAD_URL"
    install_archive "$work/$name" "$name" "$work/SHA256SUMS" "$url"
    echo "helm-hooks: installed $dir/$bin from $url/$name (sha256 checked)"
    exit 0
  else
    why="no prebuilt binary at $url/$name ($fetched)"
  fi
  [[ "$build" != never ]] ||
    fail "$why, and HELM_HOOKS_BUILD=never forbids building: set HELM_HOOKS_DOWNLOAD_URL or HELM_HOOKS_ARCHIVE=FILE, then $(again)"
fi

# The fallback: build from the sources beside this script.
[[ -f Cargo.toml && -d src ]] ||
  fail "${why:+$why, and }$dir has no sources to build from: set HELM_HOOKS_ARCHIVE=FILE to a release archive, or install from a source checkout"
# rustup installs cargo in ~/.cargo/bin, which a non-login shell may lack.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 ||
  fail "${why:+$why, and }cargo not found: install Rust (https://rustup.rs) or set HELM_HOOKS_ARCHIVE=FILE, then $(again)"

echo "helm-hooks: ${why:+$why; }building the release binary with cargo (this takes a few minutes)..." >&2
error="cargo build failed (its output is above)"
cargo build --release --locked --bin helm-hooks >&2
error=""

# Relative CARGO_TARGET_DIR is relative to $dir, where cargo ran.
target="${CARGO_TARGET_DIR:-target}"
mkdir -p bin
cp "$target/release/helm-hooks" "$bin.tmp"
chmod 0755 "$bin.tmp"
mv -f "$bin.tmp" "$bin"
echo "helm-hooks: installed $dir/$bin"
