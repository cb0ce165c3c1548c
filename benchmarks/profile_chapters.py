"""Profile every chapter: execution wall time and peak memory (kernel + all its children).

    python benchmarks/profile_chapters.py            # all chapters, BDP_SCALE from the environment
    python benchmarks/profile_chapters.py day1/01_big_data --out /tmp/profile
    python benchmarks/profile_chapters.py --slowest 5 --notebooks /tmp/executed   # where the time goes

Each chapter runs in a fresh kernel, in a scratch copy of the book, with network access blocked
(``bdp.book.offline_env``). Writes ``chapter_profile.{csv,md,png}`` to ``--out`` (default
``benchmarks/results``); the book's appendix shows the committed CSV. Naming chapters updates
their rows and keeps the other chapters' rows (each row carries its own date). ``--slowest N``
prints each chapter's N slowest cells (nbclient's execution timestamps); ``--notebooks DIR`` keeps
the executed notebooks.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import nbformat

from bdp.book import ROOT, chapters, copy_book, execute_chapter, offline_env, profile_rows, write_profile
from bdp.config import scale


def slowest_cells(nb: nbformat.NotebookNode, n: int) -> list[tuple[float, int, str]]:
    """The ``n`` slowest code cells: ``(seconds, cell index, first line)``, slowest first."""
    found = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            found.append((seconds, index, (cell.source.splitlines() or [""])[0][:70]))
    return sorted(found, reverse=True)[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="docnames (default: every chapter in _toc.yml)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--slowest", type=int, default=0, metavar="N",
                        help="print each chapter's N slowest cells")
    parser.add_argument("--notebooks", type=Path, metavar="DIR", help="keep the executed notebooks here")
    args = parser.parse_args(argv)
    known = chapters()
    unknown = [c for c in args.chapters if c not in known]
    if unknown:
        parser.error(f"not chapters of the book: {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="bdp-profile-") as work:
        source = copy_book(Path(work) / "src")
        env, log = offline_env(Path(work))
        runs = []
        for name in args.chapters or known:
            run = execute_chapter(source / f"{name}.md", env=env)
            print(f"{name:40s} {run.seconds:7.1f} s {run.peak_mb:7.0f} MB", flush=True)
            for seconds, index, first in slowest_cells(run.notebook, args.slowest):
                print(f"    {seconds:7.1f} s  cell {index:3d}  {first}", flush=True)
            if args.notebooks:
                target = args.notebooks / f"{name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(run.notebook, target)
            runs.append((name, run))
        if log.read_text():
            print(f"network access attempted:\n{log.read_text()}", file=sys.stderr)
    rows = profile_rows(runs, scale())
    existing = args.out / "chapter_profile.csv"
    if args.chapters and existing.exists():  # a partial run updates its chapters' rows only
        fresh = {r["chapter"] for r in rows}
        with existing.open() as handle:
            kept = [r for r in csv.DictReader(handle) if r["chapter"] in known and r["chapter"] not in fresh]
        rows = sorted(kept + rows, key=lambda r: known.index(r["chapter"]))
    paths = write_profile(rows, args.out)
    print("\n".join(f"wrote {p}" for p in paths.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
