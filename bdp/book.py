"""Book maintenance: build the whole book, execute and profile chapters, compare their outputs.

The tests (``tests/test_book.py``, ``tests/test_health.py``) and ``benchmarks/profile_chapters.py``
use this module; learners never need it.

* :func:`copy_book` + :func:`build` — the publishing workflow's build (publish step, then a strict
  ``jupyter-book build``) in a scratch copy, from a clean cache.
* :func:`offline_env` — an environment in which every Python process (the build, the kernels,
  Dask workers, the local S3 server) refuses and records any connection to a non-loopback address.
* :func:`execute_chapter` — run one chapter in a fresh kernel while sampling the memory of the
  kernel and all its children (Spark's JVM, Dask workers, servers).
* :func:`comparable_outputs` — a chapter's outputs with timings and run-specific noise masked,
  for the determinism check.
"""

from __future__ import annotations

import contextlib
import csv
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jupytext
import nbformat
import psutil

from bdp.measure import RssSampler
from bdp.notebooks import SETUP_TAG, chapter_sources

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git", "_build", "__pycache__", ".pytest_cache", "*.egg-info", "data", "*.ipynb",
    ".ipynb_checkpoints", "spark-warehouse", "dask-worker-space", "metastore_db",
)
# cells tagged so are left out of the determinism comparison (their output is a measurement)
TIMING_TAGS = {"timing", "nondeterministic"}
# outputs that describe the runtime itself (versions, an interpreter's own messages): the same in
# two runs on one machine, different on Colab's Python; left out only when runtimes are compared
RUNTIME_TAG = "runtime-specific"
# glued names that hold measurements, by convention (see CONTRIBUTING.md)
TIMING_GLUE = re.compile(r"(^t_|^time_|^verdict_|seconds|speedup|ratio_time|_ms$|_s$|throughput|mb_per_s|peak_|_rss)")


# --------------------------------------------------------------------------- whole-book build


@dataclass
class Build:
    """A finished build: where it is, what it printed, how long it took."""

    source: Path
    html: Path
    returncode: int
    output: str
    seconds: float
    notebooks: list[Path]


def chapters(book: Path = ROOT) -> list[str]:
    """Docnames of the executed chapters (MyST notebooks in the TOC), e.g. ``day1/01_big_data``."""
    return [p.relative_to(book).with_suffix("").as_posix() for p in chapter_sources(book)]


def copy_book(dest: Path) -> Path:
    """Copy the book's sources (no build outputs, no generated notebooks) to ``dest``."""
    shutil.copytree(ROOT, dest, ignore=IGNORE)
    return dest


def build(source: Path, *, publish: bool = True, env: dict[str, str] | None = None) -> Build:
    """Run the publish step (``python -m bdp notebooks``), then ``jupyter-book build -W -n``."""
    env = env or dict(os.environ)
    notebooks: list[Path] = []
    if publish:
        out = subprocess.run([sys.executable, "-m", "bdp", "notebooks", str(source)], env=env,
                             capture_output=True, text=True, check=True)
        notebooks = [Path(line.split(" ", 1)[1]) for line in out.stdout.splitlines()]
    start = time.perf_counter()
    result = subprocess.run(
        ["jupyter-book", "build", str(source), "-W", "-n", "--keep-going"],
        env=env, capture_output=True, text=True,
    )
    return Build(
        source=source,
        html=source / "_build" / "html",
        returncode=result.returncode,
        output=result.stdout + result.stderr,
        seconds=time.perf_counter() - start,
        notebooks=notebooks,
    )


# --------------------------------------------------------------------------- offline guard

_GUARD = '''\
"""Installed by bdp.book.offline_env: refuse and record connections to non-loopback addresses."""
import ipaddress, os, socket

_LOG = os.environ.get("BDP_OFFLINE_LOG", "")
_LOCAL_NAMES = {"localhost", "ip6-localhost", "ip6-loopback", ""}


def _is_local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _refuse(what, target):
    if _LOG:
        with open(_LOG, "a") as log:
            log.write(f"pid {os.getpid()}: {what} {target!r}\\n")
    raise OSError(101, f"network access is blocked in the book build: {what} {target!r}")


def _guarded(method, what):
    def wrapper(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _refuse(what, address)
        return method(self, address, *args)
    return wrapper


socket.socket.connect = _guarded(socket.socket.connect, "connect")
socket.socket.connect_ex = _guarded(socket.socket.connect_ex, "connect")
_sendto = socket.socket.sendto


def _guarded_sendto(self, data, *args):
    address = args[-1]
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse("sendto", address)
    return _sendto(self, data, *args)


socket.socket.sendto = _guarded_sendto
_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host) and host != socket.gethostname():
        _refuse("resolve", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo
'''


