#!/usr/bin/env bash
# The Debian packages on a fresh Debian 12 machine (root): install the packaging tools and
# the Build-Depends, build the binary packages from a copy of the tree (the checkout stays
# clean), lint them (no error and no warning allowed), install them, and run the
# autopkgtests against the installed packages. Prints PASS or FAIL for each step and
# closes with "N passed, N failed"; exits nonzero when any step fails.
#
# Environment: DEB_BUILD_OPTIONS (default parallel=<online CPUs>), KEEP_WORK=1 keeps the
# build directory, KEEP_INSTALLED=1 leaves the packages installed (by default those this
# script installed are purged again at the end).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

export DEBIAN_FRONTEND=noninteractive
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)}
# pyenv's or a virtualenv's python must not take part in the build.
clean_path=/usr/sbin:/usr/bin:/sbin:/bin

passed=0 failed=0 status=0
work=
installed_here=()

step() {    # step NAME CMD...: run CMD, report PASS/FAIL for NAME
    local name=$1 start=$SECONDS rc=0
    shift
    echo "+ [$name] $*"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS $name ($((SECONDS - start)) s)"
        passed=$((passed + 1))
    else
        echo "FAIL $name (exit $rc, $((SECONDS - start)) s)"
        failed=$((failed + 1))
        status=1
    fi
    return "$rc"
}

skip() {    # skip NAME: a step that cannot run after an earlier failure counts as failed
    echo "FAIL $1 (not run: an earlier step failed)"
    failed=$((failed + 1))
    status=1
}

finish() {
    if [ "${#installed_here[@]}" -gt 0 ] && [ -z "${KEEP_INSTALLED:-}" ]; then
        echo "+ apt-get purge -y ${installed_here[*]}"
        apt-get purge -y -q "${installed_here[@]}" > /dev/null || echo "warning: purge failed"
    fi
    if [ -n "$work" ]; then
        if [ -n "${KEEP_WORK:-}" ] || [ "$status" -ne 0 ]; then
            echo "build directory kept: $work"
        else
            rm -rf "$work"
        fi
    fi
    echo "$passed passed, $failed failed"
    exit "$status"
}

deps() {
    apt-get update -q &&
    apt-get install -y -q --no-install-recommends $(cat .ci/packages-debian.txt) &&
    apt-get build-dep -y -q ./
}

# The tree as it stands (tracked and untracked files, not ignored ones such as build/)
# into $src; without git, everything but build directories.
copy_tree() {
    mkdir -p "$src" || return 1
    if git -C "$repo" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
        git -C "$repo" ls-files -z -c -o --exclude-standard |
            while IFS= read -r -d '' f; do
                if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
            done |
            tar -C "$repo" --null -T - -cf - | tar -C "$src" -xf -
    else
        tar -C "$repo" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$src" -xf -
    fi
}

build() {
    (cd "$src" && env PATH="$clean_path" dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ]; then tail -n 60 "$work/build.log"; fi
    # meson test's summary from dh_auto_test (none with DEB_BUILD_OPTIONS=nocheck).
    grep -E '^(Ok|Fail|Skipped|Timeout): ' "$work/build.log" | tr -s ' \n' ' ' |
        sed 's/^./upstream tests: &/; s/ $/\n/'
    return "$rc"
}

lint() {
    lintian -I -E --pedantic --fail-on error,warning "$work"/*.changes
}

install_debs() {
    local deb pkg
    for deb in "$work"/*.deb; do
        pkg=$(dpkg-deb -f "$deb" Package)
        dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null | grep -q ' installed$' ||
            installed_here+=("$pkg")
    done
    apt-get install -y -q "$work"/*.deb
}

# Exit 0: every test passed. Anything else fails: 2 a test was skipped, 4 one failed, 8
# no test ran or every test is superficial (one non-superficial test must run), 12 and
# above erroneous package or testbed failure.
tests() {
    (cd "$work" && autopkgtest --no-built-binaries "$src/" ./*.deb -- null)
}

trap 'echo "interrupted"; status=1; finish' INT TERM

if ! step deps deps; then
    skip copy; skip build; skip lintian; skip install; skip autopkgtest
    finish
fi
source_name=$(dpkg-parsechangelog -S Source) version=$(dpkg-parsechangelog -S Version)
work=$(mktemp -d "${TMPDIR:-/tmp}/${source_name}-debian.XXXXXX")
src="$work/$source_name-${version%-*}"
if step copy copy_tree && step build build; then
    step lintian lint
    if step install install_debs; then
        step autopkgtest tests
    else
        skip autopkgtest
    fi
else
    skip lintian; skip install; skip autopkgtest
fi
finish
