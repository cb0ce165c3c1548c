"""The book builds from a clean cache with every notebook executed, and its HTML is sound."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from bdp.notebooks import SETUP_TAG
from bdp.book import ROOT, Build, chapters

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = urlparse(CONFIG["repository"]["url"]).path.strip("/")
BRANCH = CONFIG["repository"]["branch"]


def soup(book: Build, docname: str) -> BeautifulSoup:
    return BeautifulSoup((book.html / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")


# an italic paragraph posing as a caption: "*Figure: ...*" (or "_Figure: ..._")
ITALIC_CAPTION = re.compile(r"^[ \t]*(\*{1,2}|_{1,2})Figure\b")


def test_figures_have_real_captions():
    """A figure's caption is part of the figure (static source check, no build): a mermaid
    diagram's in its front matter (``caption: >-``), a plot's in its cell's ``mystnb: figure:
    caption:`` options, so it renders as a numbered ``<figcaption>``. An italic paragraph after the
    figure is not a caption and must not come back."""
    found = []
    for name in chapters():
        lines = (ROOT / f"{name}.md").read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            starts_paragraph = number == 1 or not lines[number - 2].strip()
            if starts_paragraph and ITALIC_CAPTION.match(line):
                found.append(f"{name}.md:{number}: {line.strip()[:80]}")
    assert not found, "write these as real captions (see day2/10_cloud.md):\n" + "\n".join(found)


# the book's column holds 84 characters of code (672 px); a longer line scrolls sideways
CODE_WIDTH = 82


def test_code_lines_fit_the_column():
    """A code cell's line fits the page's column (static source check, no build; the browser
    test measures the same thing on the rendered page, half an hour later)."""
    found = []
    for name in chapters():
        in_cell = False
        lines = (ROOT / f"{name}.md").read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if line.startswith("```{code-cell}"):
                in_cell = True
            elif in_cell and line.startswith("```"):
                in_cell = False
            elif in_cell and len(line.rstrip()) > CODE_WIDTH:
                found.append(f"{name}.md:{number}: {len(line.rstrip())} characters")
    assert not found, f"code lines wider than {CODE_WIDTH} characters:\n" + "\n".join(found)


def test_build_has_no_error_and_no_warning(book: Build):
    tail = "\n".join(book.output.splitlines()[-60:])
    assert book.returncode == 0, f"book build failed:\n{tail}"
    # -W already turns every Sphinx warning into a failure; list them for the message. Lines
    # from the kernels' own stderr (ipykernel's TCP notice, the JVM's incubator-module notice)
    # are not book warnings.
    noise = ("IPKernelApp", "incubator modules")
    warnings = [line for line in book.output.splitlines()
                if "WARNING:" in line and not any(n in line for n in noise)]
    assert not warnings, "\n".join(warnings)
    assert "build succeeded" in book.output


def test_every_toc_chapter_was_executed(book: Build):
    names = chapters()
    assert "day1/01_big_data" in names
    for name in names:
        page = soup(book, name)
        outputs = page.select("div.cell_output")
        assert outputs, f"{name}: no executed cell output in the HTML"
        assert not page.select("div.output.traceback"), f"{name}: a traceback is shown"


@pytest.mark.parametrize("name", chapters())
def test_launch_buttons_point_at_published_notebooks(book: Build, name: str):
    page = soup(book, name)
    links = [a["href"] for a in page.select("a[href]")]
    binder = [h for h in links if h.startswith("https://mybinder.org/v2/gh/")]
    colab = [h for h in links if h.startswith("https://colab.research.google.com/github/")]
    assert binder and colab, f"{name}: missing launch buttons"
    expected = f"{name}.ipynb"
    colab_path = colab[0].split(f"/github/{REPO}/blob/{BRANCH}/", 1)[1]
    assert colab_path == expected
    query = parse_qs(urlparse(binder[0]).query)
    assert binder[0].startswith(f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?")
    assert unquote(query["urlpath"][0]) == f"lab/tree/{expected}"
    # the path the buttons open is a file the publish step really wrote, and it is runnable
    published = book.source / expected
    assert published in book.notebooks and published.exists()
    nb = nbformat.read(published, as_version=4)
    nbformat.validate(nb)
    assert SETUP_TAG in nb.cells[0].metadata["tags"]
    compile(nb.cells[0].source, "setup-cell", "exec")
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", chapters())
def test_download_buttons(book: Build, name: str):
    page = soup(book, name)
    hrefs = {a["href"] for a in page.select("a[href]")}
    for suffix in (".md", ".ipynb"):
        source = [h for h in hrefs if h.endswith(f"_sources/{name}{suffix}")]
        assert source, f"{name}: no {suffix} download link"
        assert (book.html / "_sources" / f"{name}{suffix}").exists()



def test_downloaded_notebooks_print_each_output_once(book: Build):
    """The download button's .ipynb keeps the kernel's outputs: no stream repeats the one before."""
    repeats = []
    for path in sorted((book.html / "_sources").glob("day*/*.ipynb")):
        nb = nbformat.read(path, 4)
        for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            outputs = cell.get("outputs", [])
            for first, then in zip(outputs, outputs[1:]):
                if (first.get("output_type") == then.get("output_type") == "stream"
                        and first.get("name") == then.get("name")
                        and then["text"].strip() and then["text"].strip() in first["text"]):
                    repeats.append(f"{path.relative_to(book.html)} code cell {index}: "
                                   f"{then['text'].strip()[:80]!r}")
    assert not repeats, "outputs repeated in downloaded notebooks:\n" + "\n".join(repeats)


def _quizzes(page: BeautifulSoup) -> list:
    return [q for q in page.select("div.admonition.quiz") if q.select_one("div.admonition.dropdown")]


@pytest.mark.parametrize("name", [n for n in chapters() if re.match(r"day\d/", n)])
def test_chapter_has_three_quizzes_with_hidden_answers(book: Build, name: str):
    page = soup(book, name)
    quizzes = page.select("div.admonition.quiz")
    answered = _quizzes(page)
    assert len(answered) == len(quizzes), f"{name}: a quiz has no hidden answer"
    assert len(answered) >= 3, f"{name}: {len(answered)} quizzes, at least 3 expected"
    for quiz in answered:
        answer = quiz.select_one("div.admonition.dropdown")
        text = answer.get_text(" ", strip=True)
        # the correct answer and a rationale: a bold verdict followed by at least one sentence
        assert answer.select_one("strong"), f"{name}: answer without a bold verdict: {text[:80]}"
        assert len(text.split()) >= 8, f"{name}: answer without a rationale: {text[:80]}"


def test_togglebutton_assets_are_loaded(book: Build):
    page = (book.html / "day1" / "01_big_data.html").read_text()
    assert "togglebutton" in page


def test_no_broken_internal_links(book: Build):
    problems = []
    ids: dict[Path, set[str]] = {}
    for html in sorted(book.html.rglob("*.html")):
        if "_static" in html.parts or "_sources" in html.parts:
            continue
        page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")):
            for el in page.find_all(tag):
                ref = el.get(attr)
                if not ref or urlparse(ref).scheme or ref.startswith(("mailto:", "//", "data:")):
                    continue
                parsed = urlparse(ref)
                path, fragment = parsed.path, parsed.fragment
                target = (html.parent / unquote(path)).resolve() if path else html
                if not target.exists():
                    problems.append(f"{html.relative_to(book.html)}: {ref} (missing file)")
                    continue
                if fragment and target.suffix == ".html":
                    if target not in ids:
                        t = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
                        ids[target] = {e["id"] for e in t.find_all(id=True)}
                    if fragment not in ids[target]:
                        problems.append(f"{html.relative_to(book.html)}: {ref} (missing anchor)")
    assert not problems, "\n".join(problems[:30])


def test_glued_values_are_rendered(book: Build):
    for name in chapters():
        text = soup(book, name).get_text()
        assert "{glue" not in text, f"{name}: an unresolved glue role"


def test_prices_are_not_typeset_as_math(book: Build):
    """Two prices in one paragraph (``5 $ … 3 $``) turn into inline math under ``dollarmath``
    unless written ``\\$``: prose, roles and all, would then render as a formula."""
    prose_in_math = []
    for name in chapters():
        for span in soup(book, name).select("span.math"):
            formula = span.get_text()
            if re.search(r"[A-Za-z]{3,} [A-Za-z]{2,} [A-Za-z]{2,}", formula) and "\\text" not in formula:
                prose_in_math.append(f"{name}: {formula[:80]!r}")
    assert not prose_in_math, "write a price's dollar sign as \\$:\n" + "\n".join(prose_in_math)


# stderr lines that are pure noise, not a warning a learner could act on: each with its reason.
STDERR_NOISE = {
    # the JVM announces the incubator module Spark 4.3's launcher always adds
    # (--add-modules=jdk.incubator.vector); no JVM flag silences it
    re.compile(r"^WARNING: Using incubator modules: jdk\.incubator\.vector$"): "JVM start-up notice",
    # PySpark counts as an interactive shell, and Spark's shell banner announces its log level
    # before any configuration applies (the kit's log4j2 file silences everything else)
    re.compile(r'^Setting default log level to "WARN"\.$'): "Spark shell banner",
    re.compile(r"^To adjust logging level use sc\.setLogLevel\(newLevel\)\. For SparkR, "
               r"use setLogLevel\(newLevel\)\.$"): "Spark shell banner",
}


def test_no_chapter_writes_to_stderr(book: Build):
    """Learners see stderr; the book no longer hides it: every warning is fixed at its cause."""
    found = []
    for name in chapters():
        nb = nbformat.read(book.source / "_build" / "jupyter_execute" / f"{name}.ipynb", 4)
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                if output.get("output_type") != "stream" or output.get("name") != "stderr":
                    continue
                text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
                for line in text.splitlines():
                    if line.strip() and not any(p.search(line.strip()) for p in STDERR_NOISE):
                        found.append(f"{name} cell {index}: {line.strip()[:200]}")
    assert not found, "stderr in the chapters (fix the cause):\n" + "\n".join(found[:40])


def test_every_launch_link_names_a_published_notebook(book: Build, tmp_path: Path):
    """Every Binder/Colab link on every page (appendix included), after the publish workflow's
    Binder rewrite, opens a file the publish step wrote (the `notebooks` branch has exactly those)."""
    import shutil

    from bdp.notebooks import BINDER_ENV_BRANCH, rewrite_binder_links

    html = tmp_path / "html"
    shutil.copytree(book.html, html)
    rewrite_binder_links(book.source, html)
    name = REPO.rsplit("/", 1)[1]
    published = {p.relative_to(book.source).as_posix() for p in book.notebooks}
    seen = set()
    for page in sorted(html.rglob("*.html")):
        for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("a[href]"):
            href = a["href"]
            if href.startswith("https://colab.research.google.com/github/"):
                target = href.split(f"/github/{REPO}/blob/{BRANCH}/", 1)[1]
            elif href.startswith("https://mybinder.org/v2/"):
                assert href.startswith(f"https://mybinder.org/v2/gh/{REPO}/{BINDER_ENV_BRANCH}?")
                pull = unquote(parse_qs(urlparse(href).query)["urlpath"][0])
                assert pull.startswith("git-pull?"), href
                query = parse_qs(pull.split("?", 1)[1])
                assert query["repo"] == [CONFIG["repository"]["url"]]
                assert query["branch"] == [BRANCH]
                target = query["urlpath"][0].split(f"/tree/{name}/", 1)[1]
            else:
                continue
            assert target in published, f"{page.name}: {href} -> {target} is not published"
            seen.add(target)
    assert seen == published, f"published notebooks without a launch link: {published - seen}"


def test_the_platform_chapter_shows_the_real_policy_scanner(book: Build):
    """Chapter 20 falls back to bdp.k8s.policy_findings where checkov is missing (Binder, Colab);
    the book itself must show checkov's own output (CI installs it, see .ci/run)."""
    from bdp import k8s

    text = soup(book, "day3/20_platform_on_kubernetes").get_text()
    assert f"scanner: checkov {k8s.CHECKOV_VERSION}" in text
    assert "pure-Python subset" not in text


