#!/usr/bin/env bash
# Type-checks the libFuzzer entry points in Fuzz/ against the modules of the debug build that
# Scripts/test.sh made, so that an API change cannot leave them broken until someone fuzzes
# (it did, twice). Seconds, not an instrumented build; Scripts/fuzz.sh builds and runs them.
# Run after Scripts/test.sh. .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

modules="$(swift build --show-bin-path)/Modules"
if [ ! -d "$modules" ]; then
  echo "check-fuzz: no build at $modules; run Scripts/test.sh (or swift build --build-tests) first" >&2
  exit 1
fi
status=0
for source in Fuzz/*.swift; do
  printf '==> type-checking %s\n' "$source" >&2
  swiftc -typecheck -parse-as-library "$source" -I "$modules" -I Sources/CLibXML2 -I Sources/CZlib -I Sources/CParseArena/include \
    -Xcc -I/usr/include/libxml2 || status=1
done
exit $status
