# lstmsent predict --kaggle: the PhraseId,Sentiment submission, one row per test phrase in
# order, written atomically; a failure leaves no file and an old file untouched.
source "$(dirname "$0")/common.sh"

train_tiny model.st
expect_exit 0 "$LSTMSENT" predict --threads 1 model.st --kaggle test.tsv --out submission.csv
[ "$(head -n 1 submission.csv)" = "PhraseId,Sentiment" ] || fail "header: $(head -n 1 submission.csv)"
[ "$(wc -l < submission.csv)" -eq 301 ] || fail "not 300 rows"
tail -n +2 submission.csv | cut -d, -f1 > ids.txt
tail -n +2 test.tsv | cut -f1 > want.txt
cmp ids.txt want.txt || fail "PhraseIds are not the test file's, in order"
tail -n +2 submission.csv | cut -d, -f2 | grep -vqx '[0-4]' && fail "a label outside 0..4"
no_temp_files

# The labels are those predict gives the same phrases on stdin.
tail -n +2 test.tsv | cut -f3 | "$LSTMSENT" predict --threads 1 model.st | cut -f1 > stdin_labels.txt
tail -n +2 submission.csv | cut -d, -f2 | cmp - stdin_labels.txt || fail "--kaggle and stdin disagree"

# Unwritable paths: exit 4, no file; an existing submission is left as it was.
cp submission.csv before.csv
expect_exit 4 "$LSTMSENT" predict --threads 1 model.st --kaggle test.tsv --out nodir/s.csv
expect_err "nodir/s.csv"
expect_exit 4 "$LSTMSENT" predict --threads 1 model.st --kaggle test.tsv --out test.tsv/s.csv
[ ! -e nodir ] || fail "a directory appeared"
mkdir adir
expect_exit 4 "$LSTMSENT" predict --threads 1 model.st --kaggle test.tsv --out adir
# A bad test file: exit 3, the old submission untouched.
{ head -n 3 test.tsv; printf '9\t1\tbad \xff\n'; } > bad.tsv
expect_exit 3 "$LSTMSENT" predict --threads 1 model.st --kaggle bad.tsv --out submission.csv
expect_err "bad.tsv:4:"
cut -f2- test.tsv > noid.tsv
expect_exit 3 "$LSTMSENT" predict --threads 1 model.st --kaggle noid.tsv --out submission.csv
expect_err "noid.tsv:1: no PhraseId column"
cmp before.csv submission.csv || fail "a failed --kaggle changed the old submission"
no_temp_files
echo ok
