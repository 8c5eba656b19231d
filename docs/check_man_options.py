#!/usr/bin/env python3
"""lstmsent.1 lists exactly the commands and options the command's --help prints.

`lstmsent --help` lists the commands; the page must have a `.SS "lstmsent COMMAND"`
section for each, and no other. For each command, every option line of
`lstmsent COMMAND --help` ("  --name VALUE   text", "  -h, --help   text") must appear in
that section as a tagged paragraph (".TP" followed by "\\fB\\-\\-name\\fR \\fIVALUE\\fR"),
with the same name for its value, and the section may list no option the command lacks.
Usage: check_man_options.py LSTMSENT lstmsent.1
"""
import re
import subprocess
import sys

# "--name" then, after exactly one space, its value's name ("PATH", "logits|sigmoid");
# the description follows after two or more spaces or after one more space.
OPTION = re.compile(r"^(?:(-[a-zA-Z]), )?(--[a-z][a-z-]*)(?: ([^\s]+))?")


def help_text(exe, *args):
    r = subprocess.run([exe, *args], capture_output=True, text=True, check=True)
    return r.stdout


def help_commands(text):
    """The commands listed under "Commands:" in `lstmsent --help`."""
    commands, inside = set(), False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
        elif inside and re.match(r"^  [a-z]+ ", line):
            commands.add(line.split()[0])
        elif inside and line.strip() == "":
            inside = False
    return commands


def help_options(text):
    """(short, long, value) of each option line of a command's --help."""
    options = set()
    for line in text.splitlines():
        if line.startswith("  -") and not line.startswith("   "):
            m = OPTION.match(line[2:])
            if m:
                options.add(m.groups())
    return options


def roff_plain(line):
    """A roff line as the reader sees it: font escapes dropped, \\- as -."""
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace("\\-", "-").replace("\\&", "").strip()


def man_sections(path):
    """{command: [tag lines of its .TP paragraphs]} from the .SS "lstmsent X" sections."""
    sections, current, after_tp = {}, None, False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith(".SH"):
                current = None
            m = re.match(r'^\.SS "lstmsent ([a-z]+)"', line)
            if m:
                current = m.group(1)
                sections[current] = []
                continue
            if after_tp and current is not None:
                sections[current].append(roff_plain(line))
            after_tp = line.strip() == ".TP"
    return sections


def man_options(tags):
    options = set()
    for tag in tags:
        m = OPTION.match(tag)
        if m and m.end() == len(tag):
            options.add(m.groups())
    return options


def show(option):
    short, name, value = option
    return (f"{short}, " if short else "") + name + (f" {value}" if value else "")


def main():
    exe, page = sys.argv[1:3]
    sections = man_sections(page)
    ok = True
    commands = help_commands(help_text(exe, "--help"))
    if not commands:
        print("lstmsent --help lists no commands")
        return 1
    for extra in sorted(set(sections) - commands):
        print(f"{page}: section 'lstmsent {extra}' for a command --help does not list")
        ok = False
    for command in sorted(commands):
        if command not in sections:
            print(f"{page}: no section 'lstmsent {command}'")
            ok = False
            continue
        want = help_options(help_text(exe, command, "--help"))
        have = man_options(sections[command])
        for o in sorted(want - have):
            print(f"lstmsent {command}: '{show(o)}' is in --help but not in {page}")
        for o in sorted(have - want):
            print(f"lstmsent {command}: '{show(o)}' is in {page} but not in --help")
        ok = ok and want == have and bool(want)
        print(f"lstmsent {command}: {len(want)} options in --help, {len(have)} in the page")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
