#!/usr/bin/env python3
"""The shared library exports exactly the functions the public header declares.

Three lists must agree: the LSTMSENT_API declarations in lstmsent.h, the global names of the
linker version script, and the dynamic symbols the built library defines (nm -D).
Usage: check_exports.py lstmsent.h lstmsent.map liblstmsent.so
"""
import re
import subprocess
import sys


def header_names(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)   # the LSTMSENT_API definitions
    names = set()
    for decl in re.findall(r"LSTMSENT_API\b([^;{]*?)\(", text, flags=re.S):
        names.add(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", decl)[-1])
    return names


def map_names(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    names = set()
    for block in re.findall(r"global:(.*?)local:", text, flags=re.S):
        names.update(n for n in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*;", block))
    return names


def library_names(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWwDdBbRr" and parts[1] != "A":
            names.add(parts[2].split("@")[0])
    return names


def main():
    header, mapfile, lib = sys.argv[1:4]
    h, m, so = header_names(header), map_names(mapfile), library_names(lib)
    ok = True
    for what, a, b in (("header but not the map", h, m), ("map but not the header", m, h),
                       ("header but not the library", h, so),
                       ("library but not the header", so, h)):
        extra = sorted(a - b)
        if extra:
            ok = False
            print(f"in the {what}: {' '.join(extra)}")
    bad = sorted(n for n in so if not n.startswith("lstmsent_") or n.startswith("lstmsent__"))
    if bad:
        ok = False
        print(f"exported names outside lstmsent_*: {' '.join(bad)}")
    print(f"{len(h)} functions in the header, {len(m)} in the map, {len(so)} exported")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
