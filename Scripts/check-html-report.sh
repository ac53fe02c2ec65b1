#!/usr/bin/env bash
# Renders the HTML run report of the default config in headless Chromium (Debian's package):
# the screenshot must not be blank, and the page must log no console message or failed load
# (it is self-contained: no script, style sheet, font or image of its own to fetch).
# Kept out of the fast suite because Chromium is slow to install; .ci/run calls it.
# Usage: Scripts/check-html-report.sh [screenshot.png]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

swift build --product summarize >/dev/null
binary="$(swift build --show-bin-path)/summarize"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp config.json "$work/" && ln -s "$PWD/Examples" "$work/Examples"
log "a run of the default config with --report-html"
status=0
(cd "$work" && "$binary" run --report-html out/report.html --progress never >/dev/null 2>"$work/run.log") || status=$?
[ "$status" -le 1 ] || { cat "$work/run.log"; exit 1; }

screenshot=${1:-$work/report.png}
log "rendering it in $(chromium --version 2>/dev/null | head -n 1)"
# --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1900 \
  --enable-logging=stderr --v=0 --screenshot="$screenshot" "file://$work/out/report.html" 2>"$work/chromium.log" || {
  cat "$work/chromium.log"
  exit 1
}
[ -s "$screenshot" ] || { log "no screenshot was written"; cat "$work/chromium.log"; exit 1; }
if grep -E 'CONSOLE|Failed to load resource|net::ERR_|Refused to' "$work/chromium.log"; then
  log "the page logged errors (above)"
  exit 1
fi
python3 Scripts/png_check.py "$screenshot"
log "the report renders: $screenshot"
