#!/usr/bin/env python3
"""Summarise a GRAPES-HPC scaling study: one table row per rank count.

    python3 summarise.py STUDY_DIR [MORE_DIRS_OR_FILES ...] [--mode auto|strong|weak]
                         [--csv summary.csv] [--time phases|wall] [--all]

Reads every `grapes run` result file (*.h5 with the root attribute `mpi_ranks`) found in the
given folders (recursively) or named directly, and prints: ranks, rank grid, volume shape,
seconds per phase (read, ghosts, edt, ..., write), their total, the launcher wall time (from runs.tsv, written by strong_scaling.sh / weak_scaling.sh), speed-up, parallel
efficiency, throughput and the peak resident memory of the largest rank. It also writes the
table as CSV (default STUDY_DIR/summary.csv).

The phase times are the root attributes timing_<phase>_s of each file, one column per phase
found (whatever phases the grapes build reports). A phase missing from the attributes is
taken from the run's log next to the file (<name>.log: the "  write  0.123 s" lines grapes
prints, rank 0's clock), else left empty. --phase-source log takes every phase from the log
where there is one (rank 0's view throughout); a note under the table says when file and log
disagree (each rank times its own phases; the file holds the slowest rank's time per phase).

Several runs with the same rank count and shape (REPEATS > 1): the fastest is kept, and the
`runs` column says how many there were (--all prints every run instead).

Strong scaling (one shape): speed-up S = T(P0) / T(P) and efficiency E = S / (P / P0), P0 the
smallest rank count in the study (1 for a classic study).
Weak scaling (shape grows with P, same voxels per rank): E = T(P0) / T(P) and the scaled
speed-up S = E * P / P0.
T is the total of the phases (--time phases, default) or the wall time of the launcher
(--time wall: includes MPI start-up, configuration and the phantom's particle placement).

Needs python3 with h5py and numpy only.
"""

import argparse
import csv
import math
import os
import re
import sys

import h5py
import numpy as np

# Phases are discovered from the files (every timing_<phase>_s attribute) and the logs, so a
# grapes that splits or renames phases needs no change here; known ones are shown in this order.
KNOWN_PHASES = ["read", "particles", "ghosts", "slab_read", "edt", "accumulate", "layers",
                "surface", "adjacency", "merge", "write"]
TIMING_ATTR = re.compile(r"^timing_(.+)_s$")
LOG_LINE = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_]*)\s+([0-9.eE+-]+) s\s*$")


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return text(value.item())
    return str(value)


def ints(value):
    return [int(v) for v in np.atleast_1d(np.asarray(value)).ravel()]


def find_result_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith(".h5") and not name.startswith("."):  # .x.h5.tmp-*: partial
                        files.append(os.path.join(root, name))
        elif os.path.isfile(path):
            files.append(path)
        else:
            sys.exit(f"summarise.py: '{path}' is neither a file nor a folder")
    return files


