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
BUILD_PACKAGES=(zlib1g-dev libsqlite3-dev git)
# What the tests and the main job talk to.
RUNTIME_PACKAGES=(skopeo tar gzip diffutils time)
