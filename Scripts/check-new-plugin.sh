#!/usr/bin/env bash
# Proves that `new-plugin` writes plugins that build and pass their tests without edits: writes
# one plugin per role (named CiCheck), builds incrementally on the existing build, runs their
# tests, and removes exactly what it wrote (restoring LocalPluginsPlugins.swift), pass or fail.
# Run after Scripts/test.sh (it reuses that build). .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

registry=Sources/LocalPlugins/LocalPluginsPlugins.swift
backup=$(mktemp)
cp "$registry" "$backup"
written=()
restore() {
  cp "$backup" "$registry"
  rm -f "$backup"
  for file in "${written[@]}"; do rm -f "$file"; done
}
trap restore EXIT INT TERM

swift build --product summarize >/dev/null
for role in source fetcher extractor summarizer sink middleware; do
  type="CiCheck${role^}"
  for file in "Sources/LocalPlugins/$type.swift" "Tests/LocalPluginsTests/${type}Tests.swift"; do
    if [ -e "$file" ]; then log "$file exists; not touching it"; exit 1; fi
  done
  log "new-plugin --role $role --name CiCheck"
  .build/debug/summarize new-plugin --role "$role" --name CiCheck >/dev/null
  written+=("Sources/LocalPlugins/$type.swift" "Tests/LocalPluginsTests/${type}Tests.swift")
  # Middleware has no fixture; the others have one.
  shopt -s nullglob
  written+=(Tests/LocalPluginsTests/Fixtures/"$type".*)
  shopt -u nullglob
done

log "building and testing the generated plugins"
swift build --build-tests
swift test --skip-build --filter LocalPluginsTests
.build/debug/summarize plugins | grep -q "ciCheck" || { log "the generated plugins are not listed by summarize plugins"; exit 1; }
log "new-plugin output builds and passes its tests"
