"""The publish step: an .ipynb with a setup cell beside every chapter of the TOC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from bdp.notebooks import SETUP_TAG, chapter_sources, clean, export

FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""


def make_book(root: Path) -> Path:
    (root / "day1").mkdir(parents=True)
    (root / "_config.yml").write_text(
        "repository:\n  url: https://github.com/example/book\n  branch: notebooks\n"
    )
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: Day 1\n    chapters:\n"
        "      - file: day1/a\n      - file: day1/b\n"
    )
    (root / "intro.md").write_text("# Intro\n\nNot a notebook.\n")
    (root / "day1" / "a.md").write_text(FRONT + "# A\n\n```{code-cell} ipython3\nx = 1\n```\n")
    (root / "day1" / "b.md").write_text(
        FRONT + "# B\n\n```{code-cell} ipython3\nfrom bdp.clusters import spark_session\n```\n"
    )
    (root / "day1" / "orphan.md").write_text(FRONT + "# Not in the TOC\n")
    return root


def test_only_toc_notebooks_are_chapters(tmp_path):
    book = make_book(tmp_path)
    assert [p.name for p in chapter_sources(book)] == ["a.md", "b.md"]


def test_export_writes_valid_notebooks_with_setup_cell(tmp_path):
    book = make_book(tmp_path)
    written = export(book)
    assert written == [book / "day1" / "a.ipynb", book / "day1" / "b.ipynb"]
    for path in written:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        first = nb.cells[0]
        assert SETUP_TAG in first.metadata["tags"]
        assert "google.colab" in first.source
        assert "https://github.com/example/book" in first.source and '"notebooks"' in first.source
        compile(first.source, str(path), "exec")
    a = nbformat.read(written[0], as_version=4)
    b = nbformat.read(written[1], as_version=4)
    assert "openjdk-17" not in a.cells[0].source  # no Spark, no Java to install
    assert "openjdk-17" in b.cells[0].source
    assert a.cells[-1].source == "x = 1"
    assert not list(book.rglob("*.tmp"))


def test_setup_cell_does_nothing_off_colab(tmp_path):
    book = make_book(tmp_path)
    nb = nbformat.read(export(book)[1], as_version=4)
    namespace: dict = {}
    exec(compile(nb.cells[0].source, "setup", "exec"), namespace)  # no Colab here: a no-op
    assert "BOOK" not in namespace


def test_clean_removes_what_export_wrote(tmp_path):
    book = make_book(tmp_path)
    export(book)
    assert len(clean(book)) == 2
    assert not list(book.rglob("*.ipynb"))


def test_cli_rejects_a_non_book_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bdp", "notebooks", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no _toc.yml" in result.stderr
    assert not list(tmp_path.iterdir())
