"""The ctypes declarations agree with the C header: struct layouts (from a C program
compiled against the header), version and exported functions."""
import json
import os
import re
import subprocess

import pytest

import lstmsent
from lstmsent import _lib

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "include", "lstmsent",
                      "lstmsent.h")


def test_struct_layouts():
    exe = os.environ.get("LSTMSENT_ABI_LAYOUT")
    if not exe or not os.path.exists(exe):
        pytest.skip("abi_layout was not built")
    c = json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)
    pairs = {"lstmsent_corpus_options": _lib.CorpusOptions,
             "lstmsent_dataset_options": _lib.DatasetOptions,
             "lstmsent_model_options": _lib.ModelOptions,
             "lstmsent_adam_options": _lib.AdamOptions,
             "lstmsent_load_options": _lib.LoadOptions,
             "lstmsent_eval_result": _lib.EvalResult}
    for cname, py in pairs.items():
        assert c[cname]["size"] == __import__("ctypes").sizeof(py), cname
        for field, off in c[cname]["fields"].items():
            assert getattr(py, field).offset == off, f"{cname}.{field}"
        assert list(c[cname]["fields"]) == [f for f, _ in py._fields_], cname
    assert c["max_classes"] == _lib.MAX_CLASSES
    assert c["version_number"] == lstmsent._C.version_number()


def test_every_header_function_is_declared():
    if not os.path.exists(HEADER):
        pytest.skip("not in the source tree")
    text = open(HEADER).read()
    names = set(re.findall(r"LSTMSENT_API[^;]*?\b(lstmsent_\w+)\s*\(", text, re.S))
    declared = set(_lib._PROTOTYPES)
    assert names == declared, (sorted(names - declared), sorted(declared - names))


def test_version_check_refuses_another_major(monkeypatch):
    assert _lib.ABI_MAJOR == lstmsent._C.version_number() // 10000
    monkeypatch.setattr(_lib, "ABI_MAJOR", 7)
    with pytest.raises(ImportError, match="needs 7"):
        _lib._check_version()


def test_library_override(tmp_path):
    env = dict(os.environ, LSTMSENT_LIBRARY=str(tmp_path / "missing.so"))
    r = subprocess.run(["/usr/bin/python3", "-c", "import lstmsent"], env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0 and "LSTMSENT_LIBRARY" in r.stderr and "missing.so" in r.stderr
