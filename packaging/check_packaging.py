"""Lints the packaging that cannot be run here (no Spack, no Apptainer, no network).

- packaging/spack/package.py: compiled, and its directives run against a stub of
  spack.package (spack/check_recipe.py);
- packaging/apptainer/grapes.def: the sections an image needs, every %files source present
  in the checkout, the %post/%test/%runscript scripts parse with ``sh -n``, and the packages
  come from tools/setup-debian.sh (which %post runs).

    python3 packaging/check_packaging.py        -> exit 0, or 1 with what is wrong
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sections(text):
    """{'%post': body, ...} of an Apptainer definition; the header under ''."""
    out, name = {"": []}, ""
    for line in text.splitlines():
        match = re.match(r"^(%\w+)\s*$", line)
        if match:
            name = match.group(1)
            out[name] = []
        else:
            out[name].append(line)
    return {key: "\n".join(lines) for key, lines in out.items()}


def check_apptainer(path):
    """Problems found in the Apptainer definition file."""
    problems = []
    parts = sections(open(path).read())
    header = parts[""]
    if not re.search(r"^Bootstrap:\s*docker", header, re.M) or "debian:12" not in header:
        problems.append("header must bootstrap from docker debian:12")
    for needed in ("%files", "%post", "%environment", "%runscript", "%test"):
        if needed not in parts:
            problems.append(f"no {needed} section")
    for line in parts.get("%files", "").splitlines():
        if line.strip() and not line.strip().startswith("#"):
            source = line.split()[0]
            if not os.path.exists(os.path.join(ROOT, source)):
                problems.append(f"%files source '{source}' is not in the checkout")
    for name in ("%post", "%test", "%runscript", "%environment"):
        done = subprocess.run(["sh", "-n"], input=parts.get(name, ""), text=True,
                              capture_output=True)
        if done.returncode:
            problems.append(f"{name} does not parse: {done.stderr.strip()}")
    if "tools/setup-debian.sh" not in parts.get("%post", ""):
        problems.append("%post does not run tools/setup-debian.sh (the package list)")
    if "grapes" not in parts.get("%runscript", ""):
        problems.append("%runscript does not call grapes")
    return problems


def main():
    problems = []
    recipe = subprocess.run([sys.executable, os.path.join(HERE, "spack", "check_recipe.py")],
                            capture_output=True, text=True)
    print(recipe.stdout.strip())
    if recipe.returncode:
        problems.append(f"spack recipe: {recipe.stderr.strip()}")
    problems += [f"apptainer: {p}" for p in check_apptainer(os.path.join(HERE, "apptainer", "grapes.def"))]
    for problem in problems:
        print(f"packaging: {problem}")
    if not problems:
        print("apptainer definition ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
