"""Shared fixtures: one clean, offline build of the whole book per test session, and one
more execution of every published notebook as on Binder (for the runtime test, budgets,
determinism and cleanup checks)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from bdp import runtimes
from bdp.book import Build, ChapterRun, build, chapters, copy_book, offline_env


@dataclass
class Sandbox:
    """Where the book is built: a scratch copy, its environment, and what to check afterwards."""

    source: Path
    env: dict[str, str]
    offline_log: Path
    tmpdir: Path
    started: float
    pids_before: set[int]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    work = tmp_path_factory.mktemp("book")
    source = copy_book(work / "src")
    env, log = offline_env(work)
    tmpdir = work / "tmp"
    tmpdir.mkdir()
    env["TMPDIR"] = str(tmpdir)
    env.pop("BDP_SCALE", None)  # the default scale: what Binder and the published book use
    return Sandbox(source, env, log, tmpdir, time.time(), set(psutil.pids()))


@pytest.fixture(scope="session")
def book(sandbox: Sandbox) -> Build:
    """The whole book built from a clean cache, publish step included (slow: minutes)."""
    result = build(sandbox.source, env=sandbox.env)
    print(f"\nclean book build: {result.seconds:.0f} s")
    return result


def _binder_executed(sandbox: Sandbox) -> Path:
    """Where the Binder pass keeps its executed notebooks: beside the other runtimes' when
    ``.ci/run`` set ``BDP_RUNTIME_EXECUTED``, else in the sandbox."""
    if os.environ.get("BDP_RUNTIME_EXECUTED"):
        return Path(os.environ["BDP_RUNTIME_EXECUTED"]) / "binder"
    return sandbox.source.parent / "binder" / "executed"


@pytest.fixture(scope="session")
def binder_pass(sandbox: Sandbox, book: Build) -> runtimes.Pass:
    """Every published notebook executed once more, as on Binder (slow: minutes).

    The pinned environment this suite runs in is Binder's (``requirements.txt`` + ``apt.txt``);
    each notebook runs in a fresh kernel under a real 2 GiB memory cap, with
    ``JUPYTERHUB_SERVICE_PREFIX`` set, and a dashboard link is fetched through
    jupyter-server-proxy. With ``BDP_RUNTIME_RESULTS`` set (``.ci/run``), the pass joins that
    results file beside the Colab and cluster passes.
    """
    work = sandbox.source.parent / "binder"
    work.mkdir()
    names = chapters(sandbox.source)
    notebooks = {name: sandbox.source / f"{name}.ipynb" for name in names}
    start = time.perf_counter()
    result = runtimes.run_binder(work, sandbox.source, notebooks, names, env=sandbox.env,
                                 save_dir=_binder_executed(sandbox))
    result.seconds = round(time.perf_counter() - start, 1)
    if os.environ.get("BDP_RUNTIME_RESULTS"):
        runtimes.save_pass(result, Path(os.environ["BDP_RUNTIME_RESULTS"]))
    return result


@pytest.fixture(scope="session")
def chapter_runs(sandbox: Sandbox, binder_pass: runtimes.Pass) -> dict[str, ChapterRun]:
    """Every chapter's second execution (the Binder pass): time, peak memory, executed notebook."""
    executed = _binder_executed(sandbox)
    return {name: ChapterRun(name=name, seconds=r.seconds, peak_rss=int(r.peak_mb * 1024**2),
                             notebook=nbformat.read(executed / f"{name}.ipynb", as_version=4))
            for name, r in binder_pass.notebooks.items()}