def _bokeh_frames(page: BeautifulSoup) -> list[BeautifulSoup]:
    """The standalone Bokeh pages (``bokeh.embed.file_html``) a page shows in frames, parsed."""
    return [BeautifulSoup(frame["srcdoc"], "html.parser") for frame in page.select("iframe[srcdoc]")
            if "Bokeh" in frame["srcdoc"]]


def test_interactive_plots_carry_bokehjs_inline(book: Build):
    """An interactive plot works offline: BokehJS, the JavaScript that draws a Bokeh figure, is
    inside the page (``resources=INLINE``), never fetched from Bokeh's CDN, which a reader without
    network (or this offline build) cannot reach."""
    problems, plots = [], []
    for name in chapters():
        html = (book.html / f"{name}.html").read_text(encoding="utf-8")
        if "cdn.bokeh.org" in html:
            problems.append(f"{name}: names cdn.bokeh.org")
        page = BeautifulSoup(html, "html.parser")
        problems += [f"{name}: loads {s['src']}" for s in page.find_all("script", src=True)
                     if "bokeh" in s["src"].lower()]
        for number, doc in enumerate(_bokeh_frames(page), 1):
            plots.append(name)
            scripts = doc.find_all("script")
            problems += [f"{name}, plot {number}: loads {s['src']}" for s in scripts if s.get("src")]
            if not any("BEGIN bokeh.min.js" in (s.string or "") for s in scripts):
                problems.append(f"{name}, plot {number}: BokehJS is not inline")
            documents = [json.loads(s.string) for s in doc.find_all("script", type="application/json")]
            if not any(d.get("roots") for docs in documents for d in docs.values()):
                problems.append(f"{name}, plot {number}: no Bokeh document to draw")
    assert "day3/21_python_ecosystem" in plots, f"the interactive plot of ch. 21 is missing: {plots}"
    assert not problems, "\n".join(problems)
