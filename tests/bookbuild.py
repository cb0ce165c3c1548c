"""Build the whole book the way the publishing workflow does, in a scratch copy.

Used by the book tests (one build per test session) and by ``benchmarks/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git", "_build", "__pycache__", ".pytest_cache", "*.egg-info", "data", "*.ipynb",
    ".ipynb_checkpoints", "spark-warehouse", "dask-worker-space",
)


@dataclass
class Build:
    """A finished build: where it is, what it printed, how long it took."""

    source: Path
    html: Path
    returncode: int
    output: str
    seconds: float
    notebooks: list[Path]


def copy_book(dest: Path) -> Path:
    """Copy the book's sources (no build outputs, no generated notebooks) to ``dest``."""
    shutil.copytree(ROOT, dest, ignore=IGNORE)
    return dest


def build(source: Path, *, publish: bool = True, extra_env: dict[str, str] | None = None) -> Build:
    """Run the publish step (``python -m bdp notebooks``) then a strict ``jupyter-book build``."""
    notebooks: list[Path] = []
    env = {**os.environ, **(extra_env or {})}
    if publish:
        out = subprocess.run([sys.executable, "-m", "bdp", "notebooks", str(source)], env=env,
                             capture_output=True, text=True, check=True)
        notebooks = [Path(line.split(" ", 1)[1]) for line in out.stdout.splitlines()]
    start = time.perf_counter()
    result = subprocess.run(
        ["jupyter-book", "build", str(source), "-W", "-n", "--keep-going"],
        env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    return Build(
        source=source,
        html=source / "_build" / "html",
        returncode=result.returncode,
        output=result.stdout + result.stderr,
        seconds=seconds,
        notebooks=notebooks,
    )
