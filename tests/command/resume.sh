# --resume: 1 epoch, then resume to 2, gives the same model and checkpoint bytes as an
# uninterrupted 2-epoch run (same seed, one thread: docs/model-files.md's guarantee), and
# the metrics file continues; a checkpoint of another configuration is refused.
source "$(dirname "$0")/common.sh"

common=(--train train.tsv --dev dev.tsv --seed 3 --lr-decay 0.5 "${TINY[@]}")
expect_exit 0 "$LSTMSENT" train "${common[@]}" --out full.st --metrics full.csv --epochs 2
expect_exit 0 "$LSTMSENT" train "${common[@]}" --out part.st --metrics part.csv --epochs 1
[ "$(wc -l < part.csv)" -eq 2 ] || fail "one epoch, not one metrics row"
cp part.st.ckpt epoch1.ckpt
expect_exit 0 "$LSTMSENT" train "${common[@]}" --out part.st --metrics part.csv --epochs 2 \
    --resume part.st.ckpt
grep -q "resumed from part.st.ckpt after epoch 1 (step 94)" out.txt || fail "no resume line: $(cat out.txt)"
[ "$(grep -c '^epoch ' out.txt)" -eq 1 ] && grep -q '^epoch 2/2 ' out.txt || fail "the resumed run did not run epoch 2 only"
grep -q "lr 0.0015 " out.txt || fail "the decayed lr was not restored: $(cat out.txt)"
cmp full.st part.st || fail "resumed model differs from the uninterrupted run's"
cmp full.st.ckpt part.st.ckpt || fail "resumed checkpoint differs from the uninterrupted run's"
# The metrics agree but for the seconds.
cut -d, -f1-9 full.csv > a.csv
cut -d, -f1-9 part.csv > b.csv
cmp a.csv b.csv || fail "metrics differ: $(cat full.csv part.csv)"

# Resuming a finished run does nothing and says so.
expect_exit 0 "$LSTMSENT" train "${common[@]}" --out part.st --epochs 2 --resume part.st.ckpt
grep -q '^epoch ' out.txt && fail "a finished run trained again"
cmp full.st part.st || fail "a finished resume changed the model"

# Another configuration, another training file, a model file: refused, nothing changed.
expect_exit 3 "$LSTMSENT" train "${common[@]}" --hidden 24 --out other.st --epochs 2 --resume epoch1.ckpt
expect_err "hidden_dim"
head -n 2001 train.tsv > small.tsv
expect_exit 3 "$LSTMSENT" train --train small.tsv --dev dev.tsv --seed 3 "${TINY[@]}" \
    --out other.st --epochs 2 --resume epoch1.ckpt
expect_err "vocabulary"
expect_exit 3 "$LSTMSENT" train "${common[@]}" --out other.st --epochs 2 --resume full.st
expect_exit 4 "$LSTMSENT" train "${common[@]}" --out other.st --epochs 2 --resume missing.ckpt
[ ! -e other.st ] || fail "a refused resume wrote a model"
no_temp_files
echo ok
