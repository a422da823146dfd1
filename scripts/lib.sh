# Shared by the scripts: install missing Debian packages (idempotently) and say what is happening.

say() { printf '\n==> %s\n' "$*"; }

# ensure_packages PKG…: installs those that are not installed yet, without recommends.
ensure_packages() {
    missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "Installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# What building Slipway needs (the Swift toolchain itself is expected on PATH).
BUILD_PACKAGES=(zlib1g-dev libsqlite3-dev libcrypt-dev git)
# What the tests and the main job talk to.
RUNTIME_PACKAGES=(skopeo tar gzip diffutils time curl ca-certificates busybox-static docker.io runc tini buildah apache2-utils openssl python3 openssh-server openssh-client zip xz-utils bzip2 zstd)
# Toolchains the scanner's tests build real Go binaries and Java archives with.
TEST_PACKAGES=(golang-go openjdk-17-jdk-headless)

# ensure_command CMD PACKAGE…: installs the packages when CMD is not on PATH (node may come from elsewhere).
ensure_command() {
    local command=$1; shift
    command -v "$command" >/dev/null 2>&1 || ensure_packages "$@"
}

# Python modules the tests use as oracles and validators: packaging (PEP 440), cvss (CVSS scores), the
# CycloneDX and SPDX validators. From PyPI, pinned.
PYTHON_TEST_PACKAGES=("packaging==26.2" "cvss==3.6" "cyclonedx-python-lib[json-validation]==11.12.0" "spdx-tools==0.8.5")

# ensure_python_packages SPEC…: pip-installs those whose distribution is missing.
ensure_python_packages() {
    python3 -m pip --version >/dev/null 2>&1 || ensure_packages python3-pip
    missing=()
    for spec in "$@"; do
        name=${spec%%[\[=]*}
        python3 -m pip show -q "$name" >/dev/null 2>&1 || missing+=("$spec")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "Installing Python packages: ${missing[*]}"
        python3 -m pip install -q --root-user-action=ignore --break-system-packages "${missing[@]}"
    fi
}

# What the benchmarks run Slipway against.
BENCHMARK_PACKAGES=(docker-registry wrk haproxy nginx-light)

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }

# start_dockerd: starts a Docker engine (with tini as its init) unless one answers already; stops it on exit.
start_dockerd() {
    if docker info >/dev/null 2>&1; then return; fi
    say "Starting dockerd"
    tini -s -- dockerd >/tmp/slipway-dockerd.log 2>&1 &
    DOCKERD_PID=$!
    trap 'kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null' EXIT
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && return
        sleep 1
    done
    echo "dockerd did not start; its log:" >&2
    cat /tmp/slipway-dockerd.log >&2
    exit 1
}

# build_release: builds Slipway in release mode (showing the log only on failure) and sets $slipway to it.
build_release() {
    local log
    log=$(mktemp)
    swift build -c release --product slipway >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
    rm -f "$log"
    slipway=$(swift build -c release --show-bin-path)/slipway
}

# ensure_minbase: a Debian bookworm minbase tree from debootstrap, made once and kept in /var/cache/slipway-bench;
# sets $minbase to it.
ensure_minbase() {
    minbase=/var/cache/slipway-bench/bookworm-minbase
    [ -f "$minbase/var/lib/dpkg/status" ] && return
    say "debootstrap --variant=minbase bookworm (once; cached in $minbase)"
    rm -rf "$minbase"; mkdir -p "$minbase"
    local log; log=$(mktemp)
    debootstrap --variant=minbase bookworm "$minbase" http://deb.debian.org/debian >"$log" 2>&1 \
        || { tail -20 "$log"; rm -f "$log"; exit 1; }
    rm -f "$log"
}
