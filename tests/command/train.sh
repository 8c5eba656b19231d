# lstmsent train end to end: a tiny model for 2 epochs with --dev and --metrics; the model,
# checkpoint and metrics files; the epoch lines; the model evaluates and classifies.
source "$(dirname "$0")/common.sh"

expect_exit 0 "$LSTMSENT" train --train train.tsv --dev dev.tsv --out model.st \
    --metrics metrics.csv --epochs 2 --seed 7 "${TINY[@]}"
cp out.txt train-out.txt
[ -s model.st ] || fail "no model.st"
[ -s model.st.ckpt ] || fail "no model.st.ckpt (the default --checkpoint)"
no_temp_files
[ "$(grep -c '^epoch ' train-out.txt)" -eq 2 ] || fail "not two epoch lines: $(cat train-out.txt)"
grep -q '^epoch 2/2  step 188 ' train-out.txt || fail "epoch 2 is not at step 188 (94 batches of 32 per epoch)"
grep -q 'dev loss [0-9.]* acc [0-9.]* sentence [0-9.]* macro-F1 [0-9.]*' train-out.txt \
    || fail "no dev metrics on the epoch lines"
grep -q '3000 phrases, ' train-out.txt || fail "the summary does not count 3000 phrases"
# stderr is not a terminal here: no progress output (--progress auto).
[ ! -s err.txt ] || fail "train wrote to stderr: $(cat err.txt)"

# Metrics: the header, one row per epoch, 11 fields, the dev fields filled, the training
# time within the epoch's.
[ "$(head -n 1 metrics.csv)" = "epoch,step,lr,train_loss,train_acc,dev_loss,dev_acc,dev_sentence_acc,dev_macro_f1,seconds,train_seconds" ] \
    || fail "metrics header: $(head -n 1 metrics.csv)"
[ "$(wc -l < metrics.csv)" -eq 3 ] || fail "metrics rows: $(cat metrics.csv)"
awk -F, 'NR > 1 && (NF != 11 || $1 != NR - 1 || $7 == "" || $7 < 0 || $7 > 1 || $11 <= 0 || $11 > $10) { exit 1 }' metrics.csv \
    || fail "malformed metrics rows: $(cat metrics.csv)"

# The model at --out is the best epoch's by dev accuracy: eval gives that accuracy.
best=$(awk -F, 'NR > 1 && $7 > b { b = $7 } END { printf "%.4f", b }' metrics.csv)
expect_exit 0 "$LSTMSENT" eval --threads 1 model.st dev.tsv
grep -q "^accuracy  *$best\$" out.txt || fail "eval accuracy is not the best dev accuracy $best: $(cat out.txt)"

# The model file classifies on its own (its vocabulary is inside).
printf 'a gorgeous , witty , seductive movie .\n' | "$LSTMSENT" predict --threads 1 model.st > pred.txt \
    || fail "predict on the trained model failed"
grep -qE '^[0-4]	' pred.txt || fail "predict output: $(cat pred.txt)"

# Without --dev the last epoch's model is saved; --checkpoint names the checkpoint;
# --progress lines writes progress lines to stderr.
expect_exit 0 "$LSTMSENT" train --train train.tsv --out last.st --checkpoint ck.st \
    --epochs 1 --progress lines "${TINY[@]}"
[ -s last.st ] && [ -s ck.st ] && [ ! -e last.st.ckpt ] || fail "--checkpoint not used"
grep -q '^epoch 1/1: 94/94 batches' err.txt && [ "$(grep -c batches err.txt)" -eq 10 ] \
    || fail "--progress lines: $(cat err.txt)"
grep -q 'dev loss' out.txt && fail "dev metrics printed without --dev"

# --min-count sets the vocabulary (the default, 8, keeps fewer words than 1), --unknown pad
# maps unknown words to the padding id instead of an id of their own; both are recorded
# and eval uses them.
expect_exit 0 "$LSTMSENT" train --train train.tsv --out pad.st --epochs 1 --unknown pad \
    --min-count 1 "${TINY[@]}"
words_default=$(grep -o '3000 phrases, [0-9]* words' train-out.txt | awk '{print $3}')
words_all=$(grep -o '3000 phrases, [0-9]* words' out.txt | awk '{print $3}')
[ "$words_default" -lt "$words_all" ] \
    || fail "--min-count 8 kept $words_default of $words_all words"
expect_exit 0 "$LSTMSENT" eval --threads 1 pad.st dev.tsv

# A dev file without SentenceId: no sentence accuracy ('-', an empty CSV field), the rest.
cut -f1,3,4 dev.tsv > dev_nosentence.tsv
expect_exit 0 "$LSTMSENT" train --train train.tsv --dev dev_nosentence.tsv --out ns.st \
    --metrics ns.csv --epochs 1 "${TINY[@]}"
grep -q ' sentence - macro-F1 ' out.txt || fail "no '-' for the missing sentence accuracy: $(cat out.txt)"
awk -F, 'NR == 2 && !(NF == 11 && $7 != "" && $8 == "" && $9 != "") { exit 1 }' ns.csv \
    || fail "metrics without SentenceId: $(cat ns.csv)"
no_temp_files
echo ok
