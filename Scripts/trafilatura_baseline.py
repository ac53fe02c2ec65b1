#!/usr/bin/env python3
"""Time trafilatura on a corpus the way `summarize extract --corpus` times our extractor.

    pip install trafilatura
    python3 Scripts/trafilatura_baseline.py ../shared/corpus/readability-test-pages --out trafilatura.json [--passes 3]

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
    parser.add_argument("--passes", type=int, default=3, help="each page's time is its fastest pass, as summarize-bench extract does")
    args = parser.parse_args()
    pages = {
        folder.name: (folder / "source.html").read_text(encoding="utf-8", errors="replace")
        for folder in sorted(p for p in args.corpus.iterdir() if (p / "source.html").exists())
    }
    results = {}
    for _ in range(max(1, args.passes)):
        for name, html in pages.items():
            start = time.perf_counter()
            text = trafilatura.extract(html) or ""
            seconds = time.perf_counter() - start
            if name not in results or seconds < results[name]["seconds"]:
                results[name] = {"articleBody": text, "seconds": seconds}
    args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
