#!/usr/bin/env bash
# Programs outside liblstmsent's source tree, built against it the ways a user builds them:
# from an install staged with `meson install --destdir` into a temporary directory, through
# pkg-config, or with this tree as a meson subproject. Each is compiled in the temporary
# directory, run, and its one line of output checked (examples/consumer/consumer.c).
#
#   tests/consumers.sh BUILDDIR [CONSUMER...]      default: every consumer
#
# BUILDDIR is a built build directory of this tree (meson test builds it first; the install
# is staged with --no-rebuild). Consumers:
#   c-shared      consumer.c, `cc ... $(pkg-config --cflags --libs lstmsent)`, run against
#                 the staged liblstmsent.so.0 (ldd must resolve it there)
#   c-static      consumer.c, `cc -static ... $(pkg-config --static --cflags --libs lstmsent)`:
#                 no dynamic section at all; and the staged liblstmsent.a through
#                 tests/check_exports.py (its exports, hidden internals, every object)
#   c-static-lib  consumer.c with liblstmsent.a (-l:liblstmsent.a in pkg-config --static's
#                 line) and its dependencies shared: no liblstmsent.so NEEDED
#   cxx           consumer.cpp, C++17 with RAII handles, -Wall -Wextra -pedantic -Werror
#   meson-subproject, meson-subproject-static
#                 examples/consumer/meson-subproject/ with this tree as subprojects/lstmsent
#                 (--wrap-mode=nodownload --force-fallback-for=lstmsent): the parent builds
#                 liblstmsent's library targets and no other, registers none of its tests,
#                 and runs its own; -static builds it with -Dlstmsent:default_library=static
# A BUILDDIR configured with default_library=shared (the default) has no liblstmsent.a: the
# static consumers then stage BUILDDIR/consumers-both, the library alone configured with
# -Ddefault_library=both (made once, then kept up to date).
#
# Prints "PASS name: ..." or "FAIL name: ..." per consumer (a failure's log follows it) and
# a count; exits 0 when every consumer passed, 1 when one failed, 77 when the only consumer
# asked for cannot be built here (no C++ compiler; c-shared and cxx in a
# default_library=static build). Environment: CC (default cc), CXX
# (default c++), CONSUMERS_KEEP=1 keeps the temporary directory.
# shellcheck disable=SC2317  # the consumer_* functions are called by name
set -uo pipefail   # (no `... | grep -q` below: its early exit would fail the pipe)

