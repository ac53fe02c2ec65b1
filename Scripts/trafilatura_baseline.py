#!/usr/bin/env python3
"""Time trafilatura on a corpus the way `summarize extract --corpus` times our extractor.

    pip install trafilatura
    python3 Scripts/trafilatura_baseline.py ../shared/corpus/readability-test-pages --out trafilatura.json

Writes the same JSON shape ({"<id>": {"articleBody", "seconds"}}), so
../shared/bench/score_extraction.py scores it and prints its throughput.
"""
import argparse
import json
import time
from pathlib import Path

import trafilatura


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    results = {}
    for folder in sorted(p for p in args.corpus.iterdir() if (p / "source.html").exists()):
        html = (folder / "source.html").read_text(encoding="utf-8", errors="replace")
        start = time.perf_counter()
        text = trafilatura.extract(html) or ""
        results[folder.name] = {"articleBody": text, "seconds": time.perf_counter() - start}
    args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
