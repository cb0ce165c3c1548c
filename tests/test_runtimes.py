"""Runtimes: what the Colab setup installs, what the README promises, and the runtime test's results.

The runtime passes themselves (``python -m bdp runtimes run colab binder cluster``) take many
minutes; ``.ci/run`` runs them before pytest and points ``BDP_RUNTIME_RESULTS`` at their results
file, which :func:`test_every_notebook_passes_every_cell_in_every_runtime` then checks. Without
that variable (a developer's quick ``pytest tests/test_runtimes.py``) that one test is skipped.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import jupytext
import pytest

from bdp import runtimes
from bdp.book import ROOT, chapters
from bdp.notebooks import chapter_sources, setup_cell_source

# packages every notebook runtime has by definition (the kernel), and build-only ones the kit
# imports only where they exist (bdp.glue falls back without MyST-NB)
KERNEL = {"ipython", "ipykernel"}
OPTIONAL = {"myst_nb"}
# kit modules that chapters never import (book maintenance, this test harness, the publish step)
# ... and the teacher's tools (student edition, grading a class)
BUILD_ONLY_KIT = {"bdp.book", "bdp.notebooks", "bdp.runtimes", "bdp.__main__", "bdp.editions",
                  "bdp.grader", "bdp.sphinx_jobs", "bdp.sphinx_streams"}  # build-time Sphinx extensions


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics in a cell
        tree = ast.parse("\n".join(ln for ln in code.splitlines()
                                   if not ln.lstrip().startswith(("%", "!"))))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _kit_file(module: str) -> Path | None:
    rel = Path(*module.split("."))
    for candidate in (ROOT / rel.with_suffix(".py"), ROOT / rel / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def run_time_imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported at run time -> where (chapter or kit module)."""
    found: dict[str, set[str]] = {}
    todo: list[tuple[str, str]] = []
    for source in chapter_sources(ROOT):
        nb = jupytext.read(source, fmt="md:myst")
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        todo += [(m, source.stem) for m in _imports(code)]
    seen_kit: set[str] = set()
    while todo:
        module, where = todo.pop()
        top = module.split(".")[0]
        if top == "bdp":
            if module in BUILD_ONLY_KIT or module in seen_kit:
                continue
            seen_kit.add(module)
            path = _kit_file(module)
            if path is not None:
                todo += [(m, module) for m in _imports(path.read_text())]
                if path.name == "__init__.py":  # a package: its modules may be imported lazily
                    todo += [(f"{module}.{p.stem}", module) for p in path.parent.glob("*.py")
                             if p.stem != "__init__"]
            continue
        if top in sys.stdlib_module_names or top in OPTIONAL or top.startswith("_"):
            continue
        found.setdefault(top, set()).add(where)
    return found


def colab_extra() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["optional-dependencies"]["colab"]


def _requirement_names(reqs: list[str]) -> list[str]:
    return [_norm(re.split(r"[\s\[<>=!~;]", r.strip(), maxsplit=1)[0]) for r in reqs]


def _installed_closure(names: list[str]) -> set[str]:
    """Distributions that installing ``names`` brings in (from the installed metadata)."""
    closure, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [n for r, n in zip(reqs, _requirement_names(reqs), strict=True)
                 if "extra ==" not in r or name in ("dask", "moto", "pyspark")]
    return closure


def test_colab_extra_covers_every_module_the_chapters_import() -> None:
    imports = run_time_imports()
    assert {"pandas", "pyspark", "dask", "deltalake", "dockerfile_parse", "numba"} <= set(imports)
    dists = metadata.packages_distributions()
    covered = _installed_closure(_requirement_names(colab_extra())) | KERNEL
    missing = {}
    for module, where in sorted(imports.items()):
        owners = {_norm(d) for d in dists.get(module, [module])}
        if not owners & covered:
            missing[module] = sorted(where)
    assert not missing, f"add to pyproject.toml's colab extra (module: imported by): {missing}"


def test_colab_extra_pins_what_it_replaces_as_the_book_does() -> None:
    """Exact pins in the extra are the book's pins (pandas 3 among them): same versions, and
    nothing for pip to search on Colab."""
    book = dict(re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)",
                           (ROOT / "requirements.txt").read_text(), re.M))
    book = {_norm(k): v for k, v in book.items()}
    exact = {_norm(re.split(r"[\[=]", r)[0]): r.split("==")[1].split(";")[0]
             for r in colab_extra() if "==" in r}
    assert exact["pandas"].startswith("3.")
    assert {k: book.get(k) for k in exact} == exact


