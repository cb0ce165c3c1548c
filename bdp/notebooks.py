"""Publish step: an ``.ipynb`` beside every MyST chapter, with a hosted-platform setup cell.

Colab cannot open MyST Markdown, and Jupyter Book 1 points its Colab button at the source file
unless a same-named ``.ipynb`` exists beside it at build time (jupyter-book#752). The publishing
workflow therefore runs::

    python -m bdp notebooks .        # writes dayN/*.ipynb next to dayN/*.md
    jupyter-book build .             # launch buttons now point at the .ipynb files

and pushes the tree, notebooks included, to the ``notebooks`` branch that the launch buttons
target (``repository.branch`` in ``_config.yml``). The generated files are git-ignored on main
and excluded from the book itself.

Each notebook starts with the setup cell of :data:`SETUP_TEMPLATE`, written once here: on Colab it
installs what Colab lacks (the course kit and its extras; OpenJDK 17 for chapters that start
Spark); everywhere else it does nothing. The book build never runs it: it exists only in the
published notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SETUP_TAG = "bdp-setup"

SETUP_TEMPLATE = """\
#@title Setup (run once) {{ display-mode: "form" }}
# On Colab this installs what Colab lacks{java_note}; on Binder and on
# your own machine it does nothing.
import os, subprocess, sys

if "google.colab" in sys.modules:
    BOOK = "/content/big-data-processing"
    if not os.path.isdir(BOOK):
        subprocess.run(["git", "clone", "--depth=1", "--branch", "{branch}",
                        "{repo_url}", BOOK], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", BOOK + "[colab]"],
                   check=True)
    sys.path.insert(0, BOOK)
{java_block}"""

JAVA_BLOCK = """\
    java = subprocess.run("java -version 2>&1", shell=True, capture_output=True, text=True)
    if 'version "17' not in java.stdout and 'version "21' not in java.stdout:
        subprocess.run("apt-get -qq update && apt-get -qq install -y openjdk-17-jre-headless",
                       shell=True, check=True)
        os.environ["JAVA_HOME"] = "/usr/lib/jvm/java-17-openjdk-amd64"
"""


def _toc_files(entries: list[dict]) -> Iterator[str]:
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("chapters", "sections", "parts"):
            if key in entry:
                yield from _toc_files(entry[key])


def chapter_sources(book: Path) -> list[Path]:
    """The MyST notebooks (``.md`` with a kernelspec) listed in the book's ``_toc.yml``."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    files = [toc["root"], *_toc_files(toc.get("parts", []) + toc.get("chapters", []))]
    sources = []
    for stem in files:
        path = book / (stem if stem.endswith(".md") else f"{stem}.md")
        if path.exists() and "kernelspec" in _front_matter(path):
            sources.append(path)
    return sources


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    return (yaml.safe_load(text[4:end]) or {}) if end > 0 else {}


def setup_cell_source(book: Path, needs_java: bool) -> str:
    """The setup cell for one chapter, filled from ``_config.yml``'s repository section."""
    repo = yaml.safe_load((book / "_config.yml").read_text())["repository"]
    return SETUP_TEMPLATE.format(
        repo_url=repo["url"],
        branch=repo.get("branch", "main"),
        java_note=" (and OpenJDK 17 for Spark)" if needs_java else "",
        java_block=JAVA_BLOCK if needs_java else "",
    )


def to_notebook(source: Path, book: Path) -> Any:
    """Convert one MyST chapter to a notebook (``nbformat.NotebookNode``) that starts with its setup cell."""
    import jupytext  # imported here: `python -m bdp --help` stays fast
    import nbformat

    nb = jupytext.read(source, fmt="md:myst")
    needs_java = "spark_session" in source.read_text()
    cell = nbformat.v4.new_code_cell(
        setup_cell_source(book, needs_java),
        metadata={"tags": [SETUP_TAG, "remove-cell"], "cellView": "form"},
    )
    nb.cells.insert(0, cell)
    nb.metadata.setdefault("colab", {})["provenance"] = []
    nbformat.validate(nb)
    return nb


def export(book: Path) -> list[Path]:
    """Write ``<chapter>.ipynb`` beside every chapter of ``book`` (atomically); return the paths."""
    written = []
    for source in chapter_sources(book):
        target = source.with_suffix(".ipynb")
        nb = to_notebook(source, book)
        import nbformat

        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                nbformat.write(nb, handle)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def clean(book: Path) -> list[Path]:
    """Remove the notebooks :func:`export` writes; return the removed paths."""
    removed = []
    for source in chapter_sources(book):
        target = source.with_suffix(".ipynb")
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``notebooks`` command."""
    parser.add_argument("book", nargs="?", default=".", help="book directory (default: .)")
    parser.add_argument("--clean", action="store_true", help="remove the generated notebooks")


def run(args: argparse.Namespace) -> int:
    """Run the ``notebooks`` command; return the exit code."""
    book = Path(args.book)
    if not (book / "_toc.yml").is_file():
        print(f"error: {book} is not a book directory (no _toc.yml)", file=sys.stderr)
        return 2
    paths = clean(book) if args.clean else export(book)
    verb = "removed" if args.clean else "wrote"
    for path in paths:
        print(f"{verb} {path}")
    return 0
