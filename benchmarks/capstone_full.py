"""The capstone at full size: run ``day4/32_evaluation`` on 55 M rows and record what it measured.

    python benchmarks/capstone_full.py                                 # BDP_SCALE=full, about an hour
    python benchmarks/capstone_full.py --rows 2000000 --out /tmp/cf    # a quicker rehearsal

The chapter runs as the book's tests run it (:func:`bdp.book.execute_chapter`: a fresh kernel in a
scratch copy of the book, network blocked, the peak resident memory of the kernel and all its
children sampled every 50 ms) with ``BDP_SCALE=full``, its data under ``--data-dir`` (about 15 GB
free: the 5.5 GB CSV, its Parquet copy, the workers' spill) and each cell allowed
``--cell-timeout`` seconds. A failing cell ends the run and is recorded with its error — a full-size
run that fails is a result too.

Writes ``capstone_full.json`` (scale, rows, date, machine, wall time, peak memory, cells run, the
failing cell if any, the ten slowest cells and every value the chapter glued) and
``capstone_full.md`` to ``--out`` (default ``benchmarks/results``), each atomically. The chapter
shows the committed JSON beside its own small-scale numbers. ``--rows`` sets
``BDP_CAPSTONE_ROWS`` (one timing round each); such a rehearsal must name its own ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from bdp.book import copy_book, execute_chapter, machine, offline_env  # noqa: E402
from bdp.committed_results import CAPSTONE_FULL_JSON  # noqa: E402
from bdp.files import write_atomic  # noqa: E402
from profile_chapters import slowest_cells  # noqa: E402

CHAPTER = "day4/32_evaluation"
GLUE_MIME = "application/papermill.record/text/plain"  # how MyST-NB's glue stores a value's text


def glued_values(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Every value the executed chapter glued, as the text MyST-NB would format."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in out.get("data", {}):
                values[name] = out["data"][GLUE_MIME]
    return values


def markdown(result: dict) -> str:
    """The results as a short Markdown report."""
    status = ("every cell passed" if result["failed"] is None
              else f"stopped at cell {result['failed']['cell']}: {result['failed']['error']}")
    lines = [f"# The capstone at full size ({result['scale']}, {result['rows']:,} rows)", "",
             f"Run {result['date']} on {result['machine']}: {result['cells_run']} code cells "
             f"run ({result['cells']} cells with the text), {status}.", "",
             f"Wall time {result['seconds'] / 60:.1f} min; peak memory of the kernel and its "
             f"children {result['peak_mb'] / 1024:.1f} GiB.", "",
             "| slowest cells | seconds |", "|---|---:|"]
    lines += [f"| {c['first_line']} | {c['seconds']:.1f} |" for c in result["slowest"]]
    lines += ["", "| glued value | text |", "|---|---|"]
    lines += [f"| {k} | {v.replace('|', '/')[:80]} |" for k, v in sorted(result["glued"].items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="BDP_CAPSTONE_ROWS: a smaller rehearsal")
    parser.add_argument("--out", type=Path, help="results folder (default: benchmarks/results)")
    parser.add_argument("--data-dir", type=Path, help="where the chapter writes its data "
                        "(default: a temporary folder)")
    parser.add_argument("--cell-timeout", type=int, default=3600, metavar="SECONDS")
    parser.add_argument("--notebook", type=Path, help="also keep the executed notebook here")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 10_000:
        parser.error("--rows must be at least 10000 (the chapter's smallest test set is 5000 rows)")
    if args.rows is not None and args.out is None:
        parser.error("a rehearsal (--rows) needs its own --out: benchmarks/results holds the full run")
    if args.cell_timeout < 60:
        parser.error("--cell-timeout must be at least 60 seconds")
    out = args.out or CAPSTONE_FULL_JSON.parent
    with tempfile.TemporaryDirectory(prefix="bdp-capstone-full-") as work:
        data = args.data_dir or Path(work) / "data"
        data.mkdir(parents=True, exist_ok=True)
        source = copy_book(Path(work) / "src")
        env, _ = offline_env(Path(work))
        env.update(BDP_SCALE="full", BDP_DATA_DIR=str(data))
        env.pop("BDP_CAPSTONE_ROWS", None)
        if args.rows:
            env["BDP_CAPSTONE_ROWS"] = str(args.rows)
        started = datetime.now(timezone.utc)
        print(f"{started:%H:%M} UTC: executing {CHAPTER} at full size; data in {data}", flush=True)
        run = execute_chapter(source / f"{CHAPTER}.md", env=env, timeout=args.cell_timeout,
                              stop_on_error=True)
    if args.notebook:
        write_atomic(args.notebook, nbformat.writes(run.notebook))
    code = [c for c in run.notebook.cells if c.cell_type == "code"]
    glued = glued_values(run.notebook)
    result = {
        "chapter": CHAPTER, "scale": "full" if not args.rows else f"BDP_CAPSTONE_ROWS={args.rows}",
        "rows": int(glued.get("rows", args.rows or 0)),
        "date": started.strftime("%Y-%m-%d"), "machine": machine(),
        "seconds": round(run.seconds, 1), "peak_mb": round(run.peak_mb),
        "cells": len(run.notebook.cells),
        "cells_run": sum(1 for c in code if c.get("execution_count")),
        "failed": None if run.failed is None else {"cell": run.failed[0], "error": run.failed[1]},
        "slowest": [{"cell": i, "seconds": round(s, 1), "first_line": first}
                    for s, i, first in slowest_cells(run.notebook, 10)],
        "glued": glued,
    }
    write_atomic(out / CAPSTONE_FULL_JSON.name, json.dumps(result, indent=1, sort_keys=True) + "\n")
    write_atomic(out / "capstone_full.md", markdown(result))
    print(markdown(result))
    return 0 if run.failed is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
