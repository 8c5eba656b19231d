#!/usr/bin/env bash
# The Python package as a user gets it from `meson install`: installed into /usr/local on
# this (throwaway CI) machine, imported by Debian's python3 from another directory with no
# environment variable, used, then uninstalled again so that the Debian packages tested
# after it are not shadowed. Prints PASS or FAIL and exits accordingly.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ok=1
meson install -C "$build" --quiet && ldconfig || ok=0
if [ $ok = 1 ]; then
    (cd / && env -u LSTMSENT_LIBRARY -u PYTHONPATH /usr/bin/python3 - <<'PY') || ok=0
import lstmsent
assert lstmsent.__file__.startswith("/usr/local/"), lstmsent.__file__
c = lstmsent.Corpus(["a good film", "a bad film"], labels=[3, 1])
net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 8, 1)
clf = lstmsent.Classifier(net, c)
labels, probs = clf.predict(["a good one"])
print(f"installed lstmsent {lstmsent.__version__} from {lstmsent.__file__} "
      f"(library {lstmsent.LIBRARY_PATH}): predicted {labels.tolist()}")
PY
fi
ninja -C "$build" uninstall >/dev/null && ldconfig
if [ $ok = 1 ]; then echo "PASS python-install"; else echo "FAIL python-install"; exit 1; fi