def offline_env(workdir: Path, base: dict[str, str] | None = None) -> tuple[dict[str, str], Path]:
    """An environment whose Python processes may only reach loopback; returns ``(env, log)``.

    A ``sitecustomize`` module on ``PYTHONPATH`` wraps ``socket`` so that any connection,
    datagram or name lookup aimed beyond this machine raises ``OSError`` and is appended to
    ``log``. (Java processes are not covered; Spark runs bound to 127.0.0.1.)
    """
    guard = workdir / "offline-guard"
    guard.mkdir(parents=True, exist_ok=True)
    (guard / "sitecustomize.py").write_text(_GUARD)
    log = workdir / "offline.log"
    log.touch()
    env = dict(base if base is not None else os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")]))
    env["BDP_OFFLINE_LOG"] = str(log)
    return env, log


# --------------------------------------------------------------------------- chapter profiles


@dataclass
class ChapterRun:
    """One chapter executed in a fresh kernel."""

    name: str
    seconds: float
    peak_rss: int
    notebook: nbformat.NotebookNode
    #: with ``stop_on_error``: the first failing cell's index and its error, else ``None``
    failed: tuple[int, str] | None = None

    @property
    def peak_mb(self) -> float:
        return self.peak_rss / 1024**2


@contextlib.contextmanager
def environ(env: dict[str, str] | None) -> Iterator[None]:
    """Run a block with ``os.environ`` replaced by ``env`` (unchanged when ``None``)."""
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute_chapter(source: Path, *, env: dict[str, str] | None = None, timeout: int = 900,
                    stop_on_error: bool = False) -> ChapterRun:
    """Execute one MyST chapter in a new kernel (cwd: its folder), sampling the kernel's process tree.

    The peak is the largest sum of resident memory of the kernel and all its descendants seen
    every 50 ms; the time is the wall time of all cells, kernel start-up excluded. A failing cell
    raises, or with ``stop_on_error`` ends the run and is recorded in :attr:`ChapterRun.failed`.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = jupytext.read(source, fmt="md:myst")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    failed = None
    with environ(env), client.setup_kernel():
        pid = client.km.provisioner.pid
        with RssSampler(interval=0.05, pid=pid) as sampler:
            for index, cell in enumerate(nb.cells):
                try:
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError) as exc:
                    if not stop_on_error:
                        raise
                    failed = (index, (str(exc).strip().splitlines() or [type(exc).__name__])[-1])
                    break
    return ChapterRun(name=source.stem, seconds=sampler.seconds, peak_rss=sampler.peak, notebook=nb,
                      failed=failed)


def machine() -> str:
    """One line describing this machine, for result tables."""
    mem = psutil.virtual_memory().total / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def write_profile(rows: list[dict[str, object]], out_dir: Path) -> dict[str, Path]:
    """Write the profile table as CSV and Markdown plus a bar plot; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out_dir / "chapter_profile.csv", "md": out_dir / "chapter_profile.md",
             "png": out_dir / "chapter_profile.png"}
    fields = ["chapter", "seconds", "peak_mb", "scale", "date", "machine"]
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| chapter | seconds | peak MB |", "|---|---:|---:|"]
    lines += [f"| {r['chapter']} | {float(r['seconds']):.1f} | {float(r['peak_mb']):.0f} |" for r in rows]
    if rows:
        lines.append(f"\nScale `{rows[0]['scale']}`, measured {rows[0]['date']} on {rows[0]['machine']}.")
    paths["md"].write_text("\n".join(lines) + "\n")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 0.4 * len(rows) + 1.5), sharey=True)
    names = [str(r["chapter"]) for r in rows]
    ax1.barh(names, [float(r["seconds"]) for r in rows], color="#4c72b0")
    ax1.set_xlabel("execution time (s)")
    ax2.barh(names, [float(r["peak_mb"]) for r in rows], color="#dd8452")
    ax2.axvline(2048, color="grey", ls="--", lw=0.8)
    ax2.set_xlabel("peak memory, kernel + children (MB)")
    ax1.invert_yaxis()
    fig.tight_layout()
    fig.savefig(paths["png"], dpi=100)
    plt.close(fig)
    return paths


