#!/usr/bin/python3
"""Run the binding's pytest files for meson: exit 77 (skipped) where numpy or pytest is
missing, else pytest's own status. Arguments are passed to pytest."""
import sys

try:
    import numpy  # noqa: F401
    import pytest
except ImportError as e:
    print(f"skipped: {e.name} is not installed (Debian: python3-numpy, python3-pytest)")
    sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs"] + sys.argv[1:]))
