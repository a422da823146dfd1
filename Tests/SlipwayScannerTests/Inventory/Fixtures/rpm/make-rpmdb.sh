#!/bin/sh
# Regenerates rpmdb.sqlite with Debian's rpm package (apt-get install rpm): builds three empty packages with
# rpmbuild and records them in a fresh database with `rpm --justdb`. Not run by the tests.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec() { # name version release epoch arch license
    {
        echo "Name: $1"; echo "Version: $2"; echo "Release: $3"
        [ -n "$4" ] && echo "Epoch: $4"
        echo "BuildArch: $5"; echo "License: $6"; echo "Summary: Slipway test package $1"
        echo "%description"; echo "Test package."; echo "%files"
    } > "$work/$1.spec"
    rpmbuild --quiet --define "_topdir $work/top" -bb "$work/$1.spec"
}
spec slipway-hello 1.2.3 4.el9 2 noarch "MIT and BSD"
spec slipway-tool 0.9 1.el9 "" x86_64 "GPLv2+"
spec bash 5.1.8 6.el9 1 x86_64 "GPLv3+"
rpm --dbpath "$work/db" --initdb
rpm --dbpath "$work/db" -i --nodeps --justdb --ignorearch "$work"/top/RPMS/*/*.rpm 2>/dev/null
sqlite3 "$work/db/rpmdb.sqlite" 'PRAGMA journal_mode=DELETE; VACUUM;' >/dev/null
cp "$work/db/rpmdb.sqlite" "$(dirname "$0")/rpmdb.sqlite"
