"""The examples run: examples/python/tutorial.py prints, line for line, what the C
tutorial (build/examples/tutorial) prints for the same seed and epochs, and saves the two
plots; examples/python/classify.py trains, evaluates and classifies."""
import os
import subprocess
import sys

import pytest

EXAMPLES = os.environ.get("LSTMSENT_EXAMPLES_DIR",
                          os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                                       "python"))
TUTORIAL_EXE = os.environ.get("LSTMSENT_TUTORIAL_EXE", "")


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=800)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_tutorial_notebook_two_epochs_equals_the_c_example(tmp_path):
    py = run([sys.executable, os.path.join(EXAMPLES, "tutorial.py"), "--epochs", "2",
              "--plots", str(tmp_path / "plots")], tmp_path)
    assert py[0] == "SentimentRNN(" and any(l.startswith("Epoch: 2/2...") for l in py)
    assert sum(l.startswith("acc:") for l in py) == 4            # batches 0 and 20, twice
    try:
        import matplotlib  # noqa: F401
        for name in ("loss", "acc"):
            png = tmp_path / "plots" / f"tutorial-{name}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    except ImportError:
        assert any("no plots" in l for l in py)
    if not os.path.exists(TUTORIAL_EXE):
        pytest.skip("the C tutorial was not built (-Dexamples=false)")
    c = run([TUTORIAL_EXE, "--epochs", "2", "--metrics", str(tmp_path / "m.csv")], tmp_path)
    strip = lambda lines: [l for l in lines if not l.startswith(("wall time", "wrote "))]
    assert strip(py) == strip(c)


def test_classify_example_quick_run(tmp_path):
    out = run([sys.executable, os.path.join(EXAMPLES, "classify.py"), "--epochs", "1",
               "--rows", "3000", "--threads", "1", "--out", str(tmp_path / "m.safetensors")],
              tmp_path)
    text = "\n".join(out)
    assert "epoch 1/1" in text and "best model" in text and "confusion" in text
    assert (tmp_path / "m.safetensors").exists()
    assert sum(l.endswith("A gorgeous, witty, seductive movie.") for l in out) == 1
