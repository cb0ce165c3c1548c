"""Shared fixtures: one clean, offline build of the whole book per test session, and one
profiled execution of every chapter (for budgets, determinism and cleanup checks)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from bdp.book import Build, ChapterRun, build, chapters, copy_book, execute_chapter, offline_env


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


@pytest.fixture(scope="session")
def chapter_runs(sandbox: Sandbox, book: Build) -> dict[str, ChapterRun]:
    """Every chapter executed once more in a fresh kernel, with its time and peak memory."""
    runs = {}
    for name in chapters(sandbox.source):
        runs[name] = execute_chapter(sandbox.source / f"{name}.md", env=sandbox.env)
        print(f"{name}: {runs[name].seconds:.1f} s, {runs[name].peak_mb:.0f} MB")
    return runs
