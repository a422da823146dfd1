#!/usr/bin/env bash
# Registry throughput: Slipway's registry against Debian's docker-registry (CNCF distribution 2.8), started
# side by side on loopback with filesystem storage, driven by the same client (benchmarks/registry_load.py).
#
# Rows: push then pull of one 1 GiB blob (1 client), and of 1,000 blobs of 1 MiB (16 concurrent clients);
# each row is run RUNS times (default 3) and the best rate kept, since loopback throughput is noisy.
# Also: the machine's sha256sum + disk write of the same 1 GiB (the floor for the 1 GiB push), and each
# server's peak resident memory (VmHWM) over the whole run.
# Targets (issue 3): Slipway at least as fast as docker-registry on every row; the 1 GiB push within 2x of
# sha256sum + disk write.
#
# Usage: benchmarks/registry.sh [BIG_MIB] [SMALL_COUNT]   (defaults 1024 and 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" "${BENCHMARK_PACKAGES[@]}"

big_mib=${1:-1024}
small_count=${2:-1000}
build_release
work=$(mktemp -d /tmp/slipway-registry-bench-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

say "Making one ${big_mib} MiB blob and ${small_count} blobs of 1 MiB"
head -c $(( big_mib << 20 )) /dev/urandom > "$work/big.bin"
mkdir -p "$work/small"
for i in $(seq 1 "$small_count"); do head -c $(( 1 << 20 )) /dev/urandom > "$work/small/$i.bin"; done

say "Starting both registries"
SLIPWAY_HOME="$work/slipway-home" "$slipway" serve --listen 127.0.0.1:0 2>"$work/slipway.log" &
pids+=($!); slipway_pid=$!
cat > "$work/distribution.yml" <<YAML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $work/distribution-root}
  delete: {enabled: true}
http: {addr: 127.0.0.1:5599}
YAML
docker-registry serve "$work/distribution.yml" >"$work/distribution.log" 2>&1 &
pids+=($!); distribution_pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/slipway.log" && curl -sf http://127.0.0.1:5599/v2/ >/dev/null && break
    sleep 0.1
done
slipway_addr=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/slipway.log" | cut -d' ' -f3)
distribution_addr=127.0.0.1:5599

declare -A mibs
runs=${RUNS:-3}
run_row() {  # run_row NAME ADDRESS OPERATION CLIENTS FILES…: the best of $runs runs
    local name=$1 address=$2 operation=$3 clients=$4; shift 4
    local line best=0 rates=()
    for _ in $(seq 1 "$runs"); do
        line=$(python3 benchmarks/registry_load.py "$address" "bench/$name" "$operation" "$@" --clients "$clients")
        rate=$(echo "$line" | awk '{print $5}')
        rates+=("$rate")
        best=$(awk -v a="$best" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
    done
    mibs[$name.$operation]=$best
    echo "  $name $operation: $(echo "$line" | awk '{printf "%d blob(s)", $2}'), MiB/s per run: ${rates[*]} (best $best)"
}

say "Floor for the big blob: sha256sum, and a write of it to disk"
floor_hash=$( { /usr/bin/time -f %e sha256sum "$work/big.bin" >/dev/null; } 2>&1 )
floor_write=$( { /usr/bin/time -f %e sh -c "cat '$work/big.bin' > '$work/copy.bin' && sync '$work/copy.bin'"; } 2>&1 )
rm -f "$work/copy.bin"
floor_seconds=$(awk -v a="$floor_hash" -v b="$floor_write" 'BEGIN { printf "%.2f", a + b }')
echo "  sha256sum ${floor_hash} s + disk write ${floor_write} s = ${floor_seconds} s"

for row in big small; do
    if [ "$row" = big ]; then files=("$work/big.bin"); clients=1; else files=("$work/small/"*.bin); clients=16; fi
    say "Row: $row ($clients client(s))"
    for name in slipway distribution; do
        address=$([ "$name" = slipway ] && echo "$slipway_addr" || echo "$distribution_addr")
        run_row "$name-$row" "$address" push "$clients" "${files[@]}"
        run_row "$name-$row" "$address" pull "$clients" "${files[@]}"
    done
done

peak() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
slipway_peak=$(peak "$slipway_pid"); distribution_peak=$(peak "$distribution_pid")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '\n%-26s %14s %18s %10s\n' "row" "slipway MiB/s" "distribution MiB/s" "ratio"
for row in big small; do
    for operation in push pull; do
        s=${mibs[slipway-$row.$operation]}; d=${mibs[distribution-$row.$operation]}
        printf '%-26s %14s %18s %10s\n' "$row $operation" "$s" "$d" "$(ratio "$s" "$d")"
    done
done
big_push_seconds=$(awk -v mib="$big_mib" -v rate="${mibs[slipway-big.push]}" 'BEGIN { printf "%.2f", mib / rate }')
echo
echo "${big_mib} MiB push: slipway ${big_push_seconds} s vs sha256sum + disk write ${floor_seconds} s: $(ratio "$big_push_seconds" "$floor_seconds")x"
echo "peak resident memory: slipway ${slipway_peak} MiB, docker-registry ${distribution_peak} MiB"
