# lstmsent eval: the table and --json agree, the JSON is valid, the counts add up.
source "$(dirname "$0")/common.sh"

train_tiny model.st
expect_exit 0 "$LSTMSENT" eval --threads 1 model.st dev.tsv
cp out.txt table.txt
for want in "^loss  *[0-9]" "^accuracy  *[0-9]" "^sentence accuracy  *[0-9]" "^macro-F1  *[0-9]" \
            "^0 negative  " "^4 positive  " "^macro  " "^confusion (rows: true label, columns: predicted)"; do
    grep -q "$want" table.txt || fail "the table lacks '$want': $(cat table.txt)"
done
grep -q "500 phrases" table.txt || fail "the table does not count 500 phrases"

expect_exit 0 "$LSTMSENT" eval --json --threads 1 model.st dev.tsv
cp out.txt eval.json
[ "$(wc -l < eval.json)" -eq 1 ] || fail "--json is not one line"
python3 -m json.tool eval.json > /dev/null || fail "--json is not valid JSON: $(cat eval.json)"

# The same numbers both ways: accuracy, loss, the confusion matrix.
python3 - table.txt eval.json <<'PY' || fail "table and JSON disagree"
import json, sys
table = open(sys.argv[1]).read().splitlines()
j = json.load(open(sys.argv[2]))
def row(name):
    return next(l for l in table if l.startswith(name + " ")).split()
assert "%.4f" % j["accuracy"] == row("accuracy")[1], (j["accuracy"], row("accuracy"))
assert "%.4f" % j["loss"] == row("loss")[1]
assert "%.4f" % j["macro_f1"] == row("macro-F1")[1]
assert "%.4f" % j["sentence_accuracy"] == table[[l.startswith("sentence accuracy") for l in table].index(True)].split()[2]
assert j["phrases"] == 500 and j["num_classes"] == 5
conf = j["confusion"]
assert sum(map(sum, conf)) == 500
assert [sum(r) for r in conf] == [c["support"] for c in j["classes"]]
assert abs(sum(conf[k][k] for k in range(5)) / 500 - j["accuracy"]) < 1e-12
start = table.index("confusion (rows: true label, columns: predicted)") + 2
assert [list(map(int, l.split()[1:])) for l in table[start:start + 5]] == conf
assert [c["name"] for c in j["classes"]] == ["negative", "somewhat negative", "neutral", "somewhat positive", "positive"]
# Sentence accuracy is over the first phrase of each SentenceId.
assert 0 < j["sentences"] < 500 and sum(map(sum, j["sentence_confusion"])) == j["sentences"]
PY

# Batch size does not change the metrics.
expect_exit 0 "$LSTMSENT" eval --json --batch 7 --threads 1 model.st dev.tsv
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a["accuracy"]==b["accuracy"] and a["confusion"]==b["confusion"]' eval.json out.txt \
    || fail "--batch 7 changed the metrics"

# An unlabelled TSV: bad input, named.
expect_exit 3 "$LSTMSENT" eval --threads 1 model.st test.tsv
expect_err "test.tsv: no Sentiment column"
[ ! -s out.txt ] || fail "eval printed a result for an unlabelled file"
echo ok
