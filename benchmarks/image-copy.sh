#!/usr/bin/env bash
# Image copy: `slipway image copy` against `skopeo copy`, registry to registry, in one run.
#
# A ~500 MiB image of 5 layers sits in a source registry (Slipway's); each tool copies it into a fresh
# docker-registry of its own (so neither finds blobs already there), RUNS times (default 3); the best time
# of each is printed with the ratio. Target (issue 4): slipway at most 0.8x skopeo's time.
#
# Usage: benchmarks/image-copy.sh [LAYERS] [LAYER_MIB]   (defaults 5 and 100)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" "${BENCHMARK_PACKAGES[@]}"

layers=${1:-5}
layer_mib=${2:-100}
runs=${RUNS:-3}
build_release
work=$(mktemp -d /tmp/slipway-copy-bench-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT


say "Making a $layers-layer image of ${layer_mib} MiB layers"
python3 benchmarks/make_layout.py "$work/layout" bench "$layers" "$layer_mib" >/dev/null
SLIPWAY_HOME="$work/source-home" "$slipway" serve --listen 127.0.0.1:0 2>"$work/source.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/source.log" && break; sleep 0.1; done
source_addr=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/source.log" | cut -d' ' -f3)
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:bench" "docker://$source_addr/bench/app:v1"
echo "source registry $source_addr holds $(du -sh "$work/layout/blobs" | cut -f1) of blobs"

# fresh_registry: starts an empty docker-registry; prints its address.
fresh_registry() {
    local port dir
    port=$(free_port); dir="$work/dest-$port"
    mkdir -p "$dir"
    printf 'version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: %s}\nhttp: {addr: 127.0.0.1:%s}\n' \
        "$dir/storage" "$port" > "$dir/config.yml"
    docker-registry serve "$dir/config.yml" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
    echo "127.0.0.1:$port"
}

declare -A best
measure() {  # measure NAME COMMAND… (the command's last argument is the destination, filled in per run)
    local name=$1; shift
    local times=()
    for _ in $(seq 1 "$runs"); do
        local dest seconds
        dest=$(fresh_registry)
        /usr/bin/time -f %e -o "$work/time" "$@" "docker://$dest/bench/app:v1" >/dev/null 2>"$work/err" || {
            cat "$work/err"; exit 1; }
        seconds=$(tail -1 "$work/time")
        times+=("$seconds")
    done
    best[$name]=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
    echo "  $name: seconds per run: ${times[*]} (best ${best[$name]})"
}

say "Copying registry to registry"
measure slipway "$slipway" image copy "docker://$source_addr/bench/app:v1"
measure skopeo skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$source_addr/bench/app:v1"

ratio=$(awk -v a="${best[slipway]}" -v b="${best[skopeo]}" 'BEGIN { printf "%.2f", a / b }')
echo
echo "slipway image copy ${best[slipway]} s, skopeo copy ${best[skopeo]} s: ratio ${ratio} (target <= 0.80)"
