#!/bin/sh
# The tutorial-size parity test: make the fixtures with PyTorch (B=32, T=30, the vocabulary
# of train.tsv, real phrases; and five training steps with Adam), then check the C model
# and optimizer against them.
# Usage: parity_tutorial.sh PARITY_CHECK GEN_SCRIPT TRAIN_TSV OUT_DIR
# Exits 77 (skipped) when PyTorch is not importable by $LSTMSENT_TORCH_PYTHON, by default
# /usr/bin/python3 (Debian's python3-torch).
set -u
checker=$1 gen=$2 train=$3 out=$4
py=${LSTMSENT_TORCH_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import torch' >/dev/null 2>&1; then
    echo "PyTorch is not importable by $py: skipped"
    exit 77
fi
"$py" "$gen" --config tutorial --train "$train" --out "$out" || exit 1
"$py" "$(dirname "$gen")/gen_optim_fixtures.py" --config tutorial --train "$train" --out "$out" \
    || exit 1
# At one thread and at two: the threads split a batch differently (the rows of a
# last-token batch are dealt to them by length), and both must meet PyTorch.
for threads in 1 2; do
    echo "== $threads thread(s)"
    "$checker" --threads "$threads" "$out"/tutorial_sigmoid_last_step.lstf \
        "$out"/tutorial_sigmoid_last_token.lstf "$out"/tutorial_logits_last_step.lstf \
        "$out"/tutorial_logits_last_token.lstf "$out"/adam_tutorial.lstf || exit 1
done
