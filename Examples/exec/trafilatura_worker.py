#!/usr/bin/env python3
"""An `exec` extractor worker that runs trafilatura (pip install trafilatura).

The protocol (one JSON object per line each way):
  in:  {"id": "...", "url": "...", "html": "..."}
  out: {"id": "...", "title": "...", "text": "...", "metadata": {...}}
   or: {"id": "...", "error": {"kind": "invalidContent", "message": "..."}}

Use it with:
  "extractor": {"type": "exec", "command": "python3", "args": ["Examples/exec/trafilatura_worker.py"]}
"""
import json
import sys

try:
    import trafilatura
except ImportError:
    sys.stderr.write("trafilatura is not installed: pip install trafilatura\n")
    sys.exit(2)


def answer(request):
    result = trafilatura.extract(
        request["html"], url=request.get("url"), output_format="json", with_metadata=True, favor_precision=True
    )
    if not result:
        return {"id": request["id"], "error": {"kind": "invalidContent", "message": "trafilatura found no article"}}
    document = json.loads(result)
    metadata = {
        key: document[key]
        for key in ("author", "date", "sitename", "hostname", "language", "description")
        if document.get(key)
    }
    metadata["version"] = "trafilatura-" + trafilatura.__version__
    return {"id": request["id"], "title": document.get("title"), "text": document.get("text") or "", "metadata": metadata}


for line in sys.stdin:
    request = json.loads(line)
    try:
        reply = answer(request)
    except Exception as error:  # one bad page must not end the worker
        reply = {"id": request.get("id"), "error": {"kind": "invalidContent", "message": f"trafilatura failed: {error}"}}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
