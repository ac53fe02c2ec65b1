#!/usr/bin/env bash
# Runs schemathesis (from PyPI, in a private venv) against `summarize serve`'s own OpenAPI
# document: it generates requests for every operation (valid and invalid), and fails on any 5xx
# or any response that does not match the document (status, headers, content type, schema),
# with a bearer token set so the auth checks run too.
# Two checks are left out on purpose: positive_data_acceptance (a valid request for a page that
# cannot be summarized answers 422 with the failure record, as the API means it to) and
# use_after_free (DELETE stops a run; the run stays readable).
# Usage: Scripts/check-serve-api.sh            (CI: 40 examples per operation, a fixed seed)
#        SCHEMATHESIS_EXAMPLES=2000 SCHEMATHESIS_SEED=random Scripts/check-serve-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

venv=${SCHEMATHESIS_VENV:-.build/schemathesis-venv}
if [ ! -x "$venv/bin/schemathesis" ]; then
  log "installing schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'
fi

swift build --product summarize >/dev/null
binary="$(swift build --show-bin-path)/summarize"
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Offline: local pages through the file fetcher for runs, the mock summarizer; the API itself
# only takes http(s) URLs, which this fetcher refuses (422), so nothing leaves the machine.
for i in 1 2 3; do echo "file://$PWD/Examples/pages/week9-recap.html?copy=$i"; done >"$work/urls.txt"
cat >"$work/serve.json" <<'EOF'
{
  "source": { "type": "urlFile", "path": "urls.txt" },
  "fetcher": { "type": "file" },
  "extractor": { "type": "readability" },
  "summarizer": { "type": "mock" },
  "sinks": [ { "type": "jsonl", "path": "out/summaries.jsonl" } ],
  "deadLetter": { "type": "jsonl", "path": "out/failed.jsonl" },
  "serve": { "maxConcurrentRuns": 1 }
}
EOF
token="schemathesis-$RANDOM$RANDOM"
(cd "$work" && SUMMARIZE_API_TOKENS="$token" exec "$binary" serve --config serve.json --listen 127.0.0.1:0 2>"$work/serve.log") &
server=$!
for _ in $(seq 100); do
  grep -q 'url=http://' "$work/serve.log" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'url=http://[0-9.]*:[0-9]*' "$work/serve.log" | head -n 1 | cut -d= -f2 || true)
[ -n "$url" ] || { cat "$work/serve.log"; log "the service did not start"; exit 1; }

examples=${SCHEMATHESIS_EXAMPLES:-40}
seed=${SCHEMATHESIS_SEED:-20261207}
seed_args=(--seed "$seed")
[ "$seed" = random ] && seed_args=()
log "schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}') against $url/openapi.json ($examples examples per operation)"
status=0
# From the scratch folder: schemathesis keeps a cache (.schemathesis/) in its working directory.
venv_bin=$(cd "$venv/bin" && pwd)
(cd "$work" && "$venv_bin/schemathesis" run "$url/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance,use_after_free \
  -n "$examples" "${seed_args[@]}" --workers 1 --request-timeout 30 --warnings off) || status=$?
if grep -q " 500 \|internal error\|failed unexpectedly" "$work/serve.log"; then
  grep " 500 \|internal error\|failed unexpectedly" "$work/serve.log" | head -n 5
  log "the service logged an internal error"
  status=1
fi
if grep -q "$token" "$work/serve.log"; then
  log "the service logged the bearer token"
  status=1
fi
[ "$status" -eq 0 ] && log "the API matches its document"
exit "$status"