if [ $# -lt 1 ] || [ ! -f "$1/build.ninja" ]; then
    echo "usage: $0 BUILDDIR [CONSUMER...]  (BUILDDIR: a configured meson build directory)" >&2
    exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
shift
all=(c-shared c-static c-static-lib cxx meson-subproject meson-subproject-static)
[ $# -gt 0 ] && wanted=("$@") || wanted=("${all[@]}")
cc=${CC:-cc}
cxx=${CXX:-c++}
meson=${MESON:-meson}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lstmsent-consumers.XXXXXX") || exit 1
if [ "${CONSUMERS_KEEP:-0}" = 1 ]; then
    echo "keeping $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi

# A build option's value, or the project's version for "version".
introspect() {
    "$meson" introspect "$1" --buildoptions --projectinfo | python3 -c '
import json, sys
data = sys.stdin.read()
# --buildoptions and --projectinfo together: one object keyed by section.
info = json.loads(data)
if sys.argv[1] == "version":
    print(info["projectinfo"]["version"])
else:
    print(next(o["value"] for o in info["buildoptions"]
               if o["name"] == sys.argv[1] and o.get("section") != "user"
               and not o.get("subproject")))' "$2"
}

version=$(introspect "$build" version) || { echo "FAIL: cannot introspect $build"; exit 1; }

# Stage BUILDDIR's install into DEST and point its lstmsent.pc there: pkg-config has no
# relocation of one package (PKG_CONFIG_SYSROOT_DIR would move the system's .pc files'
# paths as well), so the staged copy's prefix is rewritten. Sets stage_lib, stage_pc and
# stage_inc.
stage() {
    local builddir=$1 dest=$2 prefix libdir
    "$meson" install -C "$builddir" --destdir "$dest" --no-rebuild --quiet || return 1
    prefix=$(introspect "$builddir" prefix) && libdir=$(introspect "$builddir" libdir) ||
        return 1
    case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
    stage_lib=$dest$libdir
    stage_pc=$stage_lib/pkgconfig
    stage_inc=$dest$prefix/include
    [ -f "$stage_pc/lstmsent.pc" ] || { echo "no lstmsent.pc in $stage_pc"; return 1; }
    sed -i "s|^prefix=.*|prefix=$dest$prefix|" "$stage_pc/lstmsent.pc"
}

# The build directory to stage for a static consumer: BUILDDIR when it makes liblstmsent.a,
# else BUILDDIR/consumers-both, made (or brought up to date) here. Sets static_build.
static_build=
need_static_build() {
    if [ "$(introspect "$build" default_library)" != shared ]; then
        static_build=$build
        return 0
    fi
    static_build=$build/consumers-both
    local log=$tmp/consumers-both.log
    echo "+ $static_build: the library alone, -Ddefault_library=both"
    if [ ! -f "$static_build/build.ninja" ]; then
        nice "$meson" setup "$static_build" "$src" --wrap-mode=nodownload \
            -Ddefault_library=both -Dtests=disabled -Dexamples=disabled \
            -Dbenchmarks=disabled -Dfuzz=disabled -Dprograms=disabled >"$log" 2>&1 ||
            { cat "$log"; return 1; }
    fi
    nice "$meson" compile -C "$static_build" >>"$log" 2>&1 || { cat "$log"; return 1; }
}

# The consumer's line: this version, the two phrases' corpus and model, one step.
check_output() {
    local out=$1
    cat "$out"
    if ! grep -Eqx "liblstmsent $version: 2 phrases, 15 words, 547 parameters, loss [0-9.]+ -> [0-9.]+ after 1 step" "$out"; then
        echo "unexpected output (want liblstmsent $version: 2 phrases, 15 words, 547 parameters, loss A -> B after 1 step)"
        return 1
    fi
}

needed() { readelf -d "$1" | awk '/\(NEEDED\)/ {gsub(/[][]/, "", $NF); print $NF}'; }

c_flags=(-std=c11 -Wall -Wextra -pedantic -Werror)

consumer_c-shared() {
    local dir=$1
    stage "$build" "$dir/stage" || return 1
    local flags
    flags=$(PKG_CONFIG_PATH=$stage_pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
            pkg-config --cflags --libs lstmsent) || return 1
    echo "+ $cc ${c_flags[*]} consumer.c $flags"
    # shellcheck disable=SC2086  # pkg-config's output is a list of words
    "$cc" "${c_flags[@]}" -o "$dir/consumer" "$src/examples/consumer/consumer.c" $flags ||
        return 1
    echo "NEEDED: $(needed "$dir/consumer" | tr '\n' ' ')"
    grep -qx 'liblstmsent.so.0' <<<"$(needed "$dir/consumer")" ||
        { echo "liblstmsent.so.0 is not NEEDED"; return 1; }
    local resolved
    resolved=$(LD_LIBRARY_PATH=$stage_lib ldd "$dir/consumer" | grep liblstmsent)
    echo "$resolved"
    grep -qF "liblstmsent.so.0 => $stage_lib/liblstmsent.so.0 " <<<"$resolved" ||
        { echo "liblstmsent.so.0 does not resolve into the stage"; return 1; }
    LD_LIBRARY_PATH=$stage_lib "$dir/consumer" >"$dir/out" || { cat "$dir/out"; return 1; }
    check_output "$dir/out"
}

consumer_c-static() {
    local dir=$1
    need_static_build || return 1
    stage "$static_build" "$dir/stage" || return 1
    [ -f "$stage_lib/liblstmsent.a" ] || { echo "no liblstmsent.a in $stage_lib"; return 1; }
    python3 "$src/tests/check_exports.py" "$stage_inc/lstmsent/lstmsent.h" \
        "$src/lib/lstmsent.map" "$stage_lib/liblstmsent.a" \
        "$static_build/lib/liblstmsent_core.a" || return 1
    local flags
    flags=$(PKG_CONFIG_PATH=$stage_pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
            pkg-config --static --cflags --libs lstmsent) || return 1
    echo "+ $cc -static ${c_flags[*]} consumer.c $flags"
    # shellcheck disable=SC2086
    if ! "$cc" -static "${c_flags[@]}" -o "$dir/consumer" "$src/examples/consumer/consumer.c" \
        $flags; then
        echo "(-static needs every dependency's archive; Debian 12: libopenblas-dev," \
             "libgfortran-12-dev, libutf8proc-dev, libxxhash-dev, libc6-dev)"
        return 1
    fi
    if grep -q NEEDED <<<"$(readelf -d "$dir/consumer")"; then
        echo "a dynamic dependency left: $(needed "$dir/consumer" | tr '\n' ' ')"
        return 1
    fi
    readelf -d "$dir/consumer" | head -2
    "$dir/consumer" >"$dir/out" || { cat "$dir/out"; return 1; }
    check_output "$dir/out"
}

consumer_c-static-lib() {
    local dir=$1
    need_static_build || return 1
    stage "$static_build" "$dir/stage" || return 1
    local cflags libs
    cflags=$(PKG_CONFIG_PATH=$stage_pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
             pkg-config --static --cflags lstmsent) &&
    libs=$(PKG_CONFIG_PATH=$stage_pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
           pkg-config --static --libs lstmsent) || return 1
    # The archive by its name, everything else as pkg-config says (shared where it can be).
    libs=" $libs "
    libs=${libs/ -llstmsent / -l:liblstmsent.a }
    echo "+ $cc ${c_flags[*]} consumer.c $cflags$libs"
    # shellcheck disable=SC2086
    "$cc" "${c_flags[@]}" -o "$dir/consumer" "$src/examples/consumer/consumer.c" \
        $cflags $libs || return 1
    echo "NEEDED: $(needed "$dir/consumer" | tr '\n' ' ')"
    if grep -q '^liblstmsent' <<<"$(needed "$dir/consumer")"; then
        echo "liblstmsent is NEEDED"
        return 1
    fi
    "$dir/consumer" >"$dir/out" || { cat "$dir/out"; return 1; }
    check_output "$dir/out"
}

consumer_cxx() {
    local dir=$1
    stage "$build" "$dir/stage" || return 1
    local flags
    flags=$(PKG_CONFIG_PATH=$stage_pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
            pkg-config --cflags --libs lstmsent) || return 1
    echo "+ $cxx -std=c++17 -Wall -Wextra -pedantic -Werror consumer.cpp $flags"
    # shellcheck disable=SC2086
    "$cxx" -std=c++17 -Wall -Wextra -pedantic -Werror -o "$dir/consumer" \
        "$src/examples/consumer/consumer.cpp" $flags || return 1
    LD_LIBRARY_PATH=$stage_lib "$dir/consumer" >"$dir/out" || { cat "$dir/out"; return 1; }
    check_output "$dir/out"
}

# The tiny project in DIR/project with this tree as its subprojects/lstmsent (a symlink),
# configured with extra options $2...
meson_subproject() {
    local dir=$1 project=$1/project
    shift
    mkdir -p "$project/subprojects" &&
    cp "$src/examples/consumer/meson-subproject/meson.build" \
       "$src/examples/consumer/consumer.c" "$project/" &&
    ln -s "$src" "$project/subprojects/lstmsent" || return 1
    echo "+ meson setup --wrap-mode=nodownload --force-fallback-for=lstmsent $*"
    nice "$meson" setup "$project/build" "$project" --wrap-mode=nodownload \
        --force-fallback-for=lstmsent "$@" >"$dir/setup.log" 2>&1 ||
        { cat "$dir/setup.log"; return 1; }
    grep -E '^ *lstmsent *: *YES' "$dir/setup.log" ||
        { cat "$dir/setup.log"; echo "the subproject was not used"; return 1; }
    # liblstmsent's targets in the parent: its library, nothing else; and none of its tests.
    local targets tests
    targets=$("$meson" introspect "$project/build" --targets | python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin) if t["subproject"] == "lstmsent")))')
    tests=$("$meson" introspect "$project/build" --tests | python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')
    echo "liblstmsent's targets in the parent: $targets; the parent's tests: $tests"
    [ "$targets" = "lstmsent lstmsent_core" ] ||
        { echo "want only lstmsent lstmsent_core"; return 1; }
    [ "$tests" = consumer ] || { echo "want the parent's own test alone"; return 1; }
    nice "$meson" compile -C "$project/build" >"$dir/compile.log" 2>&1 ||
        { cat "$dir/compile.log"; return 1; }
    "$meson" test -C "$project/build" --no-rebuild --print-errorlogs >"$dir/test.log" 2>&1 ||
        { cat "$dir/test.log"; return 1; }
    echo "NEEDED: $(needed "$project/build/consumer" | tr '\n' ' ')"
    "$project/build/consumer" >"$dir/out" || { cat "$dir/out"; return 1; }
    check_output "$dir/out"
}