def read_wall_times(files):
    """runs.tsv (file, ranks, wall_s, exit, config) of every folder and its parent."""
    walls = {}
    folders = {os.path.dirname(os.path.abspath(f)) for f in files}
    for folder in folders:
        for candidate in (folder, os.path.dirname(folder)):
            table = os.path.join(candidate, "runs.tsv")
            if not os.path.isfile(table):
                continue
            with open(table, newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    try:
                        wall = float(row["wall_s"])
                    except (KeyError, TypeError, ValueError):
                        continue
                    if row.get("exit", "0") != "0":
                        continue
                    key = os.path.normpath(os.path.join(candidate, "runs", row["file"]))
                    walls[key] = wall
                    walls.setdefault(os.path.normpath(os.path.join(candidate, row["file"])), wall)
    return walls


def phases_from_log(path):
    """Rank 0's phase lines of the run's log, in order: between 'grapes run:' and '  ---'."""
    log = os.path.splitext(path)[0] + ".log"
    found = {}
    if os.path.isfile(log):
        inside = False
        with open(log, errors="replace") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line.startswith("grapes run:"):
                    inside, found = True, {}
                elif inside and line.startswith("  ---"):
                    inside = False
                elif inside:
                    match = LOG_LINE.match(line)
                    if match:
                        found[match.group(1)] = float(match.group(2))
    return found


def order_phases(runs):
    """Known phases in their order, then unknown ones in the order the logs list them."""
    seen = []
    for run in runs:
        for phase in run["order"]:
            if phase not in seen:
                seen.append(phase)
    known = [p for p in KNOWN_PHASES if p in seen]
    return known + [p for p in seen if p not in KNOWN_PHASES]


def read_run(path, walls, prefer_log):
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        print(f"summarise.py: skipping {path}: {error}", file=sys.stderr)
        return None
    with handle:
        attrs = handle.attrs
        if "mpi_ranks" not in attrs:
            return None  # not a grapes run result (e.g. the phantom input file)
        run = {
            "file": path,
            "ranks": int(np.asarray(attrs["mpi_ranks"]).item()),
            "grid": ints(attrs["decomposition"]) if "decomposition" in attrs else [],
            "shape": ints(attrs["shape"]) if "shape" in attrs else [],
            "peak_mib": float(np.asarray(attrs["peak_memory_mib"]).item())
            if "peak_memory_mib" in attrs else math.nan,
            "ghost": ints(attrs["ghost_width"]) if "ghost_width" in attrs else [],
            "halo_mb": float(np.asarray(attrs["halo_bytes"]).item()) / 1e6
            if "halo_bytes" in attrs else math.nan,
            "space": text(attrs["kokkos_execution_space"])
            if "kokkos_execution_space" in attrs else "",
        }
        seconds, source = {}, {}
        for key in attrs:
            match = TIMING_ATTR.match(key)
            if match:
                seconds[match.group(1)] = float(np.asarray(attrs[key]).item())
                source[match.group(1)] = "file"
    logged = phases_from_log(path)
    run["log_differs"] = [p for p in seconds if p in logged and
                          abs(seconds[p] - logged[p]) > 0.05 * max(logged[p], 1e-3)]
    for phase in logged:
        if prefer_log or phase not in seconds:
            seconds[phase] = logged[phase]
            source[phase] = "log"
    # The run's phase order: the log's, then the file's other phases in the known order.
    run["order"] = list(logged) + sorted(
        (p for p in seconds if p not in logged),
        key=lambda p: (KNOWN_PHASES.index(p) if p in KNOWN_PHASES else len(KNOWN_PHASES), p))
    run["seconds"] = seconds
    run["source"] = source
    run["total"] = sum(seconds.values())
    run["wall"] = walls.get(os.path.normpath(os.path.abspath(path)), math.nan)
    run["voxels"] = int(np.prod(run["shape"])) if run["shape"] else 0
    return run


def pick_mode(runs, requested):
    if requested != "auto":
        return requested
    shapes = {tuple(r["shape"]) for r in runs}
    if len(shapes) == 1:
        return "strong"
    per_rank = {r["voxels"] / r["ranks"] for r in runs}
    if max(per_rank) <= 1.05 * min(per_rank):
        return "weak"
    print("summarise.py: the shapes differ and the voxels per rank are not constant: neither "
          "a strong nor a weak study; no speed-up computed (use --mode to force one)",
          file=sys.stderr)
    return "none"


def fmt(value, digits=3, width=8):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-".rjust(width)
    return f"{value:{width}.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="study folders and/or result files")
    parser.add_argument("--mode", choices=["auto", "strong", "weak"], default="auto")
    parser.add_argument("--time", choices=["phases", "wall"], default="phases",
                        help="time used for speed-up and efficiency (default: phase total)")
    parser.add_argument("--csv", help="CSV output (default: <first folder>/summary.csv)")
    parser.add_argument("--all", action="store_true", help="one row per run, not per rank count")
    parser.add_argument("--phase-source", choices=["file", "log"], default="file",
                        help="phase times from the file attributes (default; the log fills "
                             "gaps) or from the run logs (rank 0's clock)")
    args = parser.parse_args()

    files = find_result_files(args.paths)
    walls = read_wall_times(files)
    runs = [r for r in (read_run(f, walls, args.phase_source == "log") for f in files)
            if r is not None]
    if not runs:
        sys.exit("summarise.py: no grapes result files (with attribute mpi_ranks) found in "
                 + " ".join(args.paths))
    phases = order_phases(runs)
    for run in runs:
        run["seconds"] = {p: run["seconds"].get(p, math.nan) for p in phases}
        run["phase_source"] = ",".join(f"{p}:{run['source'][p]}" for p in phases
                                       if p in run["source"])

    def measure(run):
        return run["wall"] if args.time == "wall" else run["total"]

    # Keep the fastest run of each (ranks, shape); count the repeats.
    groups = {}
    for run in runs:
        groups.setdefault((run["ranks"], tuple(run["shape"])), []).append(run)
    rows = []
    for key in sorted(groups):
        members = groups[key]
        if args.all:
            for run in sorted(members, key=lambda r: r["file"]):
                rows.append(dict(run, runs=1))
        else:
            finite = [r for r in members if not math.isnan(measure(r))] or members
            best = min(finite, key=measure)
            rows.append(dict(best, runs=len(members)))

    mode = pick_mode(runs, args.mode)
    reference = min(rows, key=lambda r: (r["ranks"], measure(r)))
    p0, t0 = reference["ranks"], measure(reference)
    for row in rows:
        t = measure(row)
        ideal = row["ranks"] / p0
        row["ideal"] = ideal
        if mode == "strong" and t > 0:
            row["speedup"] = t0 / t
            row["efficiency"] = row["speedup"] / ideal
        elif mode == "weak" and t > 0:
            row["efficiency"] = t0 / t
            row["speedup"] = row["efficiency"] * ideal
        else:
            row["speedup"] = row["efficiency"] = math.nan
        row["mvox_per_rank"] = row["voxels"] / row["ranks"] / 1e6
        row["mvox_per_s"] = row["voxels"] / row["total"] / 1e6 if row["total"] > 0 else math.nan

    # Table.
    shapes = {tuple(r["shape"]) for r in rows}
    title = {"strong": "strong scaling", "weak": "weak scaling", "none": "runs"}[mode]
    volume = ("volume " + "x".join(map(str, rows[0]["shape"]))) if len(shapes) == 1 else \
        f"{rows[0]['mvox_per_rank']:.1f} Mvoxel per rank"
    print(f"GRAPES-HPC {title}: {len(runs)} run(s), {volume}, "
          f"Kokkos {rows[0]['space'] or '?'}; reference P0 = {p0}; T = "
          f"{'launcher wall time' if args.time == 'wall' else 'sum of the phases'}")
    header = (f"{'ranks':>5} {'grid':>9} {'shape':>14} {'ghost':>9} "
              + " ".join(f"{p:>{max(8, len(p))}}" for p in phases)
              + f" {'total':>8} {'wall':>8} {'speedup':>8} {'eff.':>6} {'Mvox/s':>8}"
              + f" {'MiB/rank':>9} {'halo MB':>8} {'runs':>4}")
    print(header)
    print("-" * len(header))
    for row in rows:
        grid = "x".join(map(str, row["grid"]))
        shape = "x".join(map(str, row["shape"]))
        ghost = "x".join(map(str, row["ghost"]))
        print(f"{row['ranks']:>5} {grid:>9} {shape:>14} {ghost:>9} "
              + " ".join(fmt(row["seconds"][p], 3, max(8, len(p))) for p in phases)
              + f" {fmt(row['total'])} {fmt(row['wall'])} {fmt(row['speedup'], 2)}"
              + f" {fmt(row['efficiency'], 2, 6)} {fmt(row['mvox_per_s'], 1)}"
              + f" {fmt(row['peak_mib'], 0, 9)} {fmt(row['halo_mb'], 1)} {row['runs']:>4}")
    print("times in seconds; speedup/eff. relative to P0 "
          + ("(strong: S = T(P0)/T(P), E = S/(P/P0))" if mode == "strong" else
             "(weak: E = T(P0)/T(P), scaled S = E*P/P0)" if mode == "weak" else "")
          + "; MiB/rank = peak resident memory of the largest rank; halo MB = ghost "
          "bytes moved between ranks (all ranks)")
    from_log = sorted({p.split(":")[0] for r in rows for p in r["phase_source"].split(",")
                       if p.endswith(":log")})
    if from_log and args.phase_source == "file":
        print("phase time(s) taken from the run logs (not stored in the files): "
              + ", ".join(from_log))
    differ = sorted({p for r in rows for p in r["log_differs"]})
    if differ and args.phase_source == "file":
        print("note: the file's phase times differ from rank 0's log for "
              + ", ".join(differ) + " (each rank times its own phases and the file holds "
              "one rank's values); --phase-source log shows rank 0's view throughout")
    absent = [p for p in phases if all(math.isnan(r["seconds"][p]) for r in rows)]
    if absent:
        print("phase(s) with no time in the files or logs (left out of the total): "
              + ", ".join(absent))

    # CSV.
    csv_path = args.csv
    if not csv_path:
        folders = [p for p in args.paths if os.path.isdir(p)]
        csv_path = os.path.join(folders[0] if folders else ".", "summary.csv")
    fields = (["file", "mode", "ranks", "grid", "shape", "voxels", "mvox_per_rank", "runs"]
              + [f"{p}_s" for p in phases]
              + ["total_s", "wall_s", "speedup", "ideal_speedup", "efficiency", "mvox_per_s",
                 "peak_memory_mib_per_rank", "ghost_width", "halo_mb", "execution_space",
                 "phase_source"])
    with open(csv_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for row in rows:
            writer.writerow(
                [row["file"], mode, row["ranks"], "x".join(map(str, row["grid"])),
                 "x".join(map(str, row["shape"])), row["voxels"], f"{row['mvox_per_rank']:.6g}",
                 row["runs"]]
                + [f"{row['seconds'][p]:.6g}" for p in phases]
                + [f"{row['total']:.6g}", f"{row['wall']:.6g}", f"{row['speedup']:.6g}",
                   f"{row['ideal']:.6g}", f"{row['efficiency']:.6g}", f"{row['mvox_per_s']:.6g}",
                   f"{row['peak_mib']:.6g}", "x".join(map(str, row["ghost"])),
                   f"{row['halo_mb']:.6g}", row["space"],
                   row["phase_source"]])
    print(f"wrote {csv_path}")


if __name__ == "__main__":
    main()
