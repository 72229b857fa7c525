#!/usr/bin/env bash
# Reproduces docs/performance.md's search figures: a generated catalog of 100,000 SKUs on SQLite
# and on MariaDB (root, no password, on its default port), the search index against the
# database's LIKE match, 16 concurrent searches for 10 seconds each way.
#   bash tests/bench-search.sh [skus] [seconds] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
skus=${1:-100000}
seconds=${2:-10}
clients=${3:-16}
mysql=${BENCH_MYSQL:-mysql://root@127.0.0.1:3306}
cargo build --release -p meiduo-loadgen --bin meiduo-search-bench
bench=./target/release/meiduo-search-bench
work=$(mktemp -d)
db=meiduo_search_bench
trap 'rm -rf "$work"; mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true' EXIT
echo "== SQLite"
"$bench" --database-url "sqlite://$work/search.db?mode=rwc" --skus "$skus" --seconds "$seconds" --clients "$clients"
echo "== MariaDB"
mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
"$bench" --database-url "$mysql/$db" --skus "$skus" --seconds "$seconds" --clients "$clients"
