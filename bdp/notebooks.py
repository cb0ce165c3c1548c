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
# On Colab this installs the book's stack (pandas 3, Dask, Spark...) and
# restarts the runtime once{java_note}. On Binder and on your own
# machine it does nothing. (The book's runtime test sets BDP_COLAB_SIMULATION.)
import os, subprocess, sys
from importlib.metadata import PackageNotFoundError, version

if "google.colab" in sys.modules or os.environ.get("BDP_COLAB_SIMULATION"):
    BOOK = os.environ.get("BDP_BOOK", "/content/big-data-processing")
    def installed(dist):
        try:
            return version(dist)
        except PackageNotFoundError:
            return None
    if not os.path.isdir(BOOK):
        subprocess.run(["git", "clone", "--depth=1", "--branch", "{branch}",
                        "{repo_url}",
                        BOOK], check=True)
    if installed("bdp") is None or int(installed("pandas").split(".")[0]) < 3:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e",
                        BOOK + "[colab]"], check=True)
    # Colab's kernel imported its own pandas/NumPy at start-up; the new versions
    # load only in a new process: end this one, Colab starts a fresh kernel.
    stale = [m for m, d in [("pandas", "pandas"), ("numpy", "numpy"),
                            ("pyarrow", "pyarrow"), ("dask", "dask"),
                            ("sklearn", "scikit-learn"), ("pyspark", "pyspark")]
             if m in sys.modules and getattr(sys.modules[m], "__version__",
                                             None) not in (None, installed(d))]
    if stale:
        print(f"Installed the book's versions of {{', '.join(stale)}}. Colab "
              "restarts the runtime now (expected): wait for it, then run "
              "this cell again (seconds) and go on.", flush=True)
        os.kill(os.getpid(), 9)
    os.chdir(os.path.join(BOOK, "{folder}"))  # as in the book: data paths
{java_block}"""

# Colab ships OpenJDK 21 since 2026-08-07 (17 from 2025-11-11 before that; Java 11 until
# 2025-10-31): the apt install below is only a fallback for an image without Java 17+.
JAVA_BLOCK = """\
    java = subprocess.run("java -version 2>&1", shell=True, capture_output=True,
                          text=True).stdout
    major = java.split('version "', 1)[-1].split(".")[0]
    if not major.isdigit() or int(major) < 17:
        subprocess.run("apt-get -qq update && apt-get -qq install -y "
                       "openjdk-17-jre-headless", shell=True, check=True)
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


def setup_cell_source(book: Path, needs_java: bool, folder: str = ".") -> str:
    """The setup cell for one chapter, filled from ``_config.yml``'s repository section.

    ``folder`` is the chapter's folder in the book (``day1``): on Colab the cell changes into it,
    so relative paths (``../benchmarks/...``) mean what they mean in the book.
    """
    repo = yaml.safe_load((book / "_config.yml").read_text())["repository"]
    return SETUP_TEMPLATE.format(
        repo_url=repo["url"],
        branch=repo.get("branch", "main"),
        java_note=";\n# it checks that Java 17+ is there for Spark" if needs_java else "",
        java_block=JAVA_BLOCK if needs_java else "",
        folder=folder,
    )


def to_notebook(source: Path, book: Path) -> Any:
    """Convert one MyST chapter to a notebook (``nbformat.NotebookNode``) that starts with its setup cell."""
    import jupytext  # imported here: `python -m bdp --help` stays fast
    import nbformat

    nb = jupytext.read(source, fmt="md:myst")
    needs_java = "spark_session" in source.read_text()
    cell = nbformat.v4.new_code_cell(
        setup_cell_source(book, needs_java, source.parent.relative_to(book).as_posix()),
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


# --------------------------------------------------------------------------- Binder links

BINDER_ENV_BRANCH = "binder"


def binder_link(config: dict, notebook: str) -> str:
    """The Binder launch link of ``notebook`` (``day1/01_big_data.ipynb``): environment from the
    ``binder`` branch, content pulled by nbgitpuller from the branch the book publishes.

    Binder builds an image per commit of the ref it launches. The ``binder`` branch holds only
    the environment (``binder/``) and changes only when it does, so its image stays cached; the
    chapter comes with nbgitpuller (``git-pull``) into ``~/<repo name>`` at launch, in seconds.
    """
    from urllib.parse import quote, urlencode

    repo = config["repository"]
    url = repo["url"].rstrip("/")
    org_repo = url.split("github.com/", 1)[1]
    name = org_repo.rsplit("/", 1)[1]
    hub = config.get("launch_buttons", {}).get("binderhub_url", "https://mybinder.org").rstrip("/")
    ui = "lab/tree" if config.get("launch_buttons", {}).get("notebook_interface",
                                                           "jupyterlab") == "jupyterlab" else "tree"
    pull = "git-pull?" + urlencode({"repo": url, "branch": repo.get("branch", "main"),
                                    "urlpath": f"{ui}/{name}/{notebook}"})
    return f"{hub}/v2/gh/{org_repo}/{BINDER_ENV_BRANCH}?urlpath={quote(pull, safe='')}"


def rewrite_binder_links(book: Path, html: Path) -> list[Path]:
    """Point every Binder launch button of the built HTML at :func:`binder_link`; return the pages.

    Jupyter Book 1 (sphinx-book-theme 1.3) can only link Binder to ``<repo>/<branch>?urlpath=…``:
    its launch settings know no environment ref apart from the content. The publish workflow
    runs this after the build (``python -m bdp notebooks . --binder-links _build/html``).
    """
    import re
    from html import escape
    from urllib.parse import parse_qs, unquote, urlparse

    config = yaml.safe_load((book / "_config.yml").read_text())
    hub = config.get("launch_buttons", {}).get("binderhub_url", "https://mybinder.org").rstrip("/")
    pattern = re.compile(r'href="(' + re.escape(hub) + r'/v2/gh/[^"]+)"')
    changed = []
    for page in sorted(html.rglob("*.html")):
        text = page.read_text(encoding="utf-8")

        def repl(match: re.Match) -> str:
            href = match.group(1).replace("&amp;", "&")
            query = parse_qs(urlparse(href).query)
            target = unquote(query.get("urlpath", [""])[0])
            if target.startswith("git-pull"):
                return match.group(0)
            notebook = target.split("/tree/", 1)[-1]
            return f'href="{escape(binder_link(config, notebook))}"'

        new = pattern.sub(repl, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``notebooks`` command."""
    parser.add_argument("book", nargs="?", default=".", help="book directory (default: .)")
    parser.add_argument("--clean", action="store_true", help="remove the generated notebooks")
    parser.add_argument("--binder-links", metavar="HTML_DIR", type=Path,
                        help="after the build: point the Binder buttons in HTML_DIR at the "
                             "environment-only `binder` branch + nbgitpuller")


def run(args: argparse.Namespace) -> int:
    """Run the ``notebooks`` command; return the exit code."""
    book = Path(args.book)
    if not (book / "_toc.yml").is_file():
        print(f"error: {book} is not a book directory (no _toc.yml)", file=sys.stderr)
        return 2
    if args.binder_links:
        for page in rewrite_binder_links(book, args.binder_links):
            print(f"rewrote Binder link in {page}")
        return 0
    paths = clean(book) if args.clean else export(book)
    verb = "removed" if args.clean else "wrote"
    for path in paths:
        print(f"{verb} {path}")
    return 0
