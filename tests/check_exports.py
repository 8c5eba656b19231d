#!/usr/bin/env python3
"""The library exports exactly the functions the public header declares.

Three lists must agree: the LSTMSENT_API declarations in lstmsent.h, the global names of the
linker version script, and the dynamic symbols the built shared library defines (nm -D).
Given the static library (liblstmsent.a) instead, the version script does not apply, so
the objects' symbol visibility must do its work: the archive's default-visibility symbols
are exactly the header's functions, every other global it defines is hidden and named
lstmsent__* (the internals, which a program or shared library linking the archive then
exports none of), and with CORE.a given it holds the same objects as that archive.
Usage: check_exports.py lstmsent.h lstmsent.map liblstmsent.so
       check_exports.py lstmsent.h lstmsent.map liblstmsent.a [liblstmsent_core.a]
"""
import os
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


def archive_symbols(path):
    """(default-visibility, other) global names an archive's members define."""
    out = subprocess.run(["readelf", "-sW", path], check=True,
                         capture_output=True, text=True).stdout
    public, other = set(), set()
    for line in out.splitlines():
        # Num: Value Size Type Bind Vis Ndx Name
        parts = line.split()
        if len(parts) < 8 or not parts[0].endswith(":") or parts[4] not in ("GLOBAL", "WEAK"):
            continue
        if parts[6] == "UND":
            continue
        (public if parts[5] == "DEFAULT" else other).add((parts[7], parts[5]))
    return {n for n, _ in public}, other


def archive_members(path):
    """The members' file names (a thin archive, as meson makes the core, lists paths)."""
    out = subprocess.run(["ar", "t", path], check=True, capture_output=True, text=True).stdout
    return [os.path.basename(n) for n in out.split()]


def check_archive(header, mapfile, lib, core):
    h, m = header_names(header), map_names(mapfile)
    public, other = archive_symbols(lib)
    ok = True
    for what, a, b in (("header but not the map", h, m), ("map but not the header", m, h),
                       ("header but not the archive", h, public),
                       ("archive (default visibility) but not the header", public, h)):
        extra = sorted(a - b)
        if extra:
            ok = False
            print(f"in the {what}: {' '.join(extra)}")
    bad = sorted(f"{n} ({vis})" for n, vis in other
                 if vis != "HIDDEN" or not n.startswith("lstmsent__"))
    if bad:
        ok = False
        print(f"globals neither public nor hidden lstmsent__*: {' '.join(bad)}")
    with open(lib, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            ok = False
            print(f"{lib} is not a self-contained archive (a thin one names build-tree files)")
    members = archive_members(lib)
    if len(set(members)) != len(members):
        ok = False
        print(f"an object twice in the archive: {' '.join(sorted(members))}")
    if core:
        want = archive_members(core)
        if sorted(members) != sorted(want):
            ok = False
            print(f"the archive holds {' '.join(sorted(members))}, "
                  f"the core {' '.join(sorted(want))}")
    print(f"{len(h)} functions in the header, {len(m)} in the map, {len(public)} public and "
          f"{len(other)} hidden globals in {len(members)} objects")
    return 0 if ok else 1


def main():
    header, mapfile, lib = sys.argv[1:4]
    if lib.endswith(".a"):
        return check_archive(header, mapfile, lib, sys.argv[4] if len(sys.argv) > 4 else None)
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
