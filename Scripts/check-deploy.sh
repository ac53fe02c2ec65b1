#!/usr/bin/env bash
# Checks what can be checked of Examples/deploy without a container engine or a cluster: the
# Kubernetes YAML parses into the kinds it names, its ConfigMap's config.json passes
# `summarize validate`, and the systemd unit passes `systemd-analyze verify` where systemd is
# installed (with ExecStart pointed at the built binary, which the unit's path is not on this
# machine). The Containerfile is not built here: no container engine runs on these machines.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
swift build --product summarize >/dev/null
binary="$(swift build --show-bin-path)/summarize"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "Kubernetes manifests"
python3 - "$work" Examples/deploy/kubernetes/*.yaml <<'PY'
import json, sys, yaml
work, files = sys.argv[1], sys.argv[2:]
expected = {"worker.yaml": ["ConfigMap", "Deployment"], "nightly-cronjob.yaml": ["CronJob"], "serve.yaml": ["ConfigMap", "Deployment", "Service"]}
for path in files:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    kinds = [d["kind"] for d in docs]
    name = path.rsplit("/", 1)[-1]
    assert kinds == expected[name], f"{path}: kinds {kinds}, expected {expected[name]}"
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("metadata", {}).get("name"), f"{path}: {doc.get('kind')} lacks apiVersion or name"
        if doc["kind"] == "ConfigMap":
            json.loads(doc["data"]["config.json"])
            open(f"{work}/{name}.config.json", "w").write(doc["data"]["config.json"])
        if doc["kind"] == "Deployment":
            container = doc["spec"]["template"]["spec"]["containers"][0]
            if name == "worker.yaml":
                assert container["args"][0] == "worker", "the Deployment runs summarize worker"
                assert container["livenessProbe"]["httpGet"]["path"] == "/metrics"
            else:
                assert container["args"][0] == "serve", "the Deployment runs summarize serve"
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"]
            assert selector == {"app.kubernetes.io/name": "summarize-serve"}, f"{path}: the Service selects {selector}"
    print(f"  {path}: {', '.join(kinds)}")
PY
for config in "$work"/*.config.json; do
  log "the ConfigMap's config of $(basename "$config" .config.json) passes summarize validate"
  (cd "$work" && GEMINI_API_KEY=placeholder DATABASE_URL=postgres://summarize@db.example/news "$binary" validate --config "$config")
done

if command -v systemd-analyze >/dev/null 2>&1; then
  log "systemd-analyze verify summarize-worker.service"
  sed "s|/usr/local/bin/summarize|$binary|" Examples/deploy/summarize-worker.service >"$work/summarize-worker.service"
  # verify reports a missing user or directory of this machine as well; only unit errors count.
  output=$(systemd-analyze verify "$work/summarize-worker.service" 2>&1 || true)
  if printf '%s\n' "$output" | grep -E 'Unknown (key|section)|Failed to parse|Invalid|is not executable' ; then
    log "the unit file has errors (above)"
    exit 1
  fi
else
  log "systemd-analyze is not installed: the unit file was not verified"
fi
log "deploy examples check out"
