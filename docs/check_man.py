#!/usr/bin/env python3
"""The man pages format without a warning from groff (lintian's check).

For each page: `groff -man -ww -Tutf8 PAGE` must print nothing on stderr, and, where
man-db is installed, so must the command lintian runs
(`man --warnings -E UTF-8 -l -Tutf8 -Z PAGE`). Exit 77 (skipped) without groff.
Usage: check_man.py PAGE...
"""
import os
import shutil
import subprocess
import sys


def run(cmd, env):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env=env)
    problems = [line for line in r.stderr.splitlines() if line.strip()]
    if r.returncode != 0:
        problems.append(f"exit status {r.returncode}")
    return problems


def main():
    pages = sys.argv[1:]
    groff = shutil.which("groff")
    if groff is None:
        print("groff not found: man pages not checked")
        return 77
    man = shutil.which("man")
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    failed = 0
    for page in pages:
        checks = [[groff, "-man", "-ww", "-Tutf8", page]]
        if man is not None:
            checks.append([man, "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page])
        for cmd in checks:
            problems = run(cmd, env)
            name = os.path.basename(page)
            for p in problems:
                print(f"{name}: {os.path.basename(cmd[0])}: {p}")
            failed += bool(problems)
            if not problems:
                print(f"{name}: {' '.join(os.path.basename(c) for c in cmd[:1] + cmd[1:-1])}: clean")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
