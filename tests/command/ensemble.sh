# lstmsent eval and predict with several model files: an ensemble of two tiny models trained
# from different seeds, scored and applied from the mean of their probabilities; models of
# another vocabulary or seq_len are bad input (3), a missing file an I/O error (4).
source "$(dirname "$0")/common.sh"

# Four epochs, so that the models answer more than one class and disagree here and there.
train_tiny m1.st --seed 1 --epochs 4
train_tiny m2.st --seed 2 --epochs 4

# eval: each model alone, the pair, and one model twice (whose mean is that model).
for m in m1 m2; do
    expect_exit 0 "$LSTMSENT" eval --json --threads 1 $m.st dev.tsv
    cp out.txt $m.json
done
expect_exit 0 "$LSTMSENT" eval --json --threads 1 m1.st m2.st dev.tsv
cp out.txt ens.json
expect_exit 0 "$LSTMSENT" eval --json --threads 1 --batch 7 m1.st m2.st dev.tsv
cp out.txt ens7.json
expect_exit 0 "$LSTMSENT" eval --json --threads 1 m1.st m1.st dev.tsv
cp out.txt twice.json
expect_exit 0 "$LSTMSENT" eval --threads 1 m1.st m2.st dev.tsv
cp out.txt ens_table.txt
grep -q "^models  *2, their mean probabilities: m1.st m2.st$" ens_table.txt \
    || fail "the table does not name the models: $(head -n 2 ens_table.txt)"
python3 - m1.json m2.json ens.json ens7.json twice.json ens_table.txt <<'PY' || fail "ensemble metrics inconsistent"
import json, sys
a, b, e, e7, t = (json.load(open(p)) for p in sys.argv[1:6])
table = open(sys.argv[6]).read().splitlines()
assert "model" in a and "models" not in a
assert e["models"] == ["m1.st", "m2.st"] and "model" not in e, e.get("models")
assert e["phrases"] == 500 and e["num_classes"] == 5
conf = e["confusion"]
assert sum(map(sum, conf)) == 500
assert [sum(r) for r in conf] == [c["support"] for c in e["classes"]]
assert abs(sum(conf[k][k] for k in range(5)) / 500 - e["accuracy"]) < 1e-12
assert sum(map(sum, e["sentence_confusion"])) == e["sentences"] == a["sentences"]
# -log of a mean is at most the mean of the -logs (Jensen), strictly unless they agree.
assert e["loss"] < (a["loss"] + b["loss"]) / 2 - 1e-6, (e["loss"], a["loss"], b["loss"])
assert e["loss"] not in (a["loss"], b["loss"])
assert e7["accuracy"] == e["accuracy"] and e7["confusion"] == e["confusion"]
# The table and the JSON of the ensemble agree.
def row(name):
    return next(l for l in table if l.startswith(name + " ")).split()
assert "%.4f" % e["accuracy"] == row("accuracy")[1]
assert "%.4f" % e["loss"] == row("loss")[1]
# One model twice is that model: its counts, its loss to rounding.
assert t["confusion"] == a["confusion"] and t["accuracy"] == a["accuracy"]
assert abs(t["loss"] - a["loss"]) < 1e-5, (t["loss"], a["loss"])
PY

# predict: the mean of each model's own probabilities, to the printed precision.
awk -F'\t' 'NR > 1 && NR <= 201 { print $3 }' dev.tsv > texts.txt   # no pipe into head: SIGPIPE under pipefail
printf '\nzzqx unseen words\n' >> texts.txt
for m in m1 m2; do
    expect_exit 0 "$LSTMSENT" predict --threads 1 $m.st < texts.txt
    cp out.txt $m.out
