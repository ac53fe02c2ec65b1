#!/usr/bin/env bash
# Style checks CI runs: the tree is formatted as .swift-format says, and every public
# declaration has a doc comment. Fix with:
#   swift format format -i -r Sources Tests Plugins Examples/plugin-templates Fuzz Package.swift
#   Scripts/doc-coverage.py --list
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

log "swift format lint --strict"
swift format lint --strict -r Sources Tests Plugins Examples/plugin-templates Fuzz Package.swift
log "doc comments on public declarations"
python3 Scripts/doc-coverage.py
