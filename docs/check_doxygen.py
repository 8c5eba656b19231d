#!/usr/bin/env python3
"""The API reference builds without a single Doxygen warning, and documents everything.

Runs doxygen on the configured Doxyfile (docs/Doxyfile.in), its output redirected to a
directory of the test's own, and fails when doxygen fails or prints anything: with
QUIET = YES all it prints is warnings (WARN_AS_ERROR makes it fail on them as well).
The run also writes Doxygen's XML, which is then read for what Doxygen 1.9.4 does not
warn about: an enum value without documentation. Every function, macro, typedef, enum,
enum value, struct and struct field of the headers must have a description.
Usage: check_doxygen.py DOXYGEN DOXYFILE OUTDIR, or check_doxygen.py --skip (exit 77:
doxygen was not found).
"""
import glob
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET


def described(node):
    """Whether a memberdef, enumvalue or compounddef carries any description."""
    for tag in ("briefdescription", "detaileddescription"):
        d = node.find(tag)
        if d is not None and "".join(d.itertext()).strip():
            return True
    return False


def check_xml(xmldir):
    """The undocumented entities of the XML output, and a count of the documented ones."""
    missing, counts = [], {}
    for path in sorted(glob.glob(os.path.join(xmldir, "*.xml"))):
        if os.path.basename(path) in ("index.xml", "Doxyfile.xml"):
            continue
        root = ET.parse(path).getroot()
        for compound in root.iter("compounddef"):
            kind = compound.get("kind")
            name = compound.findtext("compoundname")
            # The main page's .dox file is a file compound too, with nothing to describe.
            headers_only = kind != "file" or name.endswith(".h")
            if kind in ("struct", "file", "group") and headers_only and not described(compound):
                missing.append(f"{kind} {name}")
            for member in compound.iter("memberdef"):
                mkind, mname = member.get("kind"), member.findtext("name")
                # A member is listed in its file and in its group: count it once.
                key = (mkind, member.get("id"))
                if key in counts:
                    continue
                counts[key] = mkind
                if not described(member):
                    missing.append(f"{mkind} {mname}")
                for value in member.iter("enumvalue"):
                    vkey = ("enumvalue", value.get("id"))
                    if vkey in counts:
                        continue
                    counts[vkey] = "enumvalue"
                    if not described(value):
                        missing.append(f"enum value {value.findtext('name')} of {mname}")
    tally = {}
    for kind in counts.values():
        tally[kind] = tally.get(kind, 0) + 1
    return missing, tally


def main():
    if sys.argv[1:] == ["--skip"]:
        print("doxygen not found: API reference not checked")
        return 77
    doxygen, doxyfile, outdir = sys.argv[1:4]
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    with open(doxyfile, encoding="utf-8") as f:
        config = f.read()
    # A later assignment wins: the same configuration, another output directory, and the
    # XML that the completeness check reads.
    config += f"\nOUTPUT_DIRECTORY = {outdir}\nGENERATE_XML = YES\nXML_OUTPUT = xml\n"
    run = subprocess.run([doxygen, "-"], input=config, capture_output=True, text=True)
    messages = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    for line in messages:
        print(line)
    print(f"doxygen exit status {run.returncode}, {len(messages)} warnings")
    ok = run.returncode == 0 and not messages
    if not os.path.exists(os.path.join(outdir, "html", "index.html")):
        print("no html/index.html written")
        ok = False
    missing, tally = check_xml(os.path.join(outdir, "xml"))
    for m in missing:
        print(f"undocumented: {m}")
    print("documented: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))
    return 0 if ok and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
