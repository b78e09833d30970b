#!/usr/bin/env python3
"""The settings table has one source: src/config/load.cpp, which `senna --help` prints. This
checks the copies against it (run by scripts/test.sh after the build):

  README.md       its table of settings is exactly what `senna --help` says, in the same
                  order (`tools/check_settings.py --write` rewrites it from the binary);
  docs/limits.md  every SOCK_ variable it names exists, the defaults it states are the
                  binary's, and every setting that is a limit or a timeout has a row.

Usage: tools/check_settings.py [--write] [--senna build/asan/senna]
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
LIMITS = os.path.join(ROOT, "docs", "limits.md")
HEADER = "| variable | default | meaning |"

# A setting is a limit (and needs a row in docs/limits.md) when its name says so.
LIMIT_NAME = re.compile(r"(TIMEOUT|LIMIT|MAX|RATE|HEARTBEAT|LEEWAY|TTL|PING_INTERVAL)")


def settings_of(binary):
    """[(env, help, default)] in the order `senna --help` prints them."""
    out = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    found = re.findall(r"^  --[a-z0-9-]+  \((SOCK_[A-Z0-9_]+)\)\n      (.*)\n      default: (.*)$",
                       out, re.M)
    if not found:
        sys.exit(f"check_settings: no settings in `{binary} --help`")
    return found


def readme_table(settings):
    rows = [HEADER, "| --- | --- | --- |"]
    for env, meaning, default in settings:
        rows.append(f"| `{env}` | {default} | {meaning.replace('|', '&#124;')} |")
    return rows


def check_readme(settings, write):
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    try:
        start = lines.index(HEADER)
    except ValueError:
        return [f"README.md: no settings table (a line `{HEADER}`)"]
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    want = readme_table(settings)
    if lines[start:end] == want:
        return []
    if write:
        lines[start:end] = want
        with open(README, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print("check_settings: README.md's table rewritten from senna --help")
        return []
    have = lines[start:end]
    problems = ["README.md's settings table differs from `senna --help` "
                "(tools/check_settings.py --write fixes it):"]
    for i in range(max(len(have), len(want))):
        h = have[i] if i < len(have) else "(missing)"
        w = want[i] if i < len(want) else "(extra)"
        if h != w:
            problems.append(f"  README: {h}\n  senna:  {w}")
    return problems


UNITS = {"KiB": 1024, "MiB": 1024 * 1024}


def numbers_in(text):
    """The numbers of a limits.md default column, with KiB/MiB applied, in order."""
    out = []
    for value, unit in re.findall(r"(\d+)\s*(KiB|MiB)?", text):
        out.append(int(value) * UNITS.get(unit, 1))
    return out


def check_limits(settings):
    defaults = {env: default for env, _, default in settings}
    problems = []
    named = set()
    in_defaults_table = False
    with open(LIMITS, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("|"):
                in_defaults_table = False
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[:2] == ["setting", "default"]:
                in_defaults_table = True
                continue
            # Every variable named anywhere in a table exists (SOCK_RATE_SEND_*: some do).
            for env in re.findall(r"SOCK_[A-Z0-9_]+\*?", line):
                if env.endswith("*"):
                    if not any(d.startswith(env[:-1]) for d in defaults):
                        problems.append(f"docs/limits.md:{n}: no setting matches {env}")
                elif env not in defaults:
                    problems.append(f"docs/limits.md:{n}: {env} is not a setting")
            if not in_defaults_table:
                continue
            # The defaults table: the first column's settings, the second their defaults.
            envs = re.findall(r"SOCK_[A-Z0-9_]+", cells[0])
            named.update(envs)
            stated = numbers_in(cells[1])
            for i, env in enumerate(envs):
                if env not in defaults:
                    continue
                actual = defaults[env]
                if not actual.isdigit():
                    # A default in words ("unset"): the row's default says it first.
                    if not cells[1].startswith(actual):
                        problems.append(f"docs/limits.md:{n}: {env}'s default should begin "
                                        f"with {actual!r}")
                    continue
                if i >= len(stated) or str(stated[i]) != actual:
                    shown = stated[i] if i < len(stated) else "nothing"
                    problems.append(f"docs/limits.md:{n}: {env} default {shown}, "
                                    f"but senna's is {actual}")
    for env in defaults:
        if LIMIT_NAME.search(env) and env not in named:
            problems.append(f"docs/limits.md: no row for {env} (a limit or timeout)")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--write", action="store_true", help="rewrite README.md's table")
    p.add_argument("--senna", default=os.environ.get("SENNA_BIN",
                                                     os.path.join(ROOT, "build/asan/senna")))
    args = p.parse_args()
    settings = settings_of(args.senna)
    problems = check_readme(settings, args.write) + check_limits(settings)
    for line in problems:
        print(line)
    if problems:
        print("check_settings: the settings table drifted")
        return 1
    print(f"check_settings: ok ({len(settings)} settings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
