#!/usr/bin/env bash
# The one version check: Cargo.toml, Cargo.lock and plugin.yaml name the
# same version, and a release tag (argument, e.g. v0.1.0) names it too.
# Also: install.sh downloads from the release home Cargo.toml names.
# The release workflow runs it with the tag; scripts/test.sh without.
#   scripts/check-version.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-}"
# [package]'s own `version = "..."` (the workspace has none of its own).
cargo_version="$(awk '/^\[/{p = ($0 == "[package]")} p && /^version *=/{gsub(/.*= *"|".*/, ""); print; exit}' Cargo.toml)"
lock_version="$(awk '/^name = "helm-hooks"$/{getline; gsub(/.*= *"|".*/, ""); print; exit}' Cargo.lock)"
plugin_version="$(sed -n 's/^version:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' plugin.yaml | head -n 1)"
repository="$(awk '/^\[/{p = ($0 == "[package]")} p && /^repository *=/{gsub(/.*= *"|".*/, ""); print; exit}' Cargo.toml)"

found="Cargo.toml ${cargo_version:-none}, Cargo.lock ${lock_version:-none}, plugin.yaml ${plugin_version:-none}"
[[ -n "$tag" ]] && found="tag $tag, $found"
if [[ -z "$cargo_version" || "$cargo_version" != "$lock_version" ||
  "$cargo_version" != "$plugin_version" || (-n "$tag" && "$tag" != "v$cargo_version") ]]; then
  echo "check-version: versions differ ($found): set one version in Cargo.toml and plugin.yaml (cargo update -p helm-hooks refreshes Cargo.lock) and tag it v<version>" >&2
  exit 1
fi
if ! grep -q "^releases=\"$repository/releases/download\"" install.sh; then
  echo "check-version: install.sh does not download from $repository/releases/download (Cargo.toml's repository): make them the same" >&2
  exit 1
fi
echo "check-version: $cargo_version ($found)"
