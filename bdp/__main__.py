"""The ``bdp`` command line: ``python -m bdp <command> ...`` (also installed as ``bdp``).

Commands (one ``cmd_<name>`` function each, registered in :func:`build_parser`):

* ``data`` — generate a dataset: ``python -m bdp data taxi --rows 55M --out data/taxi
  --format csv,parquet``; ``python -m bdp data --list`` shows the catalogue.

* ``notebooks`` — the publish step: write an ``.ipynb`` (with the Colab setup cell) beside every
  chapter, so the launch buttons open runnable notebooks: ``python -m bdp notebooks .``

* ``edition`` — the student edition of chapters (solutions replaced by cells to fill):
  ``python -m bdp edition student day4/32_evaluation.md --out student/``; ``... verify``.

* ``grade`` — grade a folder of submitted notebooks into a grade sheet and feedback:
  ``python -m bdp grade submissions/ --rubric rubric.yml --out grades.csv``.

* ``runtimes`` — the runtime test: every published notebook executed as on Colab, on Binder and
  against a real Dask scheduler / Spark Connect server: ``python -m bdp runtimes run colab``.

Bad input exits with status 2 and one ``error: ...`` line on stderr, without writing anything.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one ``error: ...`` line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see: {self.prog} --help)"
        self.exit(2, f"error: {message}{hint}\n")


def parse_count(text: str) -> int:
    """Parse a row count: ``300000``, ``55_000_000``, ``200k``, ``55M`` (decimal units)."""
    match = re.fullmatch(r"\s*(\d[\d_]*(?:\.\d+)?)\s*([kKmMgG]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (examples: 300000, 200k, 55M)")
    number, suffix = match.groups()
    value = float(number.replace("_", "")) * _SUFFIXES[suffix.lower()]
    if value != int(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive whole row count: {text!r}")
    return int(value)


def parse_seed(text: str) -> int:
    if not re.fullmatch(r"\s*\d[\d_]*\s*", text):
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got {text!r}")
    return int(text.replace("_", ""))


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def add_data_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "data",
        help="generate a dataset (taxi fares, TLC trips, ...) into a directory",
        description=(
            "Generate one of the course's synthetic datasets, deterministically for a seed, "
            "partition by partition, atomically (nothing is left behind on error or Ctrl-C)."
        ),
        epilog=(
            "examples:\n"
            "  python -m bdp data --list\n"
            "  python -m bdp data taxi --out data/taxi                 # BDP_SCALE default size\n"
            "  python -m bdp data taxi --rows 55M --out data/taxi --format csv,parquet\n"
            "  python -m bdp data taxi --rows 10M --single-file --out data/taxi-1file\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", help="dataset name (see --list)")
    p.add_argument("--list", action="store_true", help="list the datasets and exit")
    p.add_argument("--out", help="output directory (must not exist or be empty)")
    p.add_argument(
        "--rows", type=parse_count, help="number of rows (e.g. 300000, 200k, 55M); default: BDP_SCALE size"
    )
    p.add_argument("--seed", type=parse_seed, default=None, help="random seed, integer >= 0 (default 0)")
    p.add_argument(
        "--format", dest="formats", help="comma-separated formats: csv, parquet (default per dataset)"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing dataset directory written by bdp"
    )
    p.add_argument(
        "--single-file",
        action="store_true",
        default=None,
        help="write one big file (train.csv) instead of part files (taxi only)",
    )
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    p.set_defaults(func=cmd_data, parser=p)


def cmd_data(args: argparse.Namespace) -> int:
    from bdp.datasets import registry
    from bdp.datasets._write import DatasetError

    parser: _Parser = args.parser
    if args.list:
        if args.name:
            parser.error("--list takes no dataset name")
        print(registry.describe())
        return 0
    if not args.name:
        parser.error("name a dataset (or use --list)")
    if not args.out:
        parser.error("--out DIR is required")
    try:
        info = registry.get(args.name)
        formats = args.formats if args.formats is not None else None
        ds = registry.call_generator(
            info.name,
            out=args.out,
            rows=args.rows,
            seed=args.seed,
            formats=formats,
            overwrite=True if args.overwrite else None,
            single_file=args.single_file,
            progress=False if args.no_progress else None,
        )
    except DatasetError as exc:
        parser.exit(2, f"error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, "error: interrupted; nothing was written\n")
    sizes = ", ".join(
        f"{fmt}: {len(ds.files[fmt])} file(s)" for fmt in ds.formats
    )
    print(f"wrote {ds.name}: {ds.rows:,} rows, seed {ds.seed}, {ds.nbytes / 1e6:,.1f} MB -> {ds.root} ({sizes})")
    return 0


# --------------------------------------------------------------------------------------------
# notebooks
# --------------------------------------------------------------------------------------------


def add_notebooks_parser(subparsers: argparse._SubParsersAction) -> None:
    from bdp import notebooks

    p = subparsers.add_parser(
        "notebooks",
        help="write an .ipynb beside every chapter (the publish step for Binder/Colab)",
        description=notebooks.__doc__.splitlines()[0],
    )
    notebooks.add_arguments(p)
    p.set_defaults(func=cmd_notebooks, parser=p)


def cmd_notebooks(args: argparse.Namespace) -> int:
    from bdp import notebooks

    return notebooks.run(args)


# --------------------------------------------------------------------------------------------
# runtimes
# --------------------------------------------------------------------------------------------


def add_runtimes_parser(subparsers: argparse._SubParsersAction) -> None:
    from bdp import runtimes

    p = subparsers.add_parser(
        "runtimes",
        help="run every published notebook as on Colab, Binder and a real cluster",
        description=runtimes.__doc__.splitlines()[0],
    )
    runtimes.add_arguments(p)
    p.set_defaults(func=cmd_runtimes, parser=p)


def cmd_runtimes(args: argparse.Namespace) -> int:
    from bdp import runtimes

    return runtimes.cmd(args)


# --------------------------------------------------------------------------------------------
# edition, grade
# --------------------------------------------------------------------------------------------


def add_edition_parser(subparsers: argparse._SubParsersAction) -> None:
    from bdp import editions

    p = subparsers.add_parser(
        "edition",
        help="write (or verify) the student edition of chapters: solutions become cells to fill",
        description=editions.__doc__.splitlines()[0],
    )
    editions.add_arguments(p)
    p.set_defaults(func=cmd_edition, parser=p)


def cmd_edition(args: argparse.Namespace) -> int:
    from bdp import editions

    return editions.run(args)


def add_grade_parser(subparsers: argparse._SubParsersAction) -> None:
    from bdp import grader, grading

    p = subparsers.add_parser(
        "grade",
        help="run every submitted notebook in a clean kernel; write a grade sheet and feedback",
        description=grading.__doc__.splitlines()[0],
    )
    grader.add_arguments(p)
    p.set_defaults(func=cmd_grade, parser=p)


def cmd_grade(args: argparse.Namespace) -> int:
    from bdp import grader

    return grader.run(args)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def build_parser() -> _Parser:
    parser = _Parser(
        prog="python -m bdp",
        description="Course kit of the Big Data Processing book.",
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", parser_class=_Parser
    )
    add_data_parser(subparsers)
    add_notebooks_parser(subparsers)
    add_runtimes_parser(subparsers)
    add_edition_parser(subparsers)
    add_grade_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from bdp.config import ConfigError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:  # e.g. a bad BDP_SCALE: one line, no traceback
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
