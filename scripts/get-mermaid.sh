#!/usr/bin/env bash
# Installs Mermaid (and jsdom, the window its sanitizer needs under Node)
# from the npm registry into a cache folder outside the repository, and
# prints that folder (the one holding node_modules) on stdout. The
# versions and their hashes are pinned by tests/mermaid/package-lock.json;
# the folder is named after the lock file's hash, so a changed pin
# installs anew and a cached run does nothing.
#
#   scripts/get-mermaid.sh
#
# Cache: ${HELM_HOOKS_CACHE:-$HOME/.cache/helm-hooks}/mermaid/<lock sha256>
# Needs node and npm (Debian's nodejs and npm packages where missing).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'get-mermaid: %s\n' "$*" >&2; }
die() { printf 'get-mermaid: error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "node is missing: apt-get install -y nodejs npm"
command -v npm >/dev/null || die "npm is missing: apt-get install -y npm"

CACHE="${HELM_HOOKS_CACHE:-${HOME:?HOME is not set}/.cache/helm-hooks}"
lock=tests/mermaid/package-lock.json
key=$(sha256sum "$lock" | cut -c1-16)
dir="$CACHE/mermaid/$key"

if [[ ! -f "$dir/.installed" ]]; then
  log "installing $(node -p "const l=require('./$lock').packages; ['mermaid','jsdom'].map(n=>n+'@'+l['node_modules/'+n].version).join(', ')") into $dir"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cp tests/mermaid/package.json "$lock" "$tmp/"
  # npm ci installs exactly the lock file, checking each package's hash.
  (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2) ||
    die "npm ci failed in $tmp"
  touch "$tmp/.installed"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
fi
printf '%s\n' "$dir"
