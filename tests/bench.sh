#!/usr/bin/env bash
# Reproduces docs/performance.md: the release server on MariaDB + Redis on loopback, every
# scenario, for each shopper count and each compare-and-swap form. Needs MariaDB (root, no
# password) and Redis on their default ports, as on the development machines.
#   bash tests/bench.sh [seconds per scenario] ["shopper counts"] ["stock update forms"]
#   e.g. bash tests/bench.sh 15 "16 64" "covering equality"
# BENCH_SCENARIOS narrows the scenarios (e.g. order-hot,order-spread); BENCH_BIN runs binaries
# built elsewhere (another checkout's target/release, to compare two versions in one sitting)
# instead of building this one; BENCH_SERVER_ENV adds settings to the server's environment.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
counts=${2:-64}
modes=${3:-covering equality}
mysql=${BENCH_MYSQL:-mysql://root@127.0.0.1:3306}
redis=${BENCH_REDIS:-redis://127.0.0.1:6379/3}
port=${BENCH_PORT:-18000}
pool=${BENCH_POOL:-16}
scenarios=${BENCH_SCENARIOS:-order-hot,order-spread,cart-add,sku-list,sku-detail}
bin=${BENCH_BIN:-}

if [ -z "$bin" ]; then
  cargo build --release -p meiduo-server -p meiduo-loadgen
  bin=./target/release
fi
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null || true' EXIT
for mode in $modes; do
  for clients in $counts; do
    db="meiduo_bench_${mode}_${clients}"
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    redis-cli -u "$redis" FLUSHDB >/dev/null
    data=$(mktemp -d)
    MEIDUO_LISTEN=127.0.0.1:${port} MEIDUO_DATA_DIR=$data MEIDUO_DATABASE_URL=${mysql}/${db} \
      MEIDUO_DATABASE_MAX_CONNECTIONS=$pool MEIDUO_REDIS_URL=$redis MEIDUO_STOCK_UPDATE=$mode \
      MEIDUO_PAYMENT_EXPIRY_INTERVAL=0s RUST_LOG=warn env ${BENCH_SERVER_ENV:-} "$bin/meiduo" serve &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:${port}/health/ready" >/dev/null && break; sleep 0.2; done
    echo "== stock update: ${mode}; ${clients} shoppers; pool ${pool}; server RSS before: $(ps -o rss= -p $server) KiB"
    "$bin/meiduo-loadgen" --scenarios "$scenarios" --base "http://127.0.0.1:${port}" --database-url "${mysql}/${db}" \
      --redis-url "$redis" --clients "$clients" --pool "$pool" --seconds "$seconds" --stock-update "$mode"
    echo "== server RSS after: $(ps -o rss= -p $server) KiB"
    kill $server; wait $server 2>/dev/null || true
    server=
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS ${db}"
    rm -rf "$data"
  done
done
