#!/usr/bin/env bash
# The release archive for one Rust target, itself an installable Helm plugin:
#   dist/hooks-VERSION-OS-ARCH.tgz  hooks/{plugin.yaml,install.sh,plugin.complete,
#                                   bin/helm-hooks,completions/,man/,LICENSE,README.md}
#   dist/SHA256SUMS                 every dist/hooks-*.tgz (rewritten each run)
#   dist/hooks-VERSION-OS-ARCH.tgz.prov  with HELM_HOOKS_GPG_KEY: Helm's
#                                   provenance, what `helm plugin install
#                                   --keyring` (Helm 4) checks
#
#   scripts/package.sh TARGET       e.g. x86_64-unknown-linux-musl
#   HELM_HOOKS_BINARY   the binary to pack (default: the cargo release build
#                       for TARGET); nothing is built here
#   HELM_HOOKS_DIST     the output directory (default: dist)
#   HELM_HOOKS_GPG_KEY  the GnuPG key (id or user id) that signs, from the
#                       keyring GNUPGHOME names; HELM_HOOKS_GPG_PASSPHRASE its
#                       passphrase, if it has one
#   SOURCE_DATE_EPOCH   the files' time (default: the last commit's)
#
# The same inputs give the same bytes: sorted entries, one fixed time,
# owner and group 0, normalised modes, gzip without name or time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
die() {
  echo "package.sh: $*" >&2
  exit 1
}

target="${1:-}"
case "$target" in
x86_64-*-linux-*) os=linux arch=amd64 ;;
aarch64-*-linux-*) os=linux arch=arm64 ;;
x86_64-apple-darwin) os=darwin arch=amd64 ;;
aarch64-apple-darwin) os=darwin arch=arm64 ;;
*) die "usage: scripts/package.sh TARGET, with TARGET one of x86_64|aarch64-unknown-linux-musl|gnu, x86_64|aarch64-apple-darwin (got '${target}')" ;;
esac
tar --version 2>/dev/null | grep -q 'GNU tar' || die "needs GNU tar (on macOS: brew install gnu-tar, then put gtar first on PATH as tar)"

version="$(sed -n 's/^version:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' "$root/plugin.yaml" | head -n 1)"
[[ -n "$version" ]] || die "no version in $root/plugin.yaml"
name="hooks-$version-$os-$arch.tgz"
binary="${HELM_HOOKS_BINARY:-${CARGO_TARGET_DIR:-$root/target}/$target/release/helm-hooks}"
[[ -f "$binary" ]] || die "no binary at $binary: run cargo build --release --locked --target $target first, or set HELM_HOOKS_BINARY"
dist="${HELM_HOOKS_DIST:-$root/dist}"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"

stage="$(mktemp -d "${TMPDIR:-/tmp}/helm-hooks-package.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
plugin="$stage/hooks"
mkdir -p "$plugin/bin" "$plugin/completions" "$plugin/man"
for f in plugin.yaml install.sh plugin.complete LICENSE README.md; do
  cp "$root/$f" "$plugin/$f"
done
cp "$root"/completions/* "$plugin/completions/"
cp "$root"/man/*.1 "$plugin/man/"
cp "$binary" "$plugin/bin/helm-hooks"
chmod 0755 "$plugin/bin/helm-hooks" "$plugin/install.sh" "$plugin/plugin.complete"
# Only the execute bits of the sources count, not the umask of this machine.
chmod -R u+rw,go-w,a+rX "$stage"

# ustar: plain file and directory entries only, which every extractor
# (Helm's included) takes.
(cd "$stage" && tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
  --format=ustar -cf - hooks) | gzip -n -9 >"$dist/$name.tmp"
mv -f "$dist/$name.tmp" "$dist/$name"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}
(cd "$dist" && sha256 hooks-*.tgz >SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS)
echo "$dist/$name"

if [[ -n "${HELM_HOOKS_GPG_KEY:-}" ]]; then
  sum="$(cd "$dist" && sha256 "$name" | awk '{print $1}')"
  # Helm's provenance: the plugin's metadata, a `...` line, then the
  # archive's sha256 by file name, clear-signed. Helm 4 looks the hash up
  # by the name it downloaded (this one) and, for an OCI pull and
  # `helm plugin list`, by the name it keeps the archive under
  # (NAME-VERSION.tgz): the same bytes, listed under both.
  {
    printf 'APIVersion: legacy\nName: hooks\nRuntime: subprocess\nType: cli/v1\nVersion: %s\n\n...\n' "$version"
    printf 'files:\n  %s: sha256:%s\n  hooks-%s.tgz: sha256:%s\n' "$name" "$sum" "$version" "$sum"
  } >"$stage/message"
  args=(--batch --yes --local-user "$HELM_HOOKS_GPG_KEY" --digest-algo SHA512 --clearsign --output "$dist/$name.prov.tmp")
  if [[ -n "${HELM_HOOKS_GPG_PASSPHRASE:-}" ]]; then
    gpg --pinentry-mode loopback --passphrase-fd 0 "${args[@]}" "$stage/message" <<<"$HELM_HOOKS_GPG_PASSPHRASE"
  else
    gpg "${args[@]}" "$stage/message"
  fi
  mv -f "$dist/$name.prov.tmp" "$dist/$name.prov"
  echo "$dist/$name.prov"
fi
