#!/usr/bin/env bash
# Push to image: `git push` to Slipway's built-in remote until the image is in the registry and scanned (its scan
# shows in list-images), against a Dokku-style remote whose pre-receive hook runs `docker build` (dockerd's classic
# builder; Debian's docker.io has no buildx, so BuildKit is not available), `docker push` to the same registry and
# `slipway scan` of the pushed image. The app: Debian bookworm minbase (88 packages) from the local registry, the
# app's files copied in, one RUN. Each run pushes a new commit (one file changed). Cold: no builder state and no
# local images (the base is pulled again); warm: caches kept. Median of RUNS (default 5). Target (issue 7): warm
# under 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" debootstrap bc
runs=${RUNS:-5}
shared=${SLIPWAY_SHARED:-$(cd .. && pwd)/shared}
[ -d "$shared/vulndata/osv" ] || { echo "no OSV data at $shared/vulndata/osv (set SLIPWAY_SHARED)" >&2; exit 1; }
build_release
start_dockerd
ensure_minbase
work=$(mktemp -d /tmp/slipway-pipeline-bench-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    docker images -q "127.0.0.1:$port/peer" 2>/dev/null | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export SLIPWAY_HOME="$work/home"
mkdir -p "$SLIPWAY_HOME"

say "The vulnerability database (all of $shared/vulndata/osv)"
"$slipway" vulndb import "$shared/vulndata/osv" >/dev/null 2>&1

port=$(free_port)
registry="127.0.0.1:$port"
cat >"$work/slipway.yml" <<YAML
app: hello
YAML
"$slipway" serve --listen "$registry" --config "$work/slipway.yml" 2>"$work/serve.log" & pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
"$slipway" image import-rootfs "$minbase" --output "oci:$work/bases:debian" >/dev/null 2>&1
SLIPWAY_HOME="$work/client" "$slipway" image copy "oci:$work/bases:debian" "docker://$registry/library/debian:bookworm" >/dev/null 2>&1

say "The app's repository"
mkdir -p "$work/app/app/static"
cd "$work/app"
git init -q -b main
for i in $(seq 1 50); do printf '<html><body>page %s</body></html>\n' "$i" >"app/static/page-$i.html"; done
printf 'print "hello\\n";\n' >app/main.pl
cat >Dockerfile <<DOCKERFILE
FROM $registry/library/debian:bookworm
COPY app/ /app/
RUN cd /app && find . -type f | sort | xargs sha256sum > /app/SUMS
CMD ["perl", "/app/main.pl"]
DOCKERFILE
git add . && git -c user.email=bench@example.com -c user.name=Bench commit -qm "first"
cd - >/dev/null

"$slipway" remote create hello >/dev/null 2>&1
git -C "$work/app" remote add slipway "$SLIPWAY_HOME/git/remotes/hello.git"

# The peer: a bare repository whose pre-receive hook builds with docker, pushes, and scans.
git init -q --bare "$work/peer.git"
cat >"$work/peer.git/hooks/pre-receive" <<HOOK
#!/bin/sh
set -e
while read old new ref; do
    tree=\$(mktemp -d)
    GIT_INDEX_FILE=\$tree.index git --work-tree="\$tree" checkout -f "\$new" -- .
    docker build -q -t "$registry/peer:\$new" "\$tree" >/dev/null
    docker push -q "$registry/peer:\$new" >/dev/null
    SLIPWAY_HOME="$SLIPWAY_HOME" "$slipway" scan "docker://$registry/peer:\$new" --format json >/dev/null
    rm -rf "\$tree" "\$tree.index"
done
HOOK
chmod +x "$work/peer.git/hooks/pre-receive"
git -C "$work/app" remote add peer "$work/peer.git"

commit_change() {
    printf 'changed at %s\n' "$(date +%s%N)" >"$work/app/app/static/version.txt"
    git -C "$work/app" add -A
    git -C "$work/app" -c user.email=bench@example.com -c user.name=Bench commit -qm "change"
    git -C "$work/app" rev-parse HEAD
}

# Seconds from `git push` until list-images shows the commit's image with a scan.
slipway_push() {
    local commit start
    commit=$(commit_change)
    start=$(date +%s.%N)
    git -C "$work/app" push -q slipway HEAD:main >/dev/null 2>&1 || { echo "slipway push failed" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
    until "$slipway" list-images --json --config "$work/slipway.yml" 2>/dev/null \
        | python3 -c "import json,sys; sys.exit(0 if any(i.get('revision')=='$commit' and i.get('scan') for i in json.load(sys.stdin)) else 1)"; do
        sleep 0.05
    done
    echo "$(date +%s.%N) - $start" | bc
}

peer_push() {
    local start
    commit_change >/dev/null
    start=$(date +%s.%N)
    git -C "$work/app" push -q peer HEAD:main >/dev/null 2>&1 || { echo "peer push failed" >&2; exit 1; }
    echo "$(date +%s.%N) - $start" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

cold_slipway() { rm -rf "$SLIPWAY_HOME/builder"; slipway_push; }
cold_peer() {
    docker images -q "$registry/peer" | xargs -r docker rmi -f >/dev/null 2>&1 || true
    docker rmi -f "$registry/library/debian:bookworm" >/dev/null 2>&1 || true
    docker builder prune -af >/dev/null 2>&1 || true
    peer_push
}

say "Cold: $runs pushes each"
slipway_cold=$(for _ in $(seq 1 "$runs"); do cold_slipway; done | median)
peer_cold=$(for _ in $(seq 1 "$runs"); do cold_peer; done | median)
say "Warm: $runs pushes each"
slipway_push >/dev/null; peer_push >/dev/null   # caches filled
slipway_warm=$(for _ in $(seq 1 "$runs"); do slipway_push; done | median)
peer_warm=$(for _ in $(seq 1 "$runs"); do peer_push; done | median)

say "Push to scanned image, median of $runs (seconds)"
printf '%-6s %10s %28s %8s\n' "" "slipway" "docker build+push+scan hook" "ratio"
printf '%-6s %10.2f %28.2f %7.2fx\n' cold "$slipway_cold" "$peer_cold" "$(echo "$slipway_cold / $peer_cold" | bc -l)"
printf '%-6s %10.2f %28.2f %7.2fx\n' warm "$slipway_warm" "$peer_warm" "$(echo "$slipway_warm / $peer_warm" | bc -l)"
echo "target: warm under 5 s -> $(echo "$slipway_warm < 5" | bc -l | sed 's/1/met/;s/0/missed/')"