def profile_rows(runs: list[tuple[str, ChapterRun]], scale: str) -> list[dict[str, object]]:
    """Rows for :func:`write_profile` from ``(docname, run)`` pairs."""
    today, where = date.today().isoformat(), machine()
    return [{"chapter": name, "seconds": round(run.seconds, 1), "peak_mb": round(run.peak_mb),
             "scale": scale, "date": today, "machine": where} for name, run in runs]


# --------------------------------------------------------------------------- determinism

_MASKS = [
    # a link to a local service (dashboard, Spark UI), as printed here or through Binder's proxy
    (re.compile(r"(https?://(127\.0\.0\.1|localhost|0\.0\.0\.0):\d+|/user/[^/\s]+/proxy/\d+)"
                r"[^\s'\"<>)]*"), "<local-url>"),
    (re.compile(r"(127\.0\.0\.1|localhost|0\.0\.0\.0):\d+"), r"\1:<port>"),
    (re.compile(r"/proxy/\d+"), "/proxy/<port>"),
    (re.compile(r"(/tmp|/var/folders)/[^\s'\"<>)]+"), "<tmp>"),
    (re.compile(r"0x[0-9a-f]{6,}"), "<addr>"),
    (re.compile(r"\b(pid|PID)[ =:]+\d+"), r"\1 <n>"),
    (re.compile(r"\d+(\.\d+)?\s?(ns|µs|us|ms|s|sec|secs|seconds|min|minutes)\b"), "<duration>"),
    (re.compile(r"(app|local|application)-\d{14}-\d{4}"), "<spark-app>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<token>"),
    (re.compile(r"\b([A-Z]\w+)\([0-9a-f]{6,}\)"), r"\1(<id>)"),  # Dask expression ids: FromMap(a9fecd4)
]


def _mask(text: str) -> str:
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def comparable_outputs(nb: nbformat.NotebookNode, *, across_runtimes: bool = False) -> list[str]:
    """The outputs of ``nb`` that must not change between two runs, masked and flattened.

    Per cell, all stdout text is joined (a kernel may deliver one ``print`` in several stream
    messages, and the book build merges them), then the rich outputs follow in order. Left out:
    cells tagged ``timing``/``nondeterministic``, glued values whose names say they are
    measurements (``t_…``, ``time_…``, ``…seconds…``, ``…speedup…``), stderr, images and widgets.
    Each item is keyed by the cell's number among the chapter's code cells (the published
    notebook's setup cell not counted), so a book page and a published notebook compare. With
    ``across_runtimes``, cells tagged ``runtime-specific`` are left out too.
    """
    items: list[str] = []
    code = [c for c in nb.cells
            if c.cell_type == "code" and SETUP_TAG not in c.metadata.get("tags", [])]
    skip = TIMING_TAGS | {RUNTIME_TAG} if across_runtimes else TIMING_TAGS
    for index, cell in enumerate(code):
        if skip & set(cell.metadata.get("tags", [])):
            continue
        chunks = [
            "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
            for o in cell.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stdout"
        ]
        # A trailing newline may travel alone, and notebooks saved by builds before
        # bdp.sphinx_streams repeat a merged tail: compare each distinct non-blank line once,
        # in order of first appearance.
        lines = (line.rstrip() for line in "".join(chunks).splitlines())
        stdout = "\n".join(dict.fromkeys(line for line in lines if line))
        if stdout:
            items.append(f"{index}:stdout:{_mask(stdout)}")
        for output in cell.get("outputs", []):
            if "data" not in output:
                continue
            glue_key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if glue_key is not None and TIMING_GLUE.search(glue_key):
                continue
            data = output["data"]
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in data:
                    value = data[mime]
                    value = "".join(value) if isinstance(value, list) else value
                    items.append(f"{index}:{glue_key or mime}:{_mask(value)}")
                    break
    return items


def first_difference(built: nbformat.NotebookNode, other: nbformat.NotebookNode, *,
                     across_runtimes: bool = False) -> tuple[str, str] | None:
    """The first comparable output (:func:`comparable_outputs`) on which ``other`` differs from
    ``built`` — a missing one shows as ``""`` — or ``None``; ``ValueError`` if ``built`` has none."""
    a = comparable_outputs(built, across_runtimes=across_runtimes)
    b = comparable_outputs(other, across_runtimes=across_runtimes)
    if not a:
        raise ValueError("nothing to compare")
    n = max(len(a), len(b))
    pairs = zip(a + [""] * (n - len(a)), b + [""] * (n - len(b)))
    return next(((x, y) for x, y in pairs if x != y), None)
