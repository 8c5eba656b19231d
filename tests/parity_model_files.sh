#!/bin/sh
# Model files between PyTorch and liblstmsent, both ways, on real phrases of train.tsv with
# the tutorial's vocabulary:
#   1. torch_export.py writes a SentimentRNN's state_dict with its metadata and PyTorch's
#      outputs; model_file_check loads it and must give them to 1e-5 (two configurations:
#      the tutorial's head and pooling, and logits / last token / padding_idx 0);
#   2. model_file_check trains a model a few steps and saves it; torch_import.py loads it
#      with load_state_dict and must give liblstmsent's outputs to 1e-5.
# Usage: parity_model_files.sh MODEL_FILE_CHECK TESTS_DIR TRAIN_TSV OUT_DIR
# Exits 77 (skipped) when PyTorch is not importable by $LSTMSENT_TORCH_PYTHON, by default
# /usr/bin/python3 (Debian's python3-torch).
set -u
checker=$1 tests=$2 train=$3 out=$4
py=${LSTMSENT_TORCH_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import torch, numpy' >/dev/null 2>&1; then
    echo "PyTorch is not importable by $py: skipped"
    exit 77
fi
mkdir -p "$out" || exit 2
"$py" "$tests/torch_export.py" --train "$train" --out "$out/torch.safetensors" \
    --ref "$out/torch_ref.tsv" || exit 2
"$checker" load "$out/torch.safetensors" "$out/torch_ref.tsv" || exit 1
"$py" "$tests/torch_export.py" --train "$train" --out "$out/torch_logits.safetensors" \
    --ref "$out/torch_logits_ref.tsv" --head logits --pooling last_token --padding-idx 0 \
    --layers 3 --embed 24 --hidden 40 --seed 5 || exit 2
"$checker" load "$out/torch_logits.safetensors" "$out/torch_logits_ref.tsv" || exit 1
"$checker" train-save "$train" "$out/torch_ref.tsv" "$out/c.safetensors" "$out/c_ref.tsv" \
    || exit 2
"$py" "$tests/torch_import.py" --model "$out/c.safetensors" --ref "$out/c_ref.tsv" \
    --out "$out/c_torch_outputs.tsv" || exit 1
