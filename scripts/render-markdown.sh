#!/usr/bin/env bash
# Renders a markdown file (a plan's `-o markdown`, a run's) as a forge
# shows it, Mermaid diagrams drawn by Mermaid's own script, in headless
# Chromium (Debian's chromium package), and writes a PNG screenshot.
#
#   scripts/render-markdown.sh PLAN.md OUT.png [WIDTH,HEIGHT]
#
# Not part of the tests: a way to look at what a reviewer will see.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 2 ]] || { echo "usage: $0 FILE.md OUT.png [WIDTH,HEIGHT]" >&2; exit 2; }
in="$(realpath "$1")"
out="$(realpath -m "$2")"
size="${3:-1280,2400}"
browser="$(command -v chromium || true)"
[[ -n "$browser" ]] || { echo "render-markdown: chromium is missing: apt-get install -y chromium" >&2; exit 1; }

modules="$(bash "$root/scripts/get-mermaid.sh")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node "$root/tests/mermaid/page.mjs" "$modules" "$in" > "$tmp/page.html"
# No network here: Chromium's background traffic is switched off, and a
# fresh profile keeps the machine's out.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --allow-file-access-from-files --user-data-dir="$tmp/profile" --hide-scrollbars \
  --window-size="$size" --virtual-time-budget=15000 \
  --screenshot="$out" "file://$tmp/page.html" 2>"$tmp/chromium.log" ||
  { cat "$tmp/chromium.log" >&2; exit 1; }
echo "$out"
