# Bad input and I/O errors: each its exit code (3 bad input, 4 I/O), a message naming the
# file (and line), and no file left behind.
source "$(dirname "$0")/common.sh"

train_tiny model.st

# Missing files: 4.
expect_exit 4 "$LSTMSENT" train --train missing.tsv --out m.st "${TINY[@]}"
expect_err "missing.tsv"
expect_exit 4 "$LSTMSENT" eval model.st missing.tsv
expect_err "missing.tsv"
expect_exit 4 "$LSTMSENT" eval missing.st dev.tsv
expect_err "missing.st"
expect_exit 4 "$LSTMSENT" predict missing.st < /dev/null
expect_exit 4 "$LSTMSENT" predict model.st --kaggle missing.tsv --out s.csv
[ ! -e m.st ] && [ ! -e s.csv ] || fail "a failed command wrote a file"

# Malformed TSVs: 3, with file:line.
{ head -n 3 train.tsv; printf '9\t1\ta bad label\tx\n'; } > badlabel.tsv
expect_exit 3 "$LSTMSENT" train --train badlabel.tsv --out m.st "${TINY[@]}"
expect_err "badlabel.tsv:4:"
expect_exit 3 "$LSTMSENT" eval model.st badlabel.tsv
expect_err "badlabel.tsv:4:"
{ head -n 3 dev.tsv; printf '9\t1\tbad \xff byte\t2\n'; } > badutf8.tsv
expect_exit 3 "$LSTMSENT" eval model.st badutf8.tsv
expect_err "badutf8.tsv:4: invalid UTF-8"
: > empty.tsv
expect_exit 3 "$LSTMSENT" train --train empty.tsv --out m.st "${TINY[@]}"
expect_err "empty.tsv"

# Training on a file without labels: 3.
expect_exit 3 "$LSTMSENT" train --train test.tsv --out m.st "${TINY[@]}"
expect_err "test.tsv: no Sentiment column"
expect_exit 3 "$LSTMSENT" train --train train.tsv --dev test.tsv --out m.st "${TINY[@]}"
expect_err "test.tsv: no Sentiment column"
[ ! -e m.st ] || fail "a refused training wrote a model"

# Model files that cannot classify: no vocabulary, a vocabulary that does not match its
# recorded digest, a truncated file, not a model at all: 3.
"$STRIP_VOCAB" model.st novocab.st || fail "strip_vocab failed"
expect_exit 3 "$LSTMSENT" eval --threads 1 novocab.st dev.tsv
expect_err "novocab.st"
expect_err "vocabulary"
echo "a fine film" > one.txt
expect_exit 3 "$LSTMSENT" predict --threads 1 novocab.st < one.txt
expect_err "novocab.st"
expect_err "vocabulary"
[ ! -s out.txt ] || fail "predict printed with a model without vocabulary"
expect_exit 3 "$LSTMSENT" predict --threads 1 novocab.st --kaggle test.tsv --out s.csv
[ ! -e s.csv ] || fail "a submission written by a model without vocabulary"

python3 - model.st digest.st <<'PY'
# Change one letter of one word of the vocabulary in the header (same length, so the file
# stays valid safetensors and valid metadata): the recorded digest no longer matches.
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
words = header["__metadata__"]["vocab"].split("\n")
i = next(i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) > 3)
w = words[i]
for c in "qxzj":
    cand = w[:-1] + c
    if cand not in words:
        words[i] = cand
        break
header["__metadata__"]["vocab"] = "\n".join(words)
text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
assert len(text) <= n, "the changed header is longer"
text += b" " * (n - len(text))
open(sys.argv[2], "wb").write(raw[:8] + text + raw[8 + n:])
PY
expect_exit 3 "$LSTMSENT" eval --threads 1 digest.st dev.tsv
expect_err "digest"
expect_exit 3 "$LSTMSENT" predict --threads 1 digest.st < one.txt
expect_err "digest"

# A damaged byte in the tensor data: the checksum refuses the file (bad input, not an
# internal error).
cp model.st damaged.st
size=$(wc -c < damaged.st)
printf '\x5a' | dd of=damaged.st bs=1 seek=$((size - 100)) conv=notrunc 2> /dev/null
cmp -s model.st damaged.st && fail "the damaged copy is not damaged"
expect_exit 3 "$LSTMSENT" eval --threads 1 damaged.st dev.tsv
expect_err "checksum"
expect_exit 3 "$LSTMSENT" predict --threads 1 damaged.st < one.txt
expect_err "checksum"

head -c 1000 model.st > truncated.st
expect_exit 3 "$LSTMSENT" eval --threads 1 truncated.st dev.tsv
expect_err "truncated.st"
expect_exit 3 "$LSTMSENT" predict --threads 1 dev.tsv < one.txt
expect_exit 3 "$LSTMSENT" train --train train.tsv --out m.st --resume truncated.st "${TINY[@]}"
[ ! -e m.st ] || fail "a refused resume wrote a model"

# Unwritable outputs: 4, found before any training, and nothing left behind. (Tests may
# run as root, for whom a read-only directory is writable: a missing directory and a
# parent that is a regular file cannot be written by anyone.)
start=$(date +%s)
expect_exit 4 "$LSTMSENT" train --train train.tsv --out nodir/m.st --epochs 50 "${TINY[@]}"
expect_err "nodir/m.st"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the unwritable --out was found late"
expect_exit 4 "$LSTMSENT" train --train train.tsv --out train.tsv/m.st "${TINY[@]}"
expect_err "train.tsv/m.st"
expect_exit 4 "$LSTMSENT" train --train train.tsv --out m.st --metrics nodir/m.csv "${TINY[@]}"
expect_exit 4 "$LSTMSENT" train --train train.tsv --out m.st --checkpoint nodir/c.st "${TINY[@]}"
[ ! -e m.st ] && [ ! -e nodir ] || fail "an unwritable output left a file"
no_temp_files
echo ok
