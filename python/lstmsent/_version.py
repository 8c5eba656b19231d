# The package's version: the C library's it is released with (meson's project version;
# tests/python check that the three agree).
__version__ = "0.1.0"
