#!/usr/bin/env bash
# Fuzzes the HTML extractors with libFuzzer and AddressSanitizer.
#
#   Scripts/fuzz.sh [SECONDS]      (default 600; CI may run a short smoke, e.g. 20)
#
# Builds the extraction modules with fuzzer instrumentation into .build-fuzz/, links the
# entry point in Fuzz/ExtractorFuzzer.swift, and runs it on a copy of the seed corpus
# (Fuzz/Corpus/extractor plus the example pages). Findings land in .build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
scratch=.build-fuzz
# A crash could otherwise hang in the backtracer for minutes.
export SWIFT_BACKTRACE=enable=no

swift build -c release --scratch-path "$scratch" --target HTMLExtraction \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
bin="$scratch/release"
objects=$(ls "$bin"/HTMLExtraction.build/*.o "$bin"/SummarizerCore.build/*.o "$bin"/Logging.build/*.o)
swiftc -O -sanitize=fuzzer,address -parse-as-library Fuzz/ExtractorFuzzer.swift \
  -I "$bin/Modules" -I Sources/CLibXML2 -Xcc -I/usr/include/libxml2 \
  $objects -lxml2 -o "$scratch/extractor-fuzzer"

corpus="$scratch/corpus"
mkdir -p "$corpus" "$scratch/findings"
cp Fuzz/Corpus/extractor/* Examples/pages/*.html "$corpus/" 2>/dev/null || true
"$scratch/extractor-fuzzer" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$scratch/findings/" -print_final_stats=1
