#!/usr/bin/env bash
# Times a whole offline run: N copies of an example page as local files, the file fetcher, the
# plainText extractor, the mock summarizer, no middleware, one jsonl sink. Release build.
#   Scripts/bench-run.sh [N] [RUNS]
set -euo pipefail
count=${1:-3000}
runs=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
if ! build_log=$(swift build -c release --product summarize --package-path "$root" 2>&1); then
    echo "$build_log" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pages"
for i in $(seq 1 "$count"); do
    sed "s/Pioneers/Pioneers $i/" "$root/Examples/pages/week9-recap.html" > "$work/pages/p$i.html"
    echo "$work/pages/p$i.html"
done > "$work/urls.txt"
cat > "$work/bench.json" <<'JSON'
{
  "source": {"type": "urlFile", "path": "urls.txt"},
  "fetcher": {"type": "file", "middleware": []},
  "extractor": {"type": "plainText"},
  "summarizer": {"type": "mock", "middleware": []},
  "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
  "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
  "run": {"concurrency": 8, "batchSize": 100}
}
JSON
for _ in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    "$root/.build/release/summarize" run --config "$work/bench.json" 2>&1 >/dev/null | grep "Run finished"
done
