# lstmsent predict on stdin: one result per line, plain and JSON, in order, including an
# empty line, unknown words, \r\n, a long line; bad UTF-8 stops at its line (exit 3)
# after printing every line before it.
source "$(dirname "$0")/common.sh"

train_tiny model.st
long=$(for i in $(seq 1 20000); do printf 'good '; done)
printf '%s\n' "the movie is a gorgeous , witty , seductive film ." "" \
    "xyzzyq plughw" "frobbq nitzz" "dull , plodding and far too long" "$long" > in.txt
printf 'dull , plodding and far too long\r\n' >> in.txt   # line 7: \r\n, as line 5
printf 'the movie' >> in.txt                                # line 8: no final newline
expect_exit 0 "$LSTMSENT" predict --threads 1 model.st < in.txt
cp out.txt plain.txt
[ "$(wc -l < plain.txt)" -eq 8 ] || fail "not one output line per input line: $(cat plain.txt)"
awk -F'\t' 'NF != 2 || $1 !~ /^[0-4]$/ { exit 1 }
            { n = split($2, p, " "); if (n != 5) exit 1; s = 0; best = 0
              for (k = 1; k <= 5; k++) { s += p[k]; if (p[k] > p[best + 1]) best = k - 1 }
              if (s < 0.999 || s > 1.001 || best != $1) exit 1 }' plain.txt \
    || fail "malformed plain output: $(cat plain.txt)"
# Documented: every unknown word maps to the same id (the default policy), so two lines of
# two unknown words each give the same answer; \r\n is not part of the text.
[ "$(sed -n 3p plain.txt)" = "$(sed -n 4p plain.txt)" ] || fail "unknown-word lines differ"
[ "$(sed -n 5p plain.txt)" = "$(sed -n 7p plain.txt)" ] || fail "\\r\\n changed the result"
# ... and with --unknown pad, under last-token pooling, one unknown word is the padding id
# at step 0, the same step as an empty line reads.
train_tiny pad.st --unknown pad --min-count 1
printf '\nqzxvyw\n' | "$LSTMSENT" predict --threads 1 pad.st > two.txt || fail "predict failed"
[ "$(sed -n 1p two.txt)" = "$(sed -n 2p two.txt)" ] || fail "empty and one-unknown-word lines differ"
printf '\n' | "$LSTMSENT" predict --threads 1 model.st > empty.txt || fail "predict failed"
[ "$(cat empty.txt)" = "$(sed -n 2p plain.txt)" ] || fail "an empty line's answer changed"
# The result does not depend on the batch size.
expect_exit 0 "$LSTMSENT" predict --threads 1 --batch 3 model.st < in.txt
cmp plain.txt out.txt || fail "--batch 3 changed the output"

expect_exit 0 "$LSTMSENT" predict --json --threads 1 model.st < in.txt
cp out.txt json.txt
python3 - plain.txt json.txt <<'PY' || fail "JSON lines disagree with the plain lines"
import json, sys
plain = open(sys.argv[1]).read().splitlines()
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == len(plain) == 8
for p, j in zip(plain, lines):
    o = json.loads(j)
    assert sorted(o) == ["label", "probs"] and len(o["probs"]) == 5
    label, probs = p.split("\t")
    assert o["label"] == int(label)
    assert ["%.6f" % x for x in o["probs"]] == probs.split()
PY

# An empty stdin: no output, success.
expect_exit 0 "$LSTMSENT" predict --threads 1 model.st < /dev/null
[ ! -s out.txt ] || fail "output for no input"

# Bad UTF-8 on line 3 of 5: exit 3 naming the line, lines 1-2 printed, nothing after.
printf 'a fine film\nawful\nbad \xc3\x28 byte\ngood\nbad\n' > bad.txt
expect_exit 3 "$LSTMSENT" predict --threads 1 model.st < bad.txt
expect_err "<stdin>:3:"
expect_err "UTF-8"
[ "$(wc -l < out.txt)" -eq 2 ] || fail "not exactly the 2 lines before the bad one: $(cat out.txt)"
# ... also when the bad line is in a later batch than the first.
expect_exit 3 "$LSTMSENT" predict --threads 1 --batch 2 model.st < bad.txt
expect_err "<stdin>:3:"
[ "$(wc -l < out.txt)" -eq 2 ] || fail "--batch 2: not the 2 lines before the bad one"
# A NUL byte: a C string cannot hold it.
printf 'fine\nnul \0 here\n' > nul.txt
expect_exit 3 "$LSTMSENT" predict --threads 1 model.st < nul.txt
expect_err "<stdin>:2: NUL byte"
[ "$(wc -l < out.txt)" -eq 1 ] || fail "not the line before the NUL"
echo ok