done
expect_exit 0 "$LSTMSENT" predict --threads 1 m1.st m2.st < texts.txt
cp out.txt ens.out
python3 - m1.out m2.out ens.out <<'PY' || fail "predict with two models is not the mean"
import sys
rows = [[l.split("\t") for l in open(p).read().splitlines()] for p in sys.argv[1:4]]
assert len(rows[0]) == len(rows[1]) == len(rows[2]) == 202
apart = 0.0
for (_, p1), (_, p2), (lab, pe) in zip(*rows):
    p1, p2, pe = ([float(x) for x in p.split()] for p in (p1, p2, pe))
    assert abs(sum(pe) - 1) < 1e-5, pe
    for x, y, z in zip(p1, p2, pe):
        assert abs((x + y) / 2 - z) < 1e-5, (p1, p2, pe)
        apart = max(apart, abs(x - y))
    best = max(range(5), key=lambda k: (pe[k], -k))
    assert int(lab) == best or pe[int(lab)] >= pe[best] - 2e-6, (lab, pe)
assert apart > 1e-3, "the two models agree everywhere: the test proves nothing"
PY
expect_exit 0 "$LSTMSENT" predict --json --threads 1 m1.st m2.st < texts.txt
python3 -c '
import json, sys
plain = open(sys.argv[1]).read().splitlines()
js = [json.loads(l) for l in open(sys.argv[2])]
assert len(js) == len(plain)
for p, j in zip(plain, js):
    lab, probs = p.split("\t")
    assert j["label"] == int(lab) and ["%.6f" % x for x in j["probs"]] == probs.split()
' ens.out out.txt || fail "--json with two models disagrees with the plain lines"

# --kaggle with two models: the labels stdin gives the same phrases.
expect_exit 0 "$LSTMSENT" predict --threads 1 m1.st m2.st --kaggle test.tsv --out sub.csv
[ "$(head -n 1 sub.csv)" = "PhraseId,Sentiment" ] || fail "header: $(head -n 1 sub.csv)"
[ "$(wc -l < sub.csv)" -eq 301 ] || fail "not 300 rows"
tail -n +2 test.tsv | cut -f1 | cmp - <(tail -n +2 sub.csv | cut -d, -f1) || fail "PhraseIds"
tail -n +2 test.tsv | cut -f3 | "$LSTMSENT" predict --threads 1 m1.st m2.st | cut -f1 > stdin_labels.txt
tail -n +2 sub.csv | cut -d, -f2 | cmp - stdin_labels.txt || fail "--kaggle and stdin disagree"
"$LSTMSENT" predict --threads 1 m1.st --kaggle test.tsv --out sub1.csv || fail "one model"
cmp -s sub.csv sub1.csv && fail "the ensemble's submission is model 1's"
no_temp_files

# A model trained on other phrases has another vocabulary: exit 3, the file named.
{ head -n 1 "$DATA_DIR/train.tsv"; sed -n '3002,4001p' "$DATA_DIR/train.tsv"; } > other.tsv
expect_exit 0 "$LSTMSENT" train --train other.tsv --out other.st --epochs 1 "${TINY[@]}"
expect_exit 3 "$LSTMSENT" eval --threads 1 m1.st other.st dev.tsv
expect_err "other.st: its vocabulary is not that of m1.st"
[ ! -s out.txt ] || fail "eval printed a result"
expect_exit 3 "$LSTMSENT" predict --threads 1 m1.st m2.st other.st < texts.txt
expect_err "other.st"
[ ! -s out.txt ] || fail "predict printed a result"
expect_exit 3 "$LSTMSENT" predict --threads 1 m1.st other.st --kaggle test.tsv --out sub2.csv
[ ! -e sub2.csv ] || fail "a refused ensemble wrote a submission"
# Another seq_len: exit 3, the option named.
train_tiny m16.st --seed 3 --seq-len 16
expect_exit 3 "$LSTMSENT" eval --threads 1 m1.st m16.st dev.tsv
expect_err "m16.st: lstmsent_classifier_add_model: the model's seq_len is 16"
# A missing model file: exit 4, wherever it is in the list.
expect_exit 4 "$LSTMSENT" eval --threads 1 m1.st nope.st dev.tsv
expect_err "nope.st"
expect_exit 4 "$LSTMSENT" predict --threads 1 nope.st m1.st < texts.txt
expect_err "nope.st"
expect_exit 4 "$LSTMSENT" predict --threads 1 m1.st nope.st --kaggle test.tsv --out sub3.csv
[ ! -e sub3.csv ] || fail "a missing model wrote a submission"
no_temp_files
echo ok
