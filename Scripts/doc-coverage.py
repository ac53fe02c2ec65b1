#!/usr/bin/env python3
"""Counts the public declarations in Sources/ and lists those without a doc comment.

A declaration counts as documented when the lines right above it (attributes skipped) are a
`///` comment. Members that implement a protocol requirement are not counted: their protocol
documents them, and DocC shows that text on the implementation. Those are the standard
library's (`description`, `init(from:)`, `encode(to:)`, `hash(into:)`, `==`, `<`) and this
package's stage, service, middleware and settings protocols (the names in INHERITED). Exit status 1 when any other public declaration lacks one, so CI keeps the count at zero.

Usage: Scripts/doc-coverage.py [--list]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public|open)\s+(?:(?:static|final|override|mutating|nonisolated|convenience|required|indirect)\s+)*"
    r"(func|var|let|struct|class|enum|protocol|init\??|typealias|subscript|actor|case)\b\s*([A-Za-z_`][\w`]*)?"
)
INHERITED = {
    # Standard library protocols.
    "description", "debugDescription", "hash", "encode", "==", "<",
    # ItemSource, Fetcher, ContentExtractor, Summarizer, Sink, DeadLetterSink, PipelineService.
    "items", "recordFailure", "distinctIDs", "resummarizes", "fetch", "extract", "summarize", "inputMode",
    "promptVersion", "prepare", "heldIDs", "write", "finish", "earlierFailures", "resolved", "run",
    # StageMiddleware, PluginSettings, ConfigValueConvertible.
    "handle", "keys", "configType", "allowedValues", "configValue",
}


def undocumented(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        kind, name = match.group(1), match.group(2) or ""
        if name in INHERITED or (kind.startswith("init") and ("from decoder" in line or "configValue:" in line)):
            continue
        above = number - 1
        while above >= 0 and lines[above].strip().startswith("@"):
            above -= 1
        if above >= 0 and lines[above].strip().startswith("///"):
            continue
        yield number + 1, line.strip()


def main():
    total = 0
    missing = []
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        text = path.read_text(encoding="utf-8")
        total += sum(1 for line in text.splitlines() if DECLARATION.match(line))
        missing += [(path.relative_to(ROOT), number, line) for number, line in undocumented(path)]
    if "--list" in sys.argv or missing:
        for path, number, line in missing:
            print(f"{path}:{number}: {line}")
    print(f"{total} public declarations, {total - len(missing)} documented, {len(missing)} without a doc comment")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
