#!/bin/sh
# Build libFuzzer targets with clang (ASan + UBSan, every finding fatal) straight from the
# library's sources, no meson needed, and run each for a bounded time.
#
#   tests/fuzz/run.sh [TARGET...]        default: every tests/fuzz/fuzz_*.c
#
# TARGET is NAME for tests/fuzz/fuzz_NAME.c; its seeds are tests/fuzz/corpus_NAME/ (read
# only: new inputs go to a scratch corpus under FUZZ_OUT). Environment:
#   FUZZ_TIME  seconds per target (default 60)
#   FUZZ_OUT   build and scratch directory (default /tmp/lstmsent-fuzz)
#   CC         a clang with libFuzzer (default clang; Debian: apt-get install clang
#              libclang-rt-14-dev if -fsanitize=fuzzer does not link)
#   FUZZ_SKIP_UNAVAILABLE  when 1, exit 77 (skipped) if CC cannot build a libFuzzer
#              program at all (no clang, no libFuzzer runtime), for a caller that treats
#              77 as a skip; otherwise that is 2, like a target that does not build
# Exit status: 0 when every target ran its time without a finding, 1 on a finding (the
# crashing input is kept as FUZZ_OUT/NAME-crash-*, FUZZ_OUT/NAME-leak-*, ...), 2 when a
# target does not build, 77 as above. CI (.ci/run) runs every target this way, e.g.
#   FUZZ_TIME=60 bash tests/fuzz/run.sh safetensors json model tsv
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
time=${FUZZ_TIME:-60}
out=${FUZZ_OUT:-/tmp/lstmsent-fuzz}
cc=${CC:-clang}

# Sources per target: the fewest that link, so a target builds without BLAS or utf8proc
# when it does not need them. Any other target (the TSV reader's, ...) gets the whole
# library and its dependencies.
sources_for() {
    case "$1" in
    safetensors | json) echo "lib/status.c lib/file.c lib/utf8.c lib/safetensors.c" ;;
    *) (cd "$root" && echo lib/*.c) ;;
    esac
}
xxhash_libs() {
    pkg-config --libs libxxhash 2>/dev/null || echo -lxxhash
}
jansson_libs() {
    pkg-config --libs jansson 2>/dev/null || echo -ljansson
}
libs_for() {
    case "$1" in
    safetensors | json) echo "$(xxhash_libs) $(jansson_libs) -lm" ;;
    *)
        blas=$(pkg-config --libs openblas 2>/dev/null || pkg-config --libs blas 2>/dev/null ||
               echo -lopenblas)
        utf8=$(pkg-config --libs libutf8proc 2>/dev/null || echo -lutf8proc)
        echo "$blas $utf8 $(xxhash_libs) $(jansson_libs) -lm -lpthread"
        ;;
    esac
}

if [ $# -eq 0 ]; then
    set --
    for f in "$here"/fuzz_*.c; do
        name=$(basename "$f" .c)
        set -- "$@" "${name#fuzz_}"
    done
fi

# version.h, as meson would generate it from project(version:).
mkdir -p "$out/include/lstmsent"
version=$(sed -n "s/^ *version: *'\([0-9]*\.[0-9]*\.[0-9]*\)'.*/\1/p" "$root/meson.build" | head -n 1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
patch=${rest#*.}
sed -e "s/@MAJOR@/$major/" -e "s/@MINOR@/$minor/" -e "s/@PATCH@/$patch/" \
    -e "s/@VERSION@/$version/" "$root/include/lstmsent/version.h.in" \
    >"$out/include/lstmsent/version.h"

flags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

# Can this compiler build a libFuzzer program at all?
probe="$out/probe"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
    >"$probe.c"
# shellcheck disable=SC2086
if ! $cc $flags "$probe.c" -o "$probe" >/dev/null 2>&1; then
    echo "run.sh: $cc cannot build a libFuzzer program (install clang and libclang-rt-14-dev)" >&2
    if [ "${FUZZ_SKIP_UNAVAILABLE:-0}" = 1 ]; then
        exit 77
    fi
    exit 2
fi

status=0
for name in "$@"; do
    src="$here/fuzz_$name.c"
    if [ ! -f "$src" ]; then
        echo "run.sh: no target '$name' ($src is missing)" >&2
        exit 2
    fi
    bin="$out/fuzz_$name"
    echo "== building $name"
    # shellcheck disable=SC2046,SC2086
    if ! (cd "$root" && $cc $flags -I include -I "$out/include" -I lib \
            "$src" $(sources_for "$name") -o "$bin" $(libs_for "$name")); then
        echo "run.sh: $name does not build (is libclang-rt-14-dev installed?)" >&2
        exit 2
    fi
    corpus="$out/corpus_$name"
    mkdir -p "$corpus"
    seeds="$here/corpus_$name"
    [ -d "$seeds" ] || seeds=""
    echo "== fuzzing $name for ${time}s"
    # shellcheck disable=SC2086
    if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
              -artifact_prefix="$out/$name-" "$corpus" $seeds; then
        echo "== $name: no finding in ${time}s"
    else
        echo "== $name: FINDING (input saved under $out/$name-*)" >&2
        status=1
    fi
done
exit $status
