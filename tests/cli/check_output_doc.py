#!/usr/bin/env python3
"""check_output_doc.py RESULT.h5 OUTPUT.md: exit 0 when every column of /particles, /layers
and /adjacency of the result file has a row in its section of docs/OUTPUT.md with a type and a
unit (an explicit "—" for unitless columns), and every root attribute has a row in the
attribute table. Names in a row: `a`, `b` (several), `x-0`, `-1`, `-2` (a suffix of the
previous name), `x-0..2` (a range), `timing_<phase>_s` (a pattern)."""
import re
import sys

import h5py

SECTIONS = {"`/particles`": "particles", "`/layers`": "layers", "`/adjacency`": "adjacency",
            "Root attributes": "/"}


def names_of(cell):
    """The patterns (regular expressions) a table cell's backticked names stand for."""
    patterns, base = [], None
    for token in re.findall(r"`([^`]+)`", cell):
        if token.startswith("-") and base is not None:
            token = base + token
        m = re.fullmatch(r"(.*-)(\d+)\.\.(\d+)", token)
        if m:
            patterns += [re.escape(m[1] + str(i)) for i in range(int(m[2]), int(m[3]) + 1)]
        else:
            patterns.append(re.sub(r"<[a-z]+>", "[a-z_]+", re.escape(token).replace(r"\<", "<")
                                   .replace(r"\>", ">")))
        base = re.sub(r"-[\d.]+$", "", token) if "-" in token else None
    return patterns


def documented(doc_path):
    """{section: [(patterns, unit)]} from the markdown tables of the sections above."""
    rows, section = {}, None
    for line in open(doc_path, encoding="utf-8"):
        if line.startswith("## "):
            section = SECTIONS.get(line[3:].strip())
            continue
        if section is None or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        unit = cells[2] if section != "/" and len(cells) >= 4 else "n/a"
        rows.setdefault(section, []).append((names_of(cells[0]), unit))
    return rows


def main(result, doc_path):
    rows = documented(doc_path)
    problems = []
    with h5py.File(result, "r") as f:
        wanted = [(g, name) for g in ("particles", "layers", "adjacency") for name in f[g]]
        wanted += [("/", name) for name in f.attrs]
    for section, name in wanted:
        found = [unit for patterns, unit in rows.get(section, [])
                 if any(re.fullmatch(p, name) for p in patterns)]
        if not found:
            problems.append(f"{section}: '{name}' is not documented")
        elif not found[0]:
            problems.append(f"{section}: '{name}' has no unit")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
