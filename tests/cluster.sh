#!/usr/bin/env bash
# The shop as several replicas on a clustered database: on loopback, a three-node MariaDB
# Galera cluster (multi-primary; state transfer by mariabackup), a three-node Redis Cluster
# (tests/redis-cluster.sh), three `meiduo` replicas sharing one MEIDUO_SECRET, each on its own
# database node, and haproxy round-robin in front. Through haproxy: the shopper's path, then the
# no-oversell race — ORDERS concurrent orders (default 500) for a stock of 100, spread over the
# replicas and the database nodes. Passes when exactly 100 orders are placed, stock and sales
# are conserved on every node, and no answer is a 5xx.
# Needs Debian's galera-4 (with MariaDB), mariadb-backup, socat, haproxy and redis-server;
# installs the missing ones. MEIDUO_BINARY: the server (default target/debug/meiduo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
orders=${ORDERS:-500}
shoppers=${SHOPPERS:-100}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 2
  pkill -f "$work/node" 2>/dev/null || true
  bash tests/redis-cluster.sh stop "$work/redis" >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  # The logs stay for a look (CLUSTER_LOGS, default a directory under /tmp).
  mkdir -p "${CLUSTER_LOGS:=/tmp/meiduo-cluster-logs}"
  cp "$work"/*.log "$work"/node*/error.log "$CLUSTER_LOGS/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for tool in mariabackup:mariadb-backup socat:socat haproxy:haproxy; do
  command -v "${tool%%:*}" >/dev/null || apt-get install -y -q "${tool#*:}" >/dev/null
