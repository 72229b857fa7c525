#!/usr/bin/env bash
# Proves the deploy files as far as this machine allows, and says plainly what it cannot:
#   1. the Kubernetes manifests against the Kubernetes API's schemas (kubernetes-validate,
#      strict: unknown fields refused);
#   2. compose.yaml parses and resolves with its variables (podman-compose config);
#   3. haproxy.cfg is a valid configuration (haproxy -c);
#   4. the image builds (podman build; its bases made from Debian's packages when no registry
#      can be reached), and its root filesystem serves with the image's user and environment;
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

echo "== 4. the image (podman build), and its root filesystem serving"
# RUN steps in chroot isolation: this machine's sandbox refuses the OCI runtime's rlimits and
# cgroups (podman run fails there); the image built is the same. Docker's image format: the OCI
# format has no HEALTHCHECK.
build=(podman build --format docker --isolation chroot --network host --ignorefile deploy/Dockerfile.dockerignore
  -f deploy/Dockerfile)
rust_image=$(sed -n 's/^ARG RUST_IMAGE=//p' deploy/Dockerfile)
runtime_image=$(sed -n 's/^ARG RUNTIME_IMAGE=//p' deploy/Dockerfile)
if timeout 60 podman pull -q "$runtime_image" >/dev/null 2>&1 &&
  timeout 120 podman pull -q "$rust_image" >/dev/null 2>&1; then
  bases=("the registry's $rust_image and $runtime_image")
  base_args=()
else
  # No registry: the same bases made from Debian's packages. Debian bookworm by debootstrap
  # (kept in MEIDUO_BASE_CACHE between runs), and on it gcc with this machine's Rust toolchain.
  need_apt debootstrap debootstrap
  cache="${MEIDUO_BASE_CACHE:-/var/tmp/meiduo-base}"
  if [ ! -x "$cache/rootfs/bin/bash" ]; then
    rm -rf "$cache/rootfs" && mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$cache/rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log"
  fi
  tar -C "$cache/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/meiduo-base/debian:bookworm >/dev/null
  sysroot=$(rustc --print sysroot)
  cat >"$work/rust.Containerfile" <<'CONTAINERFILE'
FROM localhost/meiduo-base/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && cp /run/host-cas/*.crt /usr/local/share/ca-certificates/ 2>/dev/null; update-ca-certificates
COPY . /usr/local/rust/
ENV PATH=/usr/local/rust/bin:/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CARGO_HOME=/usr/local/cargo
CONTAINERFILE
  # This machine's own certificate authorities (an egress proxy's) are trusted by this
  # builder base, so that cargo reaches crates.io from it as from the machine.
  podman build --isolation chroot --network host -f "$work/rust.Containerfile" \
    -v /usr/local/share/ca-certificates:/run/host-cas:ro \
    -t localhost/meiduo-base/rust:bookworm "$sysroot"
  bases=("Debian bookworm from debootstrap, and this machine's $(rustc --version) on it (the registry cannot be reached)")
  base_args=(--build-arg RUNTIME_IMAGE=localhost/meiduo-base/debian:bookworm
    --build-arg RUST_IMAGE=localhost/meiduo-base/rust:bookworm)
fi
started=$(date +%s)
"${build[@]}" "${base_args[@]}" -t localhost/meiduo:check .
built_in=$(($(date +%s) - started))
inspect() { podman image inspect localhost/meiduo:check --format "$1"; }
user=$(inspect '{{.Config.User}}')
health=$(inspect '{{join .Config.Healthcheck.Test " "}}')
size=$(inspect '{{.Size}}')
[ "$user" = "10001:10001" ] || { echo "the image runs as '$user', not the unprivileged user" >&2; exit 1; }
echo "image: $((size / 1048576)) MiB, user $user, health check: $health, built in ${built_in}s"
# The root filesystem as a container would see it, started with the image's own environment
# (chroot as the image's user: podman run is refused here).
cid=$(podman create localhost/meiduo:check)
mkdir "$work/image"
podman export "$cid" | tar -C "$work/image" -x
podman rm -f "$cid" >/dev/null
mount -t proc proc "$work/image/proc"
mount --bind /dev "$work/image/dev"
unmount_image() { umount "$work/image/proc" "$work/image/dev" 2>/dev/null || true; }
trap 'unmount_image; cleanup' EXIT
image_port=$(free_port)
mapfile -t image_env < <(inspect '{{range .Config.Env}}{{println .}}{{end}}' | grep .)
env -i "${image_env[@]}" MEIDUO_LISTEN="127.0.0.1:$image_port" MEIDUO_SEED_ON_START=true \
  chroot --userspec=10001:10001 "$work/image" /usr/local/bin/meiduo serve >"$work/image-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$image_port/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$image_port/health/ready" || { cat "$work/image-server.log"; exit 1; }
echo
# The image's own health check command, run inside its root filesystem.
chroot --userspec=10001:10001 "$work/image" curl -fsS "http://127.0.0.1:$image_port/health/live" >/dev/null
found=$(curl -sf "http://127.0.0.1:$image_port/skus/search/?text=%E5%8D%8E%E4%B8%BA" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])')
[ -s "$work/image/var/lib/meiduo/secret" ] || { echo "no data in the image's volume" >&2; exit 1; }
head -c 200 "$work/image-server.log" | grep -q '^{' || { echo "the log is not JSON" >&2; exit 1; }
echo "the image's root filesystem serves: ready, its health check passes, a search finds $found SKUs"
proven+=("the image builds from ${bases[*]} (${built_in}s; $((size / 1048576)) MiB; user $user)")
proven+=("its root filesystem serves as user 10001 with the image's environment: ready, HEALTHCHECK's curl passes, JSON logs, data in /var/lib/meiduo")

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
waits=$(query 'meiduo_db_pool_acquire_seconds_count')
[ -n "$waits" ] || { echo "no database pool waits in the scrape" >&2; exit 1; }
echo "Prometheus scraped: up=1, /categories/ requests=$served, database pool waits=$waits, resident memory=$rss bytes"
proven+=("a real Prometheus scrapes /metrics with the ops token (up=1; /categories/ requests $served)")
proven+=("resident memory after 2000 catalog requests: $((${rss%.*} / 1048576)) MiB")

echo
echo "== proven here"
printf '  - %s\n' "${proven[@]}"
if [ ${#not_proven[@]} -gt 0 ]; then
  echo "== not proven here"
  printf '  - %s\n' "${not_proven[@]}"
fi
