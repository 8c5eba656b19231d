#!/bin/sh
# liblstmsent beside PyTorch 1.13 on this machine, in one run, written to docs/benchmarks.md.
#
#   tools/benchmark.sh [BUILD_DIR] [OUT]        (defaults: build, docs/benchmarks.md)
#
# Runs tools/bench_step (C) and tools/bench_torch.py (PyTorch, $LSTMSENT_TORCH_PYTHON or
# /usr/bin/python3) with 1 and 2 threads each, twice: with the environment as it is and
# with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS then picks its kernels for
# the CPU itself). Knobs (environment): SHAPES (default 32x30,32x60,32x120,128x30),
# TORCH_SHAPES (default SHAPES; PyTorch's steps at T = 120 or B = 128 take seconds each),
# STEPS (30), WARMUP (5), TUTORIAL=1 to also time examples/tutorial's 200-epoch loop
# (or TUTORIAL_FROM=PREFIX: take PREFIX.out and PREFIX.time of an earlier
# `/usr/bin/time -v build/examples/tutorial` run, labelled as such in the page),
# TORCH_LOOP=CSV[,CSV...] (the metrics files of finished examples/tutorial_pytorch.py runs,
# whose summary rows hold their wall times; a /usr/bin/time -v log, if any, beside each as
# .log), TORCH_LOOP_NOTE (one sentence on how those runs were made, printed with them).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
out=${2:-$src/docs/benchmarks.md}
py=${LSTMSENT_TORCH_PYTHON:-/usr/bin/python3}
shapes=${SHAPES:-32x30,32x60,32x120,128x30}
torch_shapes=${TORCH_SHAPES:-$shapes}
steps=${STEPS:-30}
warmup=${WARMUP:-5}
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

# The environment as given, recorded before anything is unset.
printf '%s\n' "${OPENBLAS_CORETYPE-(unset)}" >"$raw/coretype"
printf '%s\n' "${OPENBLAS_L2_SIZE-(unset)}" >"$raw/l2size"
cut -d' ' -f1-3 /proc/loadavg >"$raw/load_start"
pgrep -f '[p]ython3 examples/tutorial_pytorch' | wc -l >"$raw/busy_start"

run() {   # run ENVNAME CMD...: as is, or with both OPENBLAS_ variables unset
    name=$1
    shift
    if [ "$name" = asis ]; then
        "$@"
    else
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"
    fi
}

for envname in asis unset; do
    for th in 1 2; do
        echo "== $envname, $th thread(s): liblstmsent" >&2
        run $envname "$build/tools/bench_step" --threads $th --shapes "$shapes" \
            --steps "$steps" --warmup "$warmup" --parts \
            --train "$src/data/train.tsv" --dev "$src/data/dev.tsv" \
            | sed "s/^{/{\"env\": \"$envname\", /" >>"$raw/results.jsonl"
        echo "== $envname, $th thread(s): liblstmsent inference, no shared prefixes" >&2
        run $envname env LSTMSENT_SHARE_PREFIX=0 "$build/tools/bench_step" --threads $th \
            --shapes 32x30 --steps 1 --warmup 1 --no-sgemm \
            --train "$src/data/train.tsv" --dev "$src/data/dev.tsv" \
            | grep '"what": "inference"' \
            | sed -e 's/"what": "inference"/"what": "inference_unshared"/' \
                  -e "s/^{/{\"env\": \"$envname\", /" >>"$raw/results.jsonl"
        echo "== $envname, $th thread(s): PyTorch" >&2
        (cd "$src" && run $envname "$py" tools/bench_torch.py --threads $th --shapes "$torch_shapes" \
            --steps "$steps" --warmup "$warmup") \
            | sed "s/^{/{\"env\": \"$envname\", /" >>"$raw/results.jsonl"
    done
done

if [ -n "${TUTORIAL_FROM:-}" ]; then
    cp "$TUTORIAL_FROM.out" "$raw/tutorial.out"
    cp "$TUTORIAL_FROM.time" "$raw/tutorial.time"
    { printf '%s' "$TUTORIAL_FROM"; [ -f "$TUTORIAL_FROM.load" ] && printf ' (load average, start time, end: %s)' "$(tr '\n' ' ' <"$TUTORIAL_FROM.load")"; echo; } >"$raw/tutorial_from"
elif [ "${TUTORIAL:-0}" = 1 ]; then
    echo "== examples/tutorial, 200 epochs" >&2
    /usr/bin/time -v "$build/examples/tutorial" --metrics "$raw/tutorial.csv" \
        >"$raw/tutorial.out" 2>"$raw/tutorial.time" || true
fi

"$py" "$src/tools/benchmark_report.py" --raw "$raw" --out "$out" \
    --command "tools/benchmark.sh $*" --torch-loop "${TORCH_LOOP:-}" \
    --torch-loop-note "${TORCH_LOOP_NOTE:-}"
echo "wrote $out" >&2
