#!/usr/bin/env bash
# Scanner: `slipway scan` of a Debian bookworm minbase image (from debootstrap) and of the same image with a Python
# and Node application layer on top, against the whole OSV data in ../shared/vulndata, cold (inventory read from
# the layers) and warm (inventory cached by digest). Median of RUNS (default 5) each.
# Targets (issue 5): minbase under 1 s warm, under 3 s cold.
#
# Trivy and Grype, the peers, are not Debian packages and need their own databases from the internet, so they
# cannot run here; the numbers are Slipway's alone, against the issue's absolute targets.
#
# Usage: benchmarks/scan.sh     (the minbase tree is cached in /var/cache/slipway-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" debootstrap bc
runs=${RUNS:-5}
build_release
work=$(mktemp -d /tmp/slipway-scan-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
shared=${SLIPWAY_SHARED:-$(cd .. && pwd)/shared}

ensure_minbase

say "Making the images"
"$slipway" image import-rootfs "$minbase" --output "oci:$work/minbase:bookworm" >/dev/null
# The application layer: real Python distributions installed by pip (old, vulnerable versions), and npm packages'
# manifests (the npm registry is out of reach here) under node_modules.
mkdir -p "$work/app/usr/local/lib/python3.11/site-packages" "$work/app/srv/app/node_modules"
python3 -m pip install --quiet --no-deps --target "$work/app/usr/local/lib/python3.11/site-packages" \
    requests==2.19.0 urllib3==1.24.1 jinja2==2.10 django==2.2.0 pyyaml==5.3 flask==0.12.2 werkzeug==0.15.0 \
    >"$work/pip.log" 2>&1 || { tail -5 "$work/pip.log"; exit 1; }
for package in lodash@4.17.15 minimist@1.2.5 express@4.17.1 moment@2.29.1 node-fetch@2.6.0 ws@5.2.0 \
               json5@2.1.0 semver@7.3.5 tough-cookie@4.0.0 jsonwebtoken@8.5.1 braces@2.3.2 minimatch@3.0.4; do
    name=${package%@*}; version=${package#*@}
    mkdir -p "$work/app/srv/app/node_modules/$name"
    printf '{"name": "%s", "version": "%s"}\n' "$name" "$version" >"$work/app/srv/app/node_modules/$name/package.json"
done
mkdir -p "$work/full"; cp -a "$minbase/." "$work/full/"; cp -a "$work/app/." "$work/full/"
"$slipway" image import-rootfs "$work/full" --output "oci:$work/app-image:app" >/dev/null
echo "minbase: $(du -sh "$minbase" | cut -f1) on disk; with the app layer: $(du -sh "$work/full" | cut -f1)"

say "Importing the OSV data ($shared/vulndata/osv)"
start=$(date +%s.%N)
"$slipway" vulndb import "$shared/vulndata/osv" --database "$work/vulndb.sqlite" | tail -1 >/dev/null
end=$(date +%s.%N)
printf 'import of every record: %.1f s\n' "$(echo "$end - $start" | bc)"

# time_scan HOME REF: seconds for one scan.
time_scan() {
    local start end
    start=$(date +%s.%N)
    SLIPWAY_HOME="$1" SLIPWAY_VULNDB="$work/vulndb.sqlite" "$slipway" scan "$2" --format json >"$work/out.json" 2>/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for image in "oci:$work/minbase:bookworm" "oci:$work/app-image:app"; do
    cold=(); warm=()
    for run in $(seq 1 "$runs"); do
        home="$work/home-$run"; rm -rf "$home"
        cold+=("$(time_scan "$home" "$image")")
        warm+=("$(time_scan "$home" "$image")")
    done
    findings=$(python3 -c "import json,sys; r=json.load(open('$work/out.json')); print(len(r['packages']), 'packages,', len(r['findings']), 'findings')")
    printf '%-40s %s\n' "${image##*/}" "$findings"
    printf '  cold: median %.2f s (%s)\n' "$(printf '%s\n' "${cold[@]}" | median)" "${cold[*]}"
    printf '  warm: median %.2f s (%s)\n' "$(printf '%s\n' "${warm[@]}" | median)" "${warm[*]}"
done
echo "targets: minbase warm < 1 s, cold < 3 s"
