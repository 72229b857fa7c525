#!/usr/bin/env bash
# A throwaway 3-node Redis Cluster on loopback for the tests (no persistence).
#   redis-cluster.sh start DIR   starts it, prints MEIDUO_TEST_REDIS_CLUSTER_URL's value
#   redis-cluster.sh stop DIR    stops it and removes DIR
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a directory}

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
  start)
    command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
    mkdir -p "$dir"
    base=7100
    # Three free ports, and their cluster bus ports (+10000).
    while busy "$base" || busy $((base + 1)) || busy $((base + 2)) \
      || busy $((base + 10000)) || busy $((base + 10001)) || busy $((base + 10002)); do
      base=$((base + 10))
      [ "$base" -lt 7300 ] || { echo "no free ports for a Redis Cluster" >&2; exit 1; }
    done
    urls=()
    for port in "$base" $((base + 1)) $((base + 2)); do
      mkdir -p "$dir/$port"
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "$dir/$port/nodes.conf" --dir "$dir/$port" \
        --save "" --appendonly no --daemonize yes --pidfile "$dir/$port/pid" --logfile "$dir/$port/log"
      urls+=("redis://127.0.0.1:$port")
    done
    for port in "$base" $((base + 1)) $((base + 2)); do
      for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create 127.0.0.1:"$base" 127.0.0.1:$((base + 1)) 127.0.0.1:$((base + 2)) \
      --cluster-replicas 0 --cluster-yes >/dev/null
    for _ in $(seq 100); do
      redis-cli -p "$base" cluster info | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -p "$base" cluster info | grep -q 'cluster_state:ok' || { echo "the cluster did not form" >&2; exit 1; }
    (IFS=,; echo "${urls[*]}")
    ;;
  stop)
    pids=()
    for pidfile in "$dir"/*/pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null && pids+=("$pid")
    done
    # A node writes its nodes.conf as it shuts down: wait for every node to be gone before the
    # directory is removed (removing it under a node that is still writing fails).
    for pid in "${pids[@]}"; do
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    done
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
