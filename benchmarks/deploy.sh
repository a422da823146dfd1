#!/usr/bin/env bash
# Deploy time: from `run-deploy-and-cleanup` to "New cluster … is live" for the example app (busybox httpd) with
# 2 servers, through real dockerd, RUNS times (default 5), alternating two images so each deploy starts a new
# cluster and switches to it. The cleanup delay is excluded (the clock stops at "is live").
# Target (issue 6): under 3 seconds.
#
# Usage: benchmarks/deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"
build_release
start_dockerd

runs=${RUNS:-5}
work=$(mktemp -d /tmp/slipway-deploy-bench-XXXXXX)
app="bench$RANDOM"
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
    docker ps -aq --filter "label=slipway.app=$app" | xargs -r docker rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

proxy_port=$(free_port)
cat > "$work/slipway.yml" <<YAML
app: $app
environments:
  production:
    replicas: 2
    port: 8080
    listen: "127.0.0.1:$proxy_port"
    health: {path: /healthz, interval: 100ms, timeout: 2s, deadline: 30s}
    cleanup_delay: 1s
YAML
export SLIPWAY_HOME="$work/home"
"$slipway" serve --listen 127.0.0.1:0 --config "$work/slipway.yml" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "deploys: ready" "$work/serve.log" && break; sleep 0.1; done
registry=$(grep -o 'registry listening on 127.0.0.1:[0-9]*' "$work/serve.log" | cut -d' ' -f4)

say "Pushing two versions of the example app to $registry"
for version in 1 2; do
    root="$work/rootfs$version"
    mkdir -p "$root/bin" "$root/www"
    cp /bin/busybox "$root/bin/"
    echo "version $version" > "$root/www/index.html"
    echo ok > "$root/www/healthz"
    commit=$(printf '%040d' "$version")
    "$slipway" image import-rootfs "$root" --output "oci:$work/layout:v$version" --expose 8080 \
        --label "org.opencontainers.image.revision=$commit" --label slipway.git.branch=main \
        --cmd /bin/busybox --cmd httpd --cmd -f --cmd -p --cmd 8080 --cmd -h --cmd /www >/dev/null 2>&1
    SLIPWAY_HOME="$work/client" "$slipway" image copy "oci:$work/layout:v$version" "docker://$registry/$app:$commit" >/dev/null 2>&1
done

say "Deploying $runs times"
times=()
for run in $(seq 1 "$runs"); do
    version=$(( (run - 1) % 2 + 1 ))
    "$slipway" tag-by-commit "$(printf '%040d' "$version")" production --config "$work/slipway.yml" >/dev/null
    start=$(date +%s.%N)
    live=
    while IFS= read -r line; do
        if [ -z "$live" ] && [[ "$line" == *"is live"* ]]; then live=$(date +%s.%N); fi
    done < <("$slipway" run-deploy-and-cleanup --config "$work/slipway.yml" 2>&1)
    [ -n "$live" ] || { echo "deploy $run did not go live"; cat "$work/serve.log"; exit 1; }
    body=$(curl -s "http://127.0.0.1:$proxy_port/")
    [ "$body" = "version $version" ] || { echo "deploy $run: the proxy answered '$body'"; exit 1; }
    seconds=$(awk -v a="$start" -v b="$live" 'BEGIN { printf "%.2f", b - a }')
    times+=("$seconds")
    echo "  deploy $run (version $version): $seconds s to live"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo
echo "run-deploy-and-cleanup to 'is live', 2 servers: median $(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s, worst $(echo "$sorted" | tail -1) s (target < 3 s)"
