#!/usr/bin/env python3
"""Times trafilatura on an extraction corpus the way `summarize-bench extract` times ours.

    python3 Scripts/trafilatura-timing.py DIR [--passes N]

Pages are DIR/<id>/source.html, DIR/<id>.html or DIR/<id>.html.gz (decompressed before
timing). Each page is read and decoded as UTF-8 outside the clock, then extracted N times in a
row; its time is the fastest pass, as ours is. Prints one JSON object: pages, bytes (of HTML, as
our benchmark counts them), seconds, pages_per_second, mb_per_second, median_ms.
"""
import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import trafilatura


def pages(root):
    for entry in sorted(root.iterdir()):
        source = entry / "source.html"
        name = entry.name.lower()
        if source.is_file():
            yield source.read_bytes()
        elif name.endswith((".html.gz", ".htm.gz")):
            yield gzip.decompress(entry.read_bytes())
        elif name.endswith((".html", ".htm")):
            yield entry.read_bytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--passes", type=int, default=1)
    args = parser.parse_args()
    times, total_bytes = [], 0
    for raw in pages(args.corpus):
        html = raw.decode("utf-8", errors="replace")
        total_bytes += len(raw)
        best = float("inf")
        for _ in range(max(1, args.passes)):
            start = time.perf_counter()
            trafilatura.extract(html, include_comments=False)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    if not times:
        sys.exit(f"no pages in {args.corpus}")
    seconds = sum(times)
    print(json.dumps({
        "extractor": f"trafilatura {trafilatura.__version__}",
        "pages": len(times), "bytes": total_bytes, "seconds": round(seconds, 3),
        "pages_per_second": round(len(times) / seconds, 1),
        "mb_per_second": round(total_bytes / 1e6 / seconds, 2),
        "median_ms": round(statistics.median(times) * 1000, 2),
    }, sort_keys=True))


if __name__ == "__main__":
    main()
