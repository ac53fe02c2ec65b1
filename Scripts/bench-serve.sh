#!/usr/bin/env bash
# Load figures for `summarize serve` with wrk (Debian's package): GET /healthz, and
# POST /v1/summarize with the mock summarizer taking a local page sent as HTML (no fetch) and a
# local page fetched over loopback. Release build; prints wrk's figures (requests/s, latency
# percentiles, errors). A benchmark, not a test: docs/serve.md records what it printed.
# Usage: Scripts/bench-serve.sh [seconds=20] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

seconds=${1:-20}
connections=${2:-32}
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

swift build -c release --product summarize >/dev/null
binary="$(swift build -c release --show-bin-path)/summarize"
work=$(mktemp -d)
server=""
pages=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$pages" ] && kill "$pages" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A static page server on loopback for the fetched case.
mkdir -p "$work/site"
cp Examples/pages/week9-recap.html "$work/site/article.html"
page_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$work/site" && exec python3 -m http.server "$page_port" --bind 127.0.0.1 >/dev/null 2>&1) &
pages=$!

cat >"$work/serve.json" <<EOF
{
  "source": { "type": "stdin" },
  "fetcher": { "type": "http", "allowAddresses": ["127.0.0.1/32"], "maxConcurrentPerHost": 64, "middleware": [] },
  "extractor": { "type": "readability" },
  "summarizer": { "type": "mock", "middleware": [] },
  "sinks": [ { "type": "jsonl", "path": "out/summaries.jsonl" } ],
  "run": { "logLevel": "notice" }
}
EOF
(cd "$work" && exec "$binary" serve --config serve.json --listen 127.0.0.1:0 2>"$work/serve.log") &
server=$!
for _ in $(seq 100); do
  grep -q 'url=http://' "$work/serve.log" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o "url=http://[0-9.]*:[0-9]*" "$work/serve.log" | head -n 1 | cut -d= -f2 || true)
[ -n "$url" ] || { cat "$work/serve.log"; exit 1; }

python3 - "$work" "$page_port" <<'EOF'
import json, sys
work, port = sys.argv[1], sys.argv[2]
html = open(f"{work}/site/article.html", encoding="utf-8").read()
for name, body in [("html", {"url": "https://news.example/week9", "html": html}),
                   ("fetch", {"url": f"http://127.0.0.1:{port}/article.html"})]:
    payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    open(f"{work}/{name}.lua", "w").write(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.body = "{payload}"\n'
        'local errors = 0\n'
        'response = function(status, headers, body) if status ~= 200 then errors = errors + 1 end end\n')
EOF

run() {
  log "$1"
  shift
  wrk --latency -t 2 -c "$connections" -d "${seconds}s" "$@" | sed -n '/Latency Distribution/,$p;/Requests\/sec/p;/Non-2xx/p;/Socket errors/p' | awk '!seen[$0]++'
}
echo "summarize serve under wrk: $connections connections, 2 threads, $seconds s each ($(nproc) cores, release build)"
run "GET /healthz" "$url/healthz"
run "POST /v1/summarize with the page as html (extract + mock summarizer)" -s "$work/html.lua" "$url/v1/summarize"
run "POST /v1/summarize fetching the page over loopback (fetch + extract + mock summarizer)" -s "$work/fetch.lua" "$url/v1/summarize"
if grep -q "internal error\|failed unexpectedly" "$work/serve.log"; then
  log "the service logged internal errors"
  exit 1
fi
