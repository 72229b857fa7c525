#!/usr/bin/env bash
# Reproduces docs/performance.md: the release server on MariaDB + Redis on loopback, every
# scenario, for each shopper count and each compare-and-swap form. Needs MariaDB (root, no
# password) and Redis on their default ports, as on the development machines.
#   bash tests/bench.sh [seconds per scenario] ["shopper counts"] ["stock update forms"]
#   e.g. bash tests/bench.sh 15 "16 64" "covering equality"
# Order scenarios run over HTTP, directly and raw (the transaction's statements through the bare
# driver). After the scenarios, with the last server still up: wrk on its cached SKU list (64
# connections, latency percentiles), and the ceiling: nginx serving a static file to wrk on the
# same machine (BENCH_CEILING=0 skips them; nginx-light and wrk come from Debian). wrk also
# measures, with the load generator's shoppers, cart-add (64 connections) and, after the flash
# sale, those it turned away ordering again (as many connections as its crowd): the same client
# as the ceiling. Its scripts count the answers by status and code.
# The last server of the sitting then takes a flash sale: BENCH_FLASH_SHOPPERS (2000; 0 skips it)
# shoppers order at once a SKU of BENCH_FLASH_STOCK (100) units, through the server's gate, and
# those turned away press again for the scenarios' seconds.
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
# The server looks like production (MySQL, Redis): its order counters need the ops token.
ops_token=bench-ops-token-$$
flash_shoppers=${BENCH_FLASH_SHOPPERS:-2000}
flash_stock=${BENCH_FLASH_STOCK:-100}
last_mode=${modes##* }
last_count=${counts##* }

if [ -z "$bin" ]; then
  cargo build --release -p meiduo-server -p meiduo-loadgen
  bin=./target/release
fi
server=
nginx_dir=
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "$nginx_dir" ] && nginx -p "$nginx_dir" -c nginx.conf -s stop 2>/dev/null; true' EXIT
if [ "${BENCH_CEILING:-1}" = 1 ]; then
  command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
  command -v nginx >/dev/null || apt-get install -y -q nginx-light >/dev/null
fi

# The ceiling of an HTTP service on this machine: nginx (2 workers, as the server's 2) serving
# a static file of the size of a cart answer to wrk, 64 connections.
ceiling() {
  nginx_dir=$(mktemp -d)
  local nginx_port=$((port + 1))
  mkdir -p "$nginx_dir/logs" "$nginx_dir/www"
  printf '{"sku_id":1001,"count":1,"selected":true}' >"$nginx_dir/www/cart.json"
  cat >"$nginx_dir/nginx.conf" <<CONF
worker_processes 2;
error_log logs/error.log;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:${nginx_port}; root ${nginx_dir}/www; }
}
CONF
  chmod -R a+rX "$nginx_dir"   # nginx's workers run as nobody
  nginx -p "$nginx_dir" -c nginx.conf
  echo "== the ceiling: nginx serving a static file to wrk, 64 connections, ${seconds}s"
  wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:${nginx_port}/cart.json" | sed -n '1,/Transfer/p'
  nginx -p "$nginx_dir" -c nginx.conf -s stop
  rm -rf "$nginx_dir"
  nginx_dir=
}
for mode in $modes; do
  for clients in $counts; do
    db="meiduo_bench_${mode}_${clients}"
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    redis-cli -u "$redis" FLUSHDB >/dev/null
    data=$(mktemp -d)
    MEIDUO_LISTEN=127.0.0.1:${port} MEIDUO_DATA_DIR=$data MEIDUO_DATABASE_URL=${mysql}/${db} \
      MEIDUO_DATABASE_MAX_CONNECTIONS=$pool MEIDUO_REDIS_URL=$redis MEIDUO_STOCK_UPDATE=$mode \
      MEIDUO_PAYMENT_EXPIRY_INTERVAL=0s MEIDUO_PAYMENT_GATEWAY=sandbox MEIDUO_QQ_PROVIDER=sandbox \
      MEIDUO_OPS_TOKEN=$ops_token RUST_LOG=warn env ${BENCH_SERVER_ENV:-} "$bin/meiduo" serve &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:${port}/health/ready" >/dev/null && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:${port}/health/ready" >/dev/null || { echo "the server did not start" >&2; exit 1; }
    echo "== stock update: ${mode}; ${clients} shoppers; pool ${pool}; server RSS before: $(ps -o rss= -p $server) KiB"
    flash=()
    if [ "$mode" = "$last_mode" ] && [ "$clients" = "$last_count" ] && [ "$flash_shoppers" -gt 0 ]; then
      flash=(--flash-shoppers "$flash_shoppers" --flash-stock "$flash_stock" --flash-seconds "$seconds")
    fi
    "$bin/meiduo-loadgen" --scenarios "$scenarios" --base "http://127.0.0.1:${port}" --database-url "${mysql}/${db}" \
      --redis-url "$redis" --clients "$clients" --pool "$pool" --seconds "$seconds" --stock-update "$mode" \
      --ops-token "$ops_token" --wrk-scripts "$data" "${flash[@]}"
    echo "== server RSS after: $(ps -o rss= -p $server) KiB"
    if [ "${BENCH_CEILING:-1}" = 1 ]; then
      echo "== wrk: the cached SKU list, 64 connections, ${seconds}s"
      wrk -t2 -c64 -d"${seconds}s" --latency \
        "http://127.0.0.1:${port}/categories/157/skus/?ordering=-sales&page_size=10" | sed -n '1,/Transfer/p'
      # The busiest answers measured by the ceiling's own client, with the load generator's
      # shoppers and tokens (its scripts).
      if [[ ",$scenarios," == *,cart-add,* ]]; then
        echo "== wrk: cart-add (one unit of a random SKU of ${clients} shoppers' carts), 64 connections, ${seconds}s"
        wrk -t2 -c64 -d"${seconds}s" --latency -s "$data/cart-add.lua" "http://127.0.0.1:${port}" | sed -n '1,/Transfer/p; /^answers /p'
      fi
      if [ -f "$data/sold-out.lua" ]; then
        # The server's count of sold_out answers, and of those answered without reading the
        # cart (0 from a build that does not count them).
        sold_out() { curl -sf -H "Authorization: Bearer $ops_token" "http://127.0.0.1:${port}/metrics/orders" |
          python3 -c 'import json, sys; c = json.load(sys.stdin); print(c["sold_out"], c.get("sold_out_remembered", 0))'; }
        read -r before remembered_before < <(sold_out)
        echo "== wrk: the flash sale's turned-away shoppers order again after it sold out, ${flash_shoppers} connections, ${seconds}s"
        wrk -t2 -c"$flash_shoppers" -d"${seconds}s" --latency -s "$data/sold-out.lua" "http://127.0.0.1:${port}" | sed -n '1,/Transfer/p; /^answers /p'
        read -r after remembered_after < <(sold_out)
        echo "sold_out answers counted by the server: $((after - before)), of which without reading the cart: $((remembered_after - remembered_before))"
      fi
      ceiling
    fi
    kill $server; wait $server 2>/dev/null || true
    server=
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS ${db}"
    rm -rf "$data"
  done
done
