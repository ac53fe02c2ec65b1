#!/usr/bin/env bash
# Fuzzes with libFuzzer and AddressSanitizer: the HTML extractors, the config loader and the
# URL-list reader and parser.
#
#   Scripts/fuzz.sh [SECONDS] [TARGET ...]   targets: extractor config urllist (default: all)
#                                            SECONDS per target, default 600
#
# Builds the modules with fuzzer instrumentation into .build-fuzz/, links each entry point in
# Fuzz/, and runs it on a copy of its seed corpus (Fuzz/Corpus/<target>, plus the example pages,
# configs and URL lists). Findings land in .build-fuzz/findings/<target>/. Long runs stay out of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(extractor config urllist)
scratch=.build-fuzz
# A crash could otherwise hang in the backtracer for minutes.
export SWIFT_BACKTRACE=enable=no

# -enable-testing lets the URL-list fuzzer reach the parser, which is internal to Builtins.
swift build -c release --scratch-path "$scratch" --target HTMLExtraction \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
swift build -c release --scratch-path "$scratch" --target Builtins \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing >/dev/null
bin="$scratch/release"
core=$(ls "$bin"/SummarizerCore.build/*.o "$bin"/Logging.build/*.o "$bin"/CoreMetrics.build/*.o)

for target in "${targets[@]}"; do
  case "$target" in
    extractor)
      source=Fuzz/ExtractorFuzzer.swift
      objects="$core $(ls "$bin"/HTMLExtraction.build/*.o "$bin"/CParseArena.build/*.o)"
      seeds="Fuzz/Corpus/extractor/* Examples/pages/*.html" ;;
    config)
      source=Fuzz/ConfigFuzzer.swift
      objects="$core $(ls "$bin"/Builtins.build/*.o)"
      seeds="Fuzz/Corpus/config/* config.json Examples/*.config.json" ;;
    urllist)
      source=Fuzz/URLListFuzzer.swift
      objects="$core $(ls "$bin"/Builtins.build/*.o)"
      seeds="Fuzz/Corpus/urllist/* Examples/urls.txt Examples/web-urls.txt" ;;
    *) echo "unknown fuzz target $target (extractor, config, urllist)" >&2; exit 64 ;;
  esac
  swiftc -O -sanitize=fuzzer,address -parse-as-library "$source" \
    -I "$bin/Modules" -I Sources/CLibXML2 -I Sources/CParseArena/include -Xcc -I/usr/include/libxml2 \
    $objects -lxml2 -o "$scratch/$target-fuzzer"
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus" "$scratch/findings/$target"
  # shellcheck disable=SC2086
  cp $seeds "$corpus/" 2>/dev/null || true
  echo "==> fuzzing $target for $seconds s" >&2
  "$scratch/$target-fuzzer" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/findings/$target/" -print_final_stats=1
done