consumer_meson-subproject() {
    meson_subproject "$1" || return 1
    grep -qx 'liblstmsent.so.0' <<<"$(needed "$1/project/build/consumer")" ||
        { echo "liblstmsent.so.0 is not NEEDED"; return 1; }
}

consumer_meson-subproject-static() {
    meson_subproject "$1" -Dlstmsent:default_library=static || return 1
    if grep -q '^liblstmsent' <<<"$(needed "$1/project/build/consumer")"; then
        echo "liblstmsent is NEEDED"
        return 1
    fi
}

passed=0 failed=0 skipped=0
lines=()
for name in "${wanted[@]}"; do
    if ! declare -F "consumer_$name" >/dev/null; then
        echo "FAIL $name: no such consumer (${all[*]})"
        failed=$((failed + 1))
        continue
    fi
    reason=
    case $name in
        c-shared|cxx)
            [ "$(introspect "$build" default_library)" = static ] &&
                reason="$build builds no shared library (default_library=static)" ;;
    esac
    [ "$name" = cxx ] && ! command -v "$cxx" >/dev/null && reason="no C++ compiler ($cxx)"
    if [ -n "$reason" ]; then
        echo "SKIP $name: $reason"
        skipped=$((skipped + 1))
        continue
    fi
    dir=$tmp/$name
    mkdir -p "$dir"
    if "consumer_$name" "$dir" >"$dir/log" 2>&1; then
        echo "PASS $name: $(tail -n 1 "$dir/log")"
        sed 's/^/    /' "$dir/log" | head -n -1
        passed=$((passed + 1))
        lines+=("$(tail -n 1 "$dir/log")")
    else
        echo "FAIL $name"
        sed 's/^/    /' "$dir/log"
        failed=$((failed + 1))
    fi
done
# One library, one BLAS: every way of building the consumer prints the same numbers.
if [ ${#lines[@]} -gt 1 ] && [ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -ne 1 ]; then
    echo "FAIL agreement: the consumers' lines differ"
    printf '    %s\n' "${lines[@]}"
    failed=$((failed + 1))
fi
echo "consumers: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -gt 0 ] && exit 1
[ "$passed" -eq 0 ] && [ "$skipped" -gt 0 ] && exit 77
exit 0
