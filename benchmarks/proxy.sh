#!/usr/bin/env bash
# The front proxy: requests per second and p50/p99 latency through `slipway proxy` (the proxy `slipway serve` runs for
# each environment) against HAProxy and nginx, each in front of the same upstream (an nginx worker returning 12
# bytes), in one run: keep-alive, 64 connections, wrk with 2 threads; every proxy gets 2 threads or workers.
# Target (issue 6): at least 0.8x HAProxy's throughput, p99 within 1 ms of HAProxy's.
#
# Everything shares two cores with wrk and the upstream, so one run of a few seconds swings by 10% and its p99
# by milliseconds with the scheduler. Each target is therefore measured ROUNDS times, the order rotating every
# round, and the median of each figure is reported next to its range.
#
# Usage: benchmarks/proxy.sh [DURATION_SECONDS] [CONNECTIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" "${BENCHMARK_PACKAGES[@]}"
build_release

DURATION="${1:-8}"
CONNECTIONS="${2:-64}"
ROUNDS="${3:-7}"
WORK="$(mktemp -d /tmp/slipway-proxy-bench.XXXXXX)"
UPSTREAM_PORT=$(free_port) HAPROXY_PORT=$(free_port) NGINX_PORT=$(free_port) SLIPWAY_PORT=$(free_port)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/upstream/logs" "$WORK/nginx/logs"
cat > "$WORK/upstream.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/upstream/nginx.pid;
error_log $WORK/upstream/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { default_type text/plain; return 200 "hello world\n"; }
    }
}
CONF

cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    upstream backend { server 127.0.0.1:$UPSTREAM_PORT; keepalive 256; keepalive_requests 10000000; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
        }
    }
}
CONF

cat > "$WORK/haproxy.cfg" <<CONF
global
    nbthread 2
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
    http-reuse always
frontend fe
    bind 127.0.0.1:$HAPROXY_PORT
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    default_backend be
backend be
    server s1 127.0.0.1:$UPSTREAM_PORT
CONF

nginx -p "$WORK/upstream" -c "$WORK/upstream.conf" & PIDS+=($!)
haproxy -f "$WORK/haproxy.cfg" -db & PIDS+=($!)
nginx -p "$WORK/nginx" -c "$WORK/nginx.conf" & PIDS+=($!)
"$slipway" proxy --listen "127.0.0.1:$SLIPWAY_PORT" --upstream "127.0.0.1:$UPSTREAM_PORT" --threads 2 2>/dev/null & PIDS+=($!)

for port in $UPSTREAM_PORT $HAPROXY_PORT $NGINX_PORT $SLIPWAY_PORT; do
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done
    curl -sf -o /dev/null "http://127.0.0.1:$port/" || { echo "port $port did not come up"; exit 1; }
done

# wrk latency values come as 812.00us / 1.23ms / 1.01s; print milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else { printf "%s", v } }'
}

declare -A RPS P50 P99 ERRS
run() {
    local name="$1" port="$2"
    wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/" >/dev/null  # warm-up
    local out
    out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/")"
    RPS[$name]+="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") "
    P50[$name]+="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") "
    P99[$name]+="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") "
    ERRS[$name]+="$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' <<<"$out")"
}

# The median of a space-separated list, and its range.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%s", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

TARGETS=(upstream haproxy nginx slipway)
declare -A PORT=([upstream]=$UPSTREAM_PORT [haproxy]=$HAPROXY_PORT [nginx]=$NGINX_PORT [slipway]=$SLIPWAY_PORT)
for round in $(seq 1 "$ROUNDS"); do
    for i in "${!TARGETS[@]}"; do
        name="${TARGETS[$(( (i + round - 1) % ${#TARGETS[@]} ))]}"
        run "$name" "${PORT[$name]}"
    done
    echo "round $round of $ROUNDS done" >&2
done

printf "\n%-10s %10s %20s %8s %16s %8s %16s  %s\n" target "req/s" "(range)" "p50 ms" "(range)" "p99 ms" "(range)" errors
for name in "${TARGETS[@]}"; do
    printf "%-10s %10.0f %20s %8.3f %16s %8.3f %16s  %s\n" "$name" "$(median "${RPS[$name]}")" "($(range "${RPS[$name]}"))" \
        "$(median "${P50[$name]}")" "($(range "${P50[$name]}"))" "$(median "${P99[$name]}")" "($(range "${P99[$name]}"))" "${ERRS[$name]:-none}"
done
awk -v s="$(median "${RPS[slipway]}")" -v h="$(median "${RPS[haproxy]}")" -v n="$(median "${RPS[nginx]}")" \
    -v sp="$(median "${P99[slipway]}")" -v hp="$(median "${P99[haproxy]}")" 'BEGIN {
    printf "\nmedians of %d rounds of %d s each\n", '"$ROUNDS"', '"$DURATION"'
    printf "slipway/haproxy throughput: %.2f   slipway/nginx throughput: %.2f\n", s / h, s / n
    printf "slipway p99 - haproxy p99: %+.3f ms\n", sp - hp }'
