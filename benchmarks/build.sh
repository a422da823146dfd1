#!/usr/bin/env bash
# Builder: `slipway build` against `buildah bud` (Debian's buildah, --isolation chroot, overlay storage) on the same
# three Dockerfiles, in one run: a small static site on busybox, a multi-stage build (a Debian stage that generates
# the site with perl, copied into busybox), and a Debian bookworm minbase image with several RUN steps that need no
# network. Cold: empty builder state and storage (base images pulled from a local registry). Warm: one source file
# changed, cache on (buildah --layers). Median of RUNS (default 3). Targets (issue 9): cold <= 1.0x buildah,
# warm <= 0.5x buildah.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" debootstrap bc
runs=${RUNS:-3}
build_release
work=$(mktemp -d /tmp/slipway-build-bench-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

ensure_minbase

say "Base images in a local registry"
port=$(free_port)
SLIPWAY_HOME="$work/registry" "$slipway" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" & pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
mkdir -p "$work/busybox/bin" "$work/busybox/etc"
cp /bin/busybox "$work/busybox/bin/"
for applet in sh ls cat echo mkdir rm cp httpd true; do ln -s busybox "$work/busybox/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/busybox/etc/passwd"
"$slipway" image import-rootfs "$work/busybox" --output "oci:$work/bases:busybox" 2>/dev/null >/dev/null
"$slipway" image import-rootfs "$minbase" --output "oci:$work/bases:debian" 2>/dev/null >/dev/null
SLIPWAY_HOME="$work/client" "$slipway" image copy "oci:$work/bases:busybox" "docker://127.0.0.1:$port/library/busybox:latest" >/dev/null 2>&1
SLIPWAY_HOME="$work/client" "$slipway" image copy "oci:$work/bases:debian" "docker://127.0.0.1:$port/library/debian:bookworm" >/dev/null 2>&1
registry="127.0.0.1:$port"

say "Contexts"
# 1. static site: 200 pages and assets.
mkdir -p "$work/site/www/assets"
for i in $(seq 1 200); do printf '<html><body>page %s</body></html>\n' "$i" >"$work/site/www/page-$i.html"; done
head -c 2000000 /dev/urandom >"$work/site/www/assets/bundle.js"
cat >"$work/site/Dockerfile" <<DOCKERFILE
FROM $registry/library/busybox:latest
COPY www/ /www/
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
# 2. multi-stage: perl (in Debian's minbase) renders the pages, busybox serves them.
mkdir -p "$work/multi/content"
for i in $(seq 1 100); do printf 'title %s\nbody of article %s\n' "$i" "$i" >"$work/multi/content/article-$i.txt"; done
cat >"$work/multi/Dockerfile" <<DOCKERFILE
FROM $registry/library/debian:bookworm AS render
WORKDIR /src
COPY content/ ./content/
RUN mkdir -p /out && for f in content/*.txt; do perl -ne 'print "<p>\$_</p>\n"' "\$f" > "/out/\$(basename "\$f" .txt).html"; done
FROM $registry/library/busybox:latest
COPY --from=render /out/ /www/
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
# 3. Debian with several RUN steps (no network).
mkdir -p "$work/debian/app"
printf 'print "hello\\n";\n' >"$work/debian/app/main.pl"
cat >"$work/debian/Dockerfile" <<DOCKERFILE
FROM $registry/library/debian:bookworm
RUN groupadd -r app && useradd -r -g app -d /srv/app app
RUN mkdir -p /srv/app /var/cache/app && chown app:app /srv/app
RUN perl -e 'for (1..2000) { open my \$f, ">", "/var/cache/app/item-\$_"; print \$f "x" x 100; }'
RUN rm -rf /usr/share/doc /usr/share/man && echo done > /etc/app-ready
COPY app/ /srv/app/
USER app
WORKDIR /srv/app
CMD ["perl", "main.pl"]
DOCKERFILE

seconds() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Each timed build starts with the page cache written back (sync), so neither tool pays for the other's writes or
# for the deletions of the run before.
slipway_build() {  # HOME CONTEXT
    local start end
    sync
    start=$(date +%s.%N)
    SLIPWAY_HOME="$1" "$slipway" build "$2" --tag bench:1 >/dev/null 2>"$work/slipway-build.log" \
        || { cat "$work/slipway-build.log"; exit 1; }
    end=$(date +%s.%N); seconds "$start" "$end"
}
buildah_build() {  # ROOT CONTEXT [--layers]
    local start end
    sync
    start=$(date +%s.%N)
    buildah --root "$1/root" --runroot "$1/run" --storage-driver overlay bud --isolation chroot --tls-verify=false \
        ${3:-} -t bench:1 "$2" >"$work/buildah-build.log" 2>&1 || { tail -20 "$work/buildah-build.log"; exit 1; }
    end=$(date +%s.%N); seconds "$start" "$end"
}
touch_source() {  # CONTEXT RUN
    case "$1" in
        *site) printf '<html>changed %s</html>\n' "$2" >"$1/www/page-1.html" ;;
        *multi) printf 'title 1\nchanged %s\n' "$2" >"$1/content/article-1.txt" ;;
        *debian) printf 'print "hello %s\\n";\n' "$2" >"$1/app/main.pl" ;;
    esac
}

# both MODE RUN: one build with each tool into MODE_s / MODE_b (home, root and context from the loop below). Who goes
# first alternates, so neither tool always follows the deletions of the run before.
both() {
    local s b
    if [ $(($2 % 2)) = 1 ]; then
        s=$(slipway_build "$home" "$context"); b=$(buildah_build "$root" "$context" --layers)
    else
        b=$(buildah_build "$root" "$context" --layers); s=$(slipway_build "$home" "$context")
    fi
    eval "$1_s+=(\"\$s\"); $1_b+=(\"\$b\")"
}

printf '\n%-8s %-5s %10s %10s %8s\n' context mode slipway buildah ratio
for name in site multi debian; do
    context="$work/$name"
    cold_s=(); cold_b=(); warm_s=(); warm_b=()
    for run in $(seq 1 "$runs"); do
        home="$work/slipway-$name-$run"; root="$work/buildah-$name-$run"
        both cold "$run"
        touch_source "$context" "$run"
        both warm "$run"
        rm -rf "$home" "$root" 2>/dev/null || true
    done
    for mode in cold warm; do
        eval "s=(\"\${${mode}_s[@]}\"); b=(\"\${${mode}_b[@]}\")"
        ms=$(printf '%s\n' "${s[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
        printf '%-8s %-5s %9.2fs %9.2fs %7.2fx\n' "$name" "$mode" "$ms" "$mb" "$(echo "$ms / $mb" | bc -l)"
    done
done
echo "targets: cold <= 1.0x, warm <= 0.5x"