def test_colab_preinstalled_list_is_dated_with_its_source() -> None:
    text = runtimes.COLAB_LIST.read_text()
    head = "\n".join(ln for ln in text.splitlines() if ln.startswith("#"))
    assert "github.com/googlecolab/backend-info" in head
    assert re.search(r"20\d\d-\d\d-\d\d", head)
    pins = dict(ln.split("==") for ln in text.splitlines() if ln and not ln.startswith("#"))
    assert pins["pandas"].startswith("2.")  # the reason for the restart in the setup cell
    for name in ("numpy", "scikit-learn", "matplotlib", "pyarrow", "ipykernel"):
        assert name in pins, f"{name} missing from {runtimes.COLAB_LIST.name}"


def test_setup_cell_installs_the_extra_restarts_once_and_accepts_colab_java() -> None:
    cell = setup_cell_source(ROOT, needs_java=True, folder="day1")
    assert '"[colab]"' in cell and "os.kill(os.getpid(), 9)" in cell
    assert "int(major) < 17" in cell  # Colab's OpenJDK 21 (or 17) is used as it is
    assert "openjdk-17-jre-headless" in cell  # ...apt only as a fallback
    assert max(len(line) for line in cell.splitlines()) <= 80


def test_setup_cell_restarts_only_when_an_imported_module_changed(tmp_path: Path) -> None:
    """Run the cell's logic in a fresh interpreter, as on Colab, with the install step faked."""
    book = tmp_path / "book"
    (book / "day1").mkdir(parents=True)
    cell = setup_cell_source(ROOT, needs_java=False, folder="day1")
    cell = cell.replace("subprocess.run([sys.executable", "print('pip would run') or (lambda *a, **k: 0)([sys.executable")
    env = {**os.environ, "BDP_COLAB_SIMULATION": "1", "BDP_BOOK": str(book)}
    # pandas already imported at its installed version (what the second run sees): no restart
    done = subprocess.run([sys.executable, "-c", "import pandas\n" + cell + "\nprint(os.getcwd())"],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(str(book / "day1"))
    # a pandas module whose version is not the installed one: the cell ends the process
    fake = "import sys, types\nsys.modules['pandas'] = types.SimpleNamespace(__version__='2.2.3')\n"
    killed = subprocess.run([sys.executable, "-c", fake + cell], env=env, capture_output=True,
                            text=True, cwd=tmp_path)
    assert killed.returncode == -9 and "restarts the runtime" in killed.stdout


def test_readme_names_every_system_package_and_current_runtimes() -> None:
    readme = (ROOT / "README.md").read_text()
    packages = [ln.strip() for ln in (ROOT / "apt.txt").read_text().splitlines()
                if ln.strip() and not ln.startswith("#")]
    for pkg in packages:
        assert pkg in readme, f"README.md does not name the system package {pkg} (apt.txt)"
    assert "`dot`" in readme and "Java 17 or 21" in readme
    assert "Python 3.13" in readme and "Java 11" not in readme


def test_results_round_trip_atomically(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    one = runtimes.Pass(mode="binder", started="now")
    one.notebooks["day1/a"] = runtimes.NotebookResult("day1/a", "binder", 3, 3, 1.0, 100.0, 150.0)
    runtimes.save_pass(one, path)
    two = runtimes.Pass(mode="cluster", started="now")
    two.notebooks["day1/a"] = runtimes.NotebookResult("day1/a", "cluster", 2, 3, 1.0, 90.0,
                                                      first_error="NameError: x")
    runtimes.save_pass(two, path)
    data = runtimes.load_results(path)
    assert set(data["modes"]) == {"binder", "cluster"}
    assert runtimes.failures(data) == [("cluster", "day1/a", "NameError: x")]
    [row] = runtimes.summary(data)
    assert row["binder cells"] == "3/3" and row["cluster cells"] == "2/3"
    assert not list(tmp_path.glob("*.tmp"))


def test_known_failures_are_explained() -> None:
    for (mode, name), reason in runtimes.KNOWN_FAILURES.items():
        assert mode in runtimes.MODES and name in chapters(), (mode, name)
        assert len(reason) > 20, f"say why {name} may fail on {mode}"


def test_every_published_notebook_passes_on_binder(binder_pass: runtimes.Pass) -> None:
    """The Binder pass (tests/conftest.py): every cell of every notebook, under the 2 GiB cap."""
    assert set(binder_pass.notebooks) == set(chapters()), "not every published notebook ran"
    bad = [f"{name}: {r.first_error}" for name, r in binder_pass.notebooks.items() if not r.ok]
    assert not bad, "notebooks with failing cells on Binder:\n" + "\n".join(bad)
    if os.access(runtimes.CGROUP_ROOT, os.W_OK):  # the cap is real wherever it can be
        uncapped = [name for name, r in binder_pass.notebooks.items() if r.cgroup_peak_mb is None]
        assert not uncapped, f"ran without the memory cap: {uncapped}"
    proxy = binder_pass.checks["proxy"]
    assert proxy.get("dashboard_served"), f"Dask dashboard not served through the proxy: {proxy}"
    assert proxy["printed_link"].startswith(f"{runtimes.BINDER_PREFIX}proxy/")


def test_a_learner_on_colab_sees_the_book_values(book) -> None:
    """The book's determinism comparison between its own build and the Colab simulation's
    executed notebooks (``BDP_RUNTIME_EXECUTED``, written by ``.ci/run``)."""
    import nbformat

    from bdp.book import first_difference

    executed = os.environ.get("BDP_RUNTIME_EXECUTED")
    if not executed:
        pytest.skip("BDP_RUNTIME_EXECUTED not set: .ci/run runs the Colab pass first")
    differences = []
    for name in chapters(book.source):
        built = nbformat.read(book.source / "_build" / "jupyter_execute" / f"{name}.ipynb", 4)
        colab_nb = Path(executed) / "colab" / f"{name}.ipynb"
        assert colab_nb.exists(), f"{name}: not executed in the Colab pass"
        diff = first_difference(built, nbformat.read(colab_nb, 4), across_runtimes=True)
        if diff:
            differences.append(f"{name}: book {diff[0][:300]!r}\n   colab {diff[1][:300]!r}")
    assert not differences, "Colab shows other values than the book:\n" + "\n".join(differences)


def test_every_notebook_passes_every_cell_in_every_runtime(binder_pass: runtimes.Pass) -> None:
    """Colab and cluster from the results file ``.ci/run`` writes; Binder joined it in conftest."""
    path = os.environ.get("BDP_RUNTIME_RESULTS")
    if not path:
        pytest.skip("BDP_RUNTIME_RESULTS not set: .ci/run runs the runtime passes first")
    data = runtimes.load_results(Path(path))
    published = chapters()
    for mode in runtimes.MODES:
        assert mode in data["modes"], f"no {mode} pass in {path}"
        ran = set(data["modes"][mode]["notebooks"])
        assert set(published) <= ran, f"{mode}: not run: {sorted(set(published) - ran)}"
    bad = [f"{mode} {name}: {error}" for mode, name, error in runtimes.failures(data)
           if (mode, name) not in runtimes.KNOWN_FAILURES]
    assert not bad, "notebooks with failing cells:\n" + "\n".join(bad)
    proxy = data["modes"]["binder"]["checks"]["proxy"]
    assert proxy.get("dashboard_served"), f"Dask dashboard not served through the proxy: {proxy}"
    assert data["modes"]["colab"]["checks"]["setup_restarted_runtime"]


def _pins(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def test_binder_environment_is_the_pinned_one_plus_nbgitpuller() -> None:
    """binder/ (the environment-only `binder` branch) builds what requirements.txt pins."""
    root = [p for p in _pins(ROOT / "requirements.txt") if p != "-e ."]
    binder = _pins(ROOT / "binder" / "requirements.txt")
    assert [p for p in binder if not p.startswith("nbgitpuller==")] == root
    assert any(p.startswith("nbgitpuller==") for p in binder)
    assert _pins(ROOT / "binder" / "apt.txt") == _pins(ROOT / "apt.txt")
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "big-data-processing" in post and os.access(ROOT / "binder" / "postBuild", os.X_OK)


def test_binder_link_pulls_the_notebook_into_the_cached_environment() -> None:
    from urllib.parse import parse_qs, unquote, urlparse

    import yaml

    from bdp.notebooks import binder_link

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    link = binder_link(config, "appendix/where_it_runs.ipynb")
    assert link.startswith("https://mybinder.org/v2/gh/bdp-course/big-data-processing/binder?")
    pull = unquote(parse_qs(urlparse(link).query)["urlpath"][0])
    query = parse_qs(pull.split("?", 1)[1])
    assert query == {"repo": [config["repository"]["url"]], "branch": ["notebooks"],
                     "urlpath": ["lab/tree/big-data-processing/appendix/where_it_runs.ipynb"]}


def test_compare_counts_what_a_learner_would_see_differently(tmp_path: Path) -> None:
    import nbformat

    def nb(text: str) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_code_cell("print(x)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return nbformat.v4.new_notebook(cells=[cell])

    for mode, text in (("colab", "dtype: str\ntook 1.2 s\n"), ("binder", "dtype: str\ntook 3.4 s\n")):
        (tmp_path / mode / "day1").mkdir(parents=True)
        nbformat.write(nb(text), tmp_path / mode / "day1" / "a.ipynb")
    nbformat.write(nb("dtype: object\n"), tmp_path / "colab" / "day1" / "b.ipynb")
    nbformat.write(nb("dtype: str\n"), tmp_path / "binder" / "day1" / "b.ipynb")
    out = runtimes.compare(tmp_path, tmp_path / "r.json")
    assert out["day1/a"]["differ"] == 0  # timings are masked
    assert out["day1/b"]["differ"] == 1 and "object" in out["day1/b"]["first"][0]
    assert runtimes.load_results(tmp_path / "r.json")["comparison"]["between"] == ["colab", "binder"]
