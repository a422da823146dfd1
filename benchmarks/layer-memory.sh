#!/usr/bin/env bash
# Layer memory and speed: Slipway against GNU tar + gzip on the same 1 GiB tree, in one run.
#
# Writing: `slipway image import-rootfs` (tar, gzip -6, two digests, into an OCI layout)
#     vs   `tar -cf - | gzip -6 > layer.tar.gz`
# Reading: `slipway image unpack` (digest-verified, gunzip, safe extraction)
#     vs   `gzip -dc layer.tar.gz | tar -xf -`
# Prints wall time and peak resident memory (GNU time's "Maximum resident set size") of each, and the ratios.
# The target (issue 2): Slipway stays under 64 MiB resident while reading or writing a 1 GiB layer.
#
# Usage: benchmarks/layer-memory.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"

size_mib=${1:-1024}
build_release
work=$(mktemp -d /tmp/slipway-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

# A tree like an application image's: many files, half of the bytes compressible text, half random.
say "Making a ${size_mib} MiB tree in $work/tree"
mkdir -p "$work/tree"
files=$(( size_mib / 16 ))
for i in $(seq 1 "$files"); do
    d="$work/tree/dir$(( i % 8 ))"
    mkdir -p "$d"
    if (( i % 2 )); then
        head -c $(( 16 << 20 )) /dev/urandom > "$d/blob$i.bin"
    else
        head -c $(( 16 << 20 )) < <(yes "line $i of a log file that compresses well, as source code and assets do") > "$d/text$i.txt"
    fi
done

# measure NAME COMMAND…: runs it under GNU time; records seconds and peak KiB.
declare -A seconds rss
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || {
        cat "$work/err.$name"; exit 1; }
    read -r seconds[$name] rss[$name] < "$work/time.$name"
}

say "Writing the layer"
measure slipway_write "$slipway" image import-rootfs "$work/tree" --output "oci:$work/layout:bench"
measure peer_write sh -c "tar -cf - -C '$work/tree' . | gzip -6 > '$work/peer.tar.gz'"
say "Reading the layer"
measure slipway_read "$slipway" image unpack "oci:$work/layout:bench" "$work/slipway-out"
mkdir -p "$work/peer-out"
measure peer_read sh -c "gzip -dc '$work/peer.tar.gz' | tar -xf - -C '$work/peer-out'"
diff -rq "$work/tree" "$work/slipway-out" >/dev/null && echo "slipway's unpacked tree matches the original"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
printf '\n%-8s %-26s %10s %14s\n' "step" "tool" "seconds" "peak RSS MiB"
for step in write read; do
    for tool in slipway peer; do
        label=$([ "$tool" = slipway ] && echo "slipway" || echo "GNU tar + gzip")
        k="${tool}_${step}"
        printf '%-8s %-26s %10s %14s\n' "$step" "$label" "${seconds[$k]}" "$(( ${rss[$k]} / 1024 ))"
    done
    printf '%-8s %-26s %10s %14s\n' "$step" "ratio slipway/peer" \
        "$(ratio "${seconds[slipway_$step]}" "${seconds[peer_$step]}")" "$(ratio "${rss[slipway_$step]}" "${rss[peer_$step]}")"
done
for step in write read; do
    mib=$(( ${rss[slipway_$step]} / 1024 ))
    if (( mib < 64 )); then echo "target met: slipway $step of ${size_mib} MiB peaked at ${mib} MiB (< 64 MiB)"
    else echo "TARGET MISSED: slipway $step of ${size_mib} MiB peaked at ${mib} MiB (>= 64 MiB)"; fi
done
