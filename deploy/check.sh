#!/usr/bin/env bash
# Proves the deploy files as far as this machine allows, and says plainly what it cannot:
#   1. the Kubernetes manifests against the Kubernetes API's schemas (kubernetes-validate,
#      strict: unknown fields refused);
#   2. compose.yaml parses and resolves with its variables (podman-compose config);
#   3. haproxy.cfg is a valid configuration (haproxy -c);
#   4. the image builds (podman build), when its base images can be pulled;
#   5. a real Prometheus on loopback scrapes a running server's /metrics with the ops token,
#      and the resident memory under a short load, for the resource requests.
# Tools come from PyPI (kubernetes-validate, podman-compose) and Debian (podman, haproxy,
# prometheus) when missing. MEIDUO_BINARY: the server to run (default target/debug/meiduo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
need_pip() { command -v "$1" >/dev/null || pip install --quiet "$2"; }
need_apt() { command -v "$1" >/dev/null || apt-get install -y -q "$2" >/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
proven=()
not_proven=()

echo "== 1. Kubernetes manifests (kubernetes-validate --strict)"
need_pip kubernetes-validate kubernetes-validate
kubernetes-validate --strict deploy/k8s/*.yaml
proven+=("deploy/k8s/*.yaml are valid Kubernetes objects (strict schemas)")

echo "== 2. compose.yaml (podman-compose config)"
need_pip podman-compose podman-compose
need_apt podman podman
MYSQL_PASSWORD=check MYSQL_ROOT_PASSWORD=check MEIDUO_SECRET=0123456789abcdef0123456789abcdef \
  podman-compose -f deploy/compose.yaml config >"$work/compose.yaml"
for service in mysql redis migrate meiduo-1 meiduo-2 proxy; do
  grep -q "^  $service:" "$work/compose.yaml" || { echo "compose: no service $service" >&2; exit 1; }
done
proven+=("deploy/compose.yaml resolves: mysql, redis, migrate, meiduo-1, meiduo-2, proxy")

echo "== 3. haproxy.cfg (haproxy -c)"
need_apt haproxy haproxy
haproxy -c -f deploy/haproxy.cfg
proven+=("deploy/haproxy.cfg is a valid haproxy configuration")

echo "== 4. the image (podman build)"
base=$(sed -n 's/^ARG RUNTIME_IMAGE=//p' deploy/Dockerfile)
if timeout 60 podman pull -q "$base" >/dev/null 2>&1; then
  podman build -f deploy/Dockerfile -t localhost/meiduo:check .
  proven+=("the image builds")
else
  echo "NOT PROVEN HERE: $base cannot be pulled (this machine reaches no container registry)"
  not_proven+=("the image build: its base images cannot be pulled here")
fi

echo "== 5. Prometheus scrapes /metrics"
need_apt prometheus prometheus
binary="${MEIDUO_BINARY:-target/debug/meiduo}"
[ -x "$binary" ] || cargo build --quiet --bin meiduo
port=$(free_port)
token=check-ops-token-$RANDOM
MEIDUO_DATA_DIR="$work/data" MEIDUO_LISTEN="127.0.0.1:$port" MEIDUO_OPS_TOKEN="$token" \
  MEIDUO_PAYMENT_EXPIRY_INTERVAL=0s MEIDUO_LOG_FORMAT=json "$binary" serve >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }
# A short load: the catalog's pages, 2000 requests over 8 connections.
python3 - "$port" <<'PY'
import sys, threading, urllib.request
port = sys.argv[1]
paths = ["/categories/", "/skus/1/", "/categories/115/skus/?page=1", "/categories/115/hotskus/"]
def run(n):
    for i in range(250):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{paths[(n + i) % len(paths)]}").read()
threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
PY
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: meiduo
    authorization:
      credentials: $token
    static_configs:
      - targets: ["127.0.0.1:$port"]
YML
promtool check config "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
query() {
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
up=""
for _ in $(seq 60); do
  up=$(query 'up{job="meiduo"}' 2>/dev/null || true)
  [ "$up" = "1" ] && [ -n "$(query 'meiduo_http_requests_total' 2>/dev/null || true)" ] && break
  sleep 0.5
done
[ "$up" = "1" ] || { echo "Prometheus did not scrape the server" >&2; cat "$work/prometheus.log" >&2; exit 1; }
served=$(query 'sum(meiduo_http_requests_total{route="/categories/"})')
rss=$(query 'meiduo_process_resident_memory_bytes')
echo "Prometheus scraped: up=1, /categories/ requests=$served, resident memory=$rss bytes"
proven+=("a real Prometheus scrapes /metrics with the ops token (up=1; /categories/ requests $served)")
proven+=("resident memory after 2000 catalog requests: $((${rss%.*} / 1048576)) MiB")

echo
echo "== proven here"
printf '  - %s\n' "${proven[@]}"
if [ ${#not_proven[@]} -gt 0 ]; then
  echo "== not proven here"
  printf '  - %s\n' "${not_proven[@]}"
fi
