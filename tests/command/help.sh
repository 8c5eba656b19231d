# --help of the command and of each subcommand: exit 0, usage and exit codes on stdout;
# bad command lines: exit 2 with a pointer to --help.
source "$(dirname "$0")/common.sh"

for sub in train eval predict; do
    expect_exit 0 "$LSTMSENT" "$sub" --help
    grep -q "^usage: lstmsent $sub" out.txt || fail "$sub --help has no usage line"
    grep -q "2 bad usage" out.txt || fail "$sub --help does not list the exit codes"
    [ ! -s err.txt ] || fail "$sub --help wrote to stderr"
    expect_exit 0 "$LSTMSENT" "$sub" -h
done
expect_exit 0 "$LSTMSENT" --help
grep -q "train" out.txt && grep -q "predict" out.txt || fail "lstmsent --help lists no commands"
expect_exit 0 "$LSTMSENT" --version
grep -qE '^lstmsent [0-9]+\.[0-9]+\.[0-9]+$' out.txt || fail "--version: $(cat out.txt)"

# train --help shows the recommended defaults.
expect_exit 0 "$LSTMSENT" train --help
for want in "embedding size E (400)" "LSTM hidden size H (256)" "LSTM layers (2)" \
            "output head (logits)" "(last-token)" "padded or truncated to T tokens (64)" \
            "total epochs, counting those of a resumed run (4)" "(128)" "learning rate (0.003)" \
            "lr multiplied by X after each epoch (0.5)" "are unknown (8)" "(id)" \
            "gradients clipped to this L2 norm (5)"; do
    grep -qF -- "$want" out.txt || fail "train --help lacks '$want'"
done

# Usage errors. (--train names a missing file: were a usage error missed, the command
# would stop at once with 4 rather than train a full-size model.)
expect_exit 2 "$LSTMSENT"
expect_exit 2 "$LSTMSENT" frobnicate
expect_err "unknown command 'frobnicate'"
expect_exit 2 "$LSTMSENT" train --out m.st
expect_err "--train TRAIN.tsv is required"
expect_exit 2 "$LSTMSENT" train --train nope.tsv
expect_err "--out MODEL is required"
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --bogus
expect_err "unknown option '--bogus'"
expect_err "Try 'lstmsent train --help'"
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --epochs
expect_err "option '--epochs' needs a value"
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --epochs 0
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --lr abc
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --lr -1
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --lstm-dropout 1.5
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --head softmax
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --pooling mean
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --unknown drop
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --threads 65
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --seq-len 5000
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --seed -3
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st extra.tsv
expect_err "unexpected argument 'extra.tsv'"
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --checkpoint m.st
expect_err "--checkpoint and --out name the same file"
expect_exit 2 "$LSTMSENT" train --train nope.tsv --out m.st --metrics m.st.ckpt
expect_exit 2 "$LSTMSENT" eval m.st
expect_err "needs MODEL and DATA.tsv"
# Three arguments are two models and the data (an ensemble): m.st is looked for.
expect_exit 4 "$LSTMSENT" eval m.st a.tsv b.tsv
expect_err "m.st"
expect_exit 2 "$LSTMSENT" eval --batch 0 m.st dev.tsv
expect_exit 2 "$LSTMSENT" predict
expect_err "needs a MODEL"
expect_exit 2 "$LSTMSENT" predict m.st --kaggle test.tsv
expect_err "--kaggle and --out go together"
expect_exit 2 "$LSTMSENT" predict m.st --out s.csv
expect_exit 2 "$LSTMSENT" predict m.st --frob
# None of these touched a file.
[ ! -e m.st ] && [ ! -e s.csv ] || fail "a usage error wrote a file"
echo ok
