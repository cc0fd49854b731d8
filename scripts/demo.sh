#!/usr/bin/env bash
# The main job on the embedded example: builds helm-hooks, gets Helm if
# missing, turns examples/shop into a two-commit Git history in a temp dir,
# and plans the second commit against the first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# HELM_HOOKS_DEMO_BIN: a helm-hooks binary already built (the README's
# test runs the demo with the binary under test instead of a release build).
if [ -n "${HELM_HOOKS_DEMO_BIN:-}" ]; then
  bin="$HELM_HOOKS_DEMO_BIN"
else
  cargo build --release --quiet --bin helm-hooks
  bin="${CARGO_TARGET_DIR:-$root/target}/release/helm-hooks"
fi
if [ -z "${HELM_BIN:-}" ]; then
  if command -v helm >/dev/null 2>&1; then
    HELM_BIN="$(command -v helm)"
  else
    HELM_BIN="$(bash scripts/get-helm.sh 3)"
  fi
fi
export HELM_BIN

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo="$work/shop-repo"
mkdir -p "$repo"
cp -R examples/shop "$repo/shop"
cd "$repo"
git init --quiet --initial-branch=main
git config user.email demo@example.invalid
git config user.name demo

# Revision 1: before the change under review. The backup hook did not exist
# and migrations ran at weight 0 (ordered by name only).
mv shop/templates/hooks/backup.yaml "$work/backup.yaml"
sed -i 's/weight: "-5"/weight: "0"/' shop/values.yaml
git add -A && git commit --quiet -m "shop 1.1: migrate, seed, notify"
git tag v1.1.0

# Revision 2: add the backup hook, make migrations explicitly early.
mv "$work/backup.yaml" shop/templates/hooks/backup.yaml
sed -i 's/weight: "0"/weight: "-5"/' shop/values.yaml
git add -A && git commit --quiet -m "shop 1.2: back up before upgrades"

echo "\$ helm hooks plan shop --from v1.1.0 --to HEAD" >&2
HELM_CACHE_HOME="$work/cache" "$bin" plan shop --from v1.1.0 --to HEAD "$@"
