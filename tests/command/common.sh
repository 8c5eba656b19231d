# Sourced by the end-to-end tests of the lstmsent command (tests/command/*.sh), which meson
# runs as: bash TEST.sh LSTMSENT STRIP_VOCAB DATA_DIR WORK_DIR
# Each test works in a fresh WORK_DIR/<test name>, on small slices of data/ made here.
set -euo pipefail

# meson passes the built programs relative to the build directory.
LSTMSENT=$(realpath "$1")
STRIP_VOCAB=$(realpath "$2")
DATA_DIR=$(realpath "$3")
WORK=$(realpath -m "$4")/$(basename "$0" .sh)
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

# Under `meson test --setup valgrind` every run of the command goes through valgrind
# (LSTMSENT_TEST_WRAPPER, set by that setup; its errors exit 99, no code of the command's).
if [ -n "${LSTMSENT_TEST_WRAPPER:-}" ]; then
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$LSTMSENT_TEST_WRAPPER" "$LSTMSENT" > lstmsent-wrapped
    chmod +x lstmsent-wrapped
    LSTMSENT=$WORK/lstmsent-wrapped
fi

head -n 3001 "$DATA_DIR/train.tsv" > train.tsv   # header + 3000 phrases
head -n 501 "$DATA_DIR/dev.tsv" > dev.tsv        # header + 500
head -n 301 "$DATA_DIR/test.tsv" > test.tsv      # header + 300, no Sentiment

# A tiny model: seconds to train on one thread.
TINY=(--embed 16 --hidden 16 --seq-len 32 --batch 32 --threads 1)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_exit CODE CMD...: run CMD (stdout to out.txt, stderr to err.txt) and check its
# exit status.
expect_exit() {
    local want=$1 got=0
    shift
    "$@" > out.txt 2> err.txt || got=$?
    if [ "$got" -ne "$want" ]; then
        echo "--- stdout" >&2; head -c 2000 out.txt >&2 || true
        echo "--- stderr" >&2; head -c 2000 err.txt >&2 || true
        fail "exit $got, not $want: $*"
    fi
}

# expect_err TEXT: err.txt (of the last expect_exit) holds TEXT.
expect_err() {
    grep -qF -- "$1" err.txt || { cat err.txt >&2; fail "stderr lacks '$1'"; }
}

# No temporary file of an atomic save left in a directory.
no_temp_files() {
    local left
    left=$(find "${1:-.}" -name '*.tmp.*' | head -n 5)
    [ -z "$left" ] || fail "temporary files left behind: $left"
}

# train_tiny OUT [OPTIONS...]: a tiny model trained on train.tsv with dev.tsv.
train_tiny() {
    local out=$1
    shift
    expect_exit 0 "$LSTMSENT" train --train train.tsv --dev dev.tsv --out "$out" \
        --epochs 1 "${TINY[@]}" "$@"
    [ -s "$out" ] || fail "train wrote no $out"
}