done
[ -f /usr/lib/galera/libgalera_smm.so ] || apt-get install -y -q galera-4 >/dev/null
binary="${MEIDUO_BINARY:-target/debug/meiduo}"
[ -x "$binary" ] || cargo build --quiet --bin meiduo
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "== a three-node Galera cluster"
gport=$(( (RANDOM % 2000) + 20000 ))
node() {
  local n=$1; shift
  local base="$work/node$n"
  mariadbd --no-defaults --user=root --datadir="$base/data" --socket="$base/mysqld.sock" \
    --pid-file="$base/mysqld.pid" --port=$((gport + n)) --bind-address=127.0.0.1 \
    --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
    --skip-name-resolve --max-connections=300 \
    --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-name=meiduo --wsrep-node-name="node$n" \
    --wsrep-cluster-address="gcomm://127.0.0.1:$((gport + 11)),127.0.0.1:$((gport + 12)),127.0.0.1:$((gport + 13))" \
    --wsrep-node-address="127.0.0.1:$((gport + 10 + n))" \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$((gport + 10 + n));ist.recv_addr=127.0.0.1:$((gport + 20 + n));gcache.size=64M" \
    --wsrep-sst-method=mariabackup --wsrep-sst-auth=root: \
    --wsrep-sst-receive-address="127.0.0.1:$((gport + 30 + n))" \
    --log-error="$base/error.log" "$@" &
  pids+=($!)
}
sql() { mariadb -h127.0.0.1 -P$((gport + $1)) -uroot -N -e "$2"; }
cluster_size() { sql "$1" "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2; }
synced() { [ "$(sql "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = "Synced" ]; }
for n in 1 2 3; do
  mkdir -p "$work/node$n"
  mariadb-install-db --no-defaults --datadir="$work/node$n/data" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$work/node$n/install.log" 2>&1
done
node 1 --wsrep-new-cluster
for _ in $(seq 120); do [ "$(cluster_size 1)" = "1" ] && break; sleep 0.5; done
for n in 2 3; do
  node "$n"
  # A member counts in the cluster's size while its state transfer runs: wait until it is
  # synced and answers on its own port.
  for _ in $(seq 240); do synced "$n" && break; sleep 0.5; done
done
[ "$(cluster_size 1)" = "3" ] || { tail -n 20 "$work"/node*/error.log; echo "Galera did not form" >&2; exit 1; }
sql 1 "CREATE DATABASE meiduo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
echo "Galera: 3 nodes on ports $((gport + 1))-$((gport + 3))"

echo "== a three-node Redis Cluster"
redis_url=$(bash tests/redis-cluster.sh start "$work/redis")
echo "Redis Cluster: $redis_url"

echo "== three replicas, one per database node, and haproxy"
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
ports=()
replica() {
  local n=$1 port=$2; shift 2
  MEIDUO_DATA_DIR="$work/replica$n" MEIDUO_LISTEN="127.0.0.1:$port" MEIDUO_SECRET="$secret" \
    MEIDUO_DATABASE_URL="mysql://root@127.0.0.1:$((gport + n))/meiduo" \
    MEIDUO_DATABASE_MAX_CONNECTIONS=16 MEIDUO_OPS_TOKEN=cluster-ops \
    MEIDUO_MAX_TRANSACTION_ATTEMPTS="${MAX_TRANSACTION_ATTEMPTS:-24}" \
    MEIDUO_REDIS_URL="$redis_url" MEIDUO_REDIS_CLUSTER=true \
    MEIDUO_PAYMENT_GATEWAY=sandbox MEIDUO_QQ_PROVIDER=sandbox MEIDUO_PAYMENT_EXPIRY_INTERVAL=0s \
    MEIDUO_ACCOUNTS_SMS_CAPTCHA=false MEIDUO_TRUST_FORWARDED=true MEIDUO_LOG_FORMAT=json \
    "$@" "$binary" serve >"$work/replica$n.log" 2>&1 &
  pids+=($!)
}
ready() { curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null; }
for n in 1 2 3; do ports+=("$(free_port)"); done
# The first migrates and loads the demo catalog; the others start once it is ready.
replica 1 "${ports[0]}" env MEIDUO_MIGRATE_ON_START=true MEIDUO_SEED_ON_START=true
for _ in $(seq 600); do ready "${ports[0]}" && break; sleep 0.2; done
ready "${ports[0]}" || { tail -n 20 "$work/replica1.log"; exit 1; }
replica 2 "${ports[1]}" env MEIDUO_MIGRATE_ON_START=false MEIDUO_SEED_ON_START=false
replica 3 "${ports[2]}" env MEIDUO_MIGRATE_ON_START=false MEIDUO_SEED_ON_START=false
for p in "${ports[1]}" "${ports[2]}"; do
  for _ in $(seq 300); do ready "$p" && break; sleep 0.2; done
  ready "$p" || { tail -n 20 "$work"/replica*.log; exit 1; }
done
proxy_port=$(free_port)
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 3s
  timeout client 60s
  timeout server 60s
  option forwardfor
frontend shop
  bind 127.0.0.1:$proxy_port
  default_backend meiduo
backend meiduo
  balance roundrobin
  option httpchk GET /health/ready
  default-server inter 1s fall 2 rise 1
  server r1 127.0.0.1:${ports[0]} check
  server r2 127.0.0.1:${ports[1]} check
  server r3 127.0.0.1:${ports[2]} check
CFG
haproxy -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$proxy_port"
for _ in $(seq 100); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.2; done
echo "haproxy: $base over replicas on ${ports[*]}"

echo "== $shoppers shoppers (made as the admin CLI makes accounts)"
seq "$shoppers" | xargs -P 4 -I{} sh -c "
  MEIDUO_DATABASE_URL='mysql://root@127.0.0.1:$((gport + 1))/meiduo' MEIDUO_DATA_DIR='$work/cli' \
  MEIDUO_PAYMENT_GATEWAY=sandbox MEIDUO_QQ_PROVIDER=sandbox MEIDUO_ADMIN_PASSWORD=cluster-pass-1 \
  '$binary' admin create --username cluster_shopper{} --mobile \$(printf '139%08d' {}) \
    --permission view_user >/dev/null 2>&1"
sql 2 "SELECT COUNT(*) FROM meiduo.tb_users WHERE username LIKE 'cluster_shopper%'"

echo "== the race: $orders orders for a stock of 100 of SKU 3, through haproxy"
sql 3 "UPDATE meiduo.tb_sku SET stock = 100 WHERE id = 3"
sales_before=$(sql 2 "SELECT sales FROM meiduo.tb_sku WHERE id = 3")
python3 - "$base" "$shoppers" "$orders" "$work/race.json" <<'PY'
import json, sys, threading, urllib.request, urllib.error
base, shoppers, orders, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": "JWT " + token} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
sessions = []
for n in range(1, shoppers + 1):
    status, body = call("POST", "/authorizations/", {"username": f"cluster_shopper{n}", "password": "cluster-pass-1"})
    assert status == 200, (status, body)
    token = body["token"]
    status, address = call("POST", "/addresses/", {"receiver": f"buyer {n}", "province_id": 110000,
        "city_id": 110100, "district_id": 110101, "place": "长安街 1 号", "mobile": "13800138000",
        "title": "家"}, token)
    assert status == 201, (status, address)
    sessions.append((token, address["id"]))
# The shopper's path once, end to end: cart, settlement, order, its detail.
token, address = sessions[0]
assert call("POST", "/carts/", {"sku_id": 1, "count": 1}, token)[0] == 201
status, settlement = call("GET", "/orders/settlement/", None, token)
assert status == 200 and settlement["skus"][0]["id"] == 1, settlement
status, placed = call("POST", "/orders/", {"address": address, "pay_method": 1}, token)
assert status == 201, placed
status, detail = call("GET", f"/orders/{placed['order_id']}/", None, token)
assert status == 200 and detail["skus"][0]["count"] == 1, detail
results = {"placed": 0, "refused": 0, "server_errors": 0, "other": {}}
lock = threading.Lock()
start = threading.Barrier(shoppers)
def shopper(index):
    token, address = sessions[index]
    start.wait()
    for _ in range(orders // shoppers):
        call("DELETE", "/carts/", {"sku_id": 3}, token)
        added, _ = call("POST", "/carts/", {"sku_id": 3, "count": 1}, token)
        status, body = call("POST", "/orders/", {"address": address, "pay_method": 1}, token)
        with lock:
            if added >= 500 or status >= 500:
                results["server_errors"] += 1
            if status == 201:
                results["placed"] += 1
            elif status == 400:
                results["refused"] += 1
            else:
                results["other"][str(status)] = results["other"].get(str(status), 0) + 1
threads = [threading.Thread(target=shopper, args=(i,)) for i in range(shoppers)]
[t.start() for t in threads]
[t.join() for t in threads]
json.dump(results, open(out, "w"))
print(json.dumps(results))
PY
placed=$(python3 -c "import json; print(json.load(open('$work/race.json'))['placed'])")
errors=$(python3 -c "import json; print(json.load(open('$work/race.json'))['server_errors'])")
echo "orders placed: $placed (wanted 100); 5xx answers: $errors"
status=0
[ "$placed" = "100" ] || { echo "FAIL: $placed orders for a stock of 100" >&2; status=1; }
[ "$errors" = "0" ] || { echo "FAIL: $errors server errors" >&2; status=1; }
for n in 1 2 3; do
  row=$(sql "$n" "SELECT stock, sales FROM meiduo.tb_sku WHERE id = 3")
  lines=$(sql "$n" "SELECT COALESCE(SUM(g.count), 0) FROM meiduo.tb_order_goods g WHERE g.sku_id = 3")
  empty=$(sql "$n" "SELECT COUNT(*) FROM meiduo.tb_order_info o WHERE NOT EXISTS (SELECT 1 FROM meiduo.tb_order_goods g WHERE g.order_id = o.order_id)")
  echo "node $n: stock, sales = $(echo $row); units in order lines = $lines; orders without lines = $empty"
  [ "$(echo $row)" = "0 $((sales_before + 100))" ] || { echo "FAIL: node $n's stock or sales" >&2; status=1; }
  [ "$lines" = "100" ] || { echo "FAIL: node $n holds $lines units in order lines" >&2; status=1; }
  [ "$empty" = "0" ] || { echo "FAIL: node $n has half orders" >&2; status=1; }
done
for n in 1 2 3; do
  retries=$(curl -s -H 'Authorization: Bearer cluster-ops' "http://127.0.0.1:${ports[$((n - 1))]}/metrics/orders")
  echo "replica $n: $retries"
done
grep -h '"level":"ERROR"' "$work"/replica*.log | head -5 || true
[ "$status" = 0 ] && echo "== the cluster behaves as one shop"
exit "$status"
