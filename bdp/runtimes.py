"""Runtime test: every published notebook run the way a learner runs it, offline.

Three passes, each over every ``.ipynb`` that ``python -m bdp notebooks`` publishes:

* ``colab`` — a fresh virtual environment with Python 3.13 holding the versions Colab preinstalls
  (``.ci/colab-preinstalled.txt``: dated, with its source), then the published setup cell's own
  install step (``pip install -e BOOK[colab]``) against a local copy of the book instead of a
  clone from GitHub — with the runtime restart it asks for — then every notebook top to bottom
  in a kernel of that environment, setup cell included (``BDP_COLAB_SIMULATION`` makes the cell
  act as on Colab, since ``google.colab`` cannot exist here).
* ``binder`` — the pinned environment (``requirements.txt`` + ``apt.txt``, as repo2docker builds
  it) with ``JUPYTERHUB_SERVICE_PREFIX`` set, each notebook under a real 2 GiB memory cap (a
  cgroup v1 memory controller, when writable: root on Linux); plus a real Jupyter server with
  jupyter-server-proxy, through which the Dask dashboard link a chapter prints is fetched.
* ``cluster`` — ``DASK_SCHEDULER_ADDRESS`` pointing at a separately started ``dask scheduler``
  with two ``dask worker`` processes, and ``SPARK_REMOTE`` at a Spark Connect server started
  from the pyspark wheel (``sbin/start-connect-server.sh``).

Per notebook and runtime the results file (JSON, written atomically; :func:`load_results`)
records cells passed / total, time, peak memory of the kernel's process tree, the cgroup's peak
(Binder) and the first error. ``appendix/where_it_runs.md`` renders it; ``tests/test_runtimes.py``
asserts that every cell passed, except for the pairs listed in :data:`KNOWN_FAILURES`.

Command line (``python -m bdp runtimes --help``)::

    python -m bdp runtimes run colab binder cluster --results runtimes.json
    python -m bdp runtimes run cluster --chapters day1/03_spark day4/31_dask
    python -m bdp runtimes report --results runtimes.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bdp.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "runtimes.json"
COLAB_LIST = ROOT / ".ci" / "colab-preinstalled.txt"
# Colab's Python (3.13 since 2026-08-19): BDP_COLAB_PYTHON, else pyenv's 3.13, else python3.13
COLAB_PYTHON = Path(os.environ.get("BDP_COLAB_PYTHON")
                    or next((str(p) for p in sorted((Path.home() / ".pyenv" / "versions")
                                                    .glob("3.13.*/bin/python"))),
                            shutil.which("python3.13") or "python3.13"))
MODES = ("colab", "binder", "cluster")
BINDER_LIMIT = 2 * 1024**3  # mybinder.org's memory guarantee/limit per session
BINDER_PREFIX = "/user/learner/"
CGROUP_ROOT = Path("/sys/fs/cgroup/memory")

# (mode, chapter) -> why it may fail. Starts empty: a pair is added only by a deliberate decision
# (with the reason and the issue that will remove it); tests/test_runtimes.py asserts every other
# notebook passes all its cells in every mode.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}

# What a runtime lacks by design, whatever the chapter (shown on the "where it runs" page).
LIMITS: dict[str, list[str]] = {
    "colab": [
        "The Dask dashboard and the Spark UI are not reachable from the browser (no proxy to "
        "the VM's ports); the links print but do not open.",
        "The setup cell installs pandas 3 and the engines, then restarts the runtime once "
        "(Colab already imported its pandas 2): run the setup cell again after the restart.",
    ],
    "binder": [
        "2 GB of memory for the notebook and everything it starts: one engine at a time, "
        "`BDP_SCALE=small` only.",
        "The Dask dashboard and the Spark UI open through jupyter-server-proxy "
        "(`/user/<you>/proxy/<port>/`).",
    ],
    "cluster": [
        "Spark over Spark Connect has no RDD API and no `sparkContext`; what needs it runs on "
        "an explicit local session.",
        "The cluster belongs to whoever started it: chapters close only their connection "
        "(`bdp.clusters.close`), and worker-level demonstrations (spill, killing a worker) use "
        "a deliberately local cluster.",
    ],
}

# Colab's kernel imports these at start-up (so replacing them needs a restart).
COLAB_PRELOAD = "import numpy, pandas, matplotlib"


@dataclass
class NotebookResult:
    """One published notebook executed in one runtime."""

    chapter: str
    mode: str
    passed: int = 0
    total: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    cgroup_peak_mb: float | None = None
    cgroup_failcnt: int | None = None
    first_error: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total


@dataclass
class Pass:
    """One runtime pass: its notebooks and what it took to set up."""

    mode: str
    started: str
    seconds: float = 0.0
    setup_seconds: float | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    notebooks: dict[str, NotebookResult] = field(default_factory=dict)


# --------------------------------------------------------------------------- results file


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The results file as a dict (``{"modes": {mode: pass}}``), empty if there is none."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {"modes": {}}


def save_pass(result: Pass, path: Path = RESULTS) -> None:
    """Merge one pass into the results file, atomically (write a temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = load_results(path)
    record = asdict(result)
    record["notebooks"] = {name: asdict(r) for name, r in result.notebooks.items()}
    data.setdefault("modes", {})[result.mode] = record
    data["machine"] = machine()
    _write_json(data, path)


def _write_json(data: dict[str, Any], path: Path) -> None:
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def machine() -> str:
    import psutil

    mem = psutil.virtual_memory().total / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()}"


def summary(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per chapter: per mode ``passed/total``, seconds, peak MB, first error."""
    rows: dict[str, dict[str, Any]] = {}
    for mode, record in data.get("modes", {}).items():
        for name, nb in record.get("notebooks", {}).items():
            row = rows.setdefault(name, {"chapter": name})
            row[f"{mode} cells"] = f"{nb['passed']}/{nb['total']}"
            row[f"{mode} s"] = round(nb["seconds"])
            peak = nb.get("cgroup_peak_mb") if mode == "binder" and nb.get("cgroup_peak_mb") else None
            row[f"{mode} MB"] = round(max(nb["peak_mb"], 0))
            if peak is not None:
                row[f"{mode} cgroup MB"] = round(peak)
            if nb.get("first_error"):
                row.setdefault("errors", []).append(f"{mode}: {nb['first_error']}")
    return [rows[k] for k in sorted(rows)]


def failures(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(mode, chapter, first error)`` for every notebook that did not pass all its cells."""
    out = []
    for mode, record in data.get("modes", {}).items():
        for name, nb in sorted(record.get("notebooks", {}).items()):
            if not (nb["total"] > 0 and nb["passed"] == nb["total"]):
                out.append((mode, name, nb.get("first_error") or "no cell ran"))
    return out


# --------------------------------------------------------------------------- notebook execution


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # nbclient's CellExecutionError ends with "ErrorName: message"; keep that line
    for line in reversed(lines):
        if ":" in line and not line.startswith(" ") and "---" not in line:
            return f"{type(exc).__name__}: {line.strip()}"[:300]
    return (lines[-1] if lines else type(exc).__name__)[:300]


def _error_of(outputs: list[dict[str, Any]]) -> str | None:
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"[:300]
    return None


@contextlib.contextmanager
def memory_cap(name: str, limit: int) -> Iterator[Path | None]:
    """A cgroup v1 memory group limited to ``limit`` bytes, or ``None`` where none can be made."""
    group = CGROUP_ROOT / name
    try:
        group.mkdir(exist_ok=True)
        (group / "memory.limit_in_bytes").write_text(str(limit))
        with contextlib.suppress(OSError):  # charge what a process brings when it joins
            (group / "memory.move_charge_at_immigrate").write_text("3")
        with contextlib.suppress(OSError):  # no swap accounting on some kernels
            (group / "memory.memsw.limit_in_bytes").write_text(str(limit))
    except OSError:
        yield None
        return
    try:
        yield group
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:  # processes still exiting
                time.sleep(0.1)


def _join_cgroup(group: Path, pid: int) -> None:
    (group / "cgroup.procs").write_text(str(pid))


def execute(
    path: Path,
    *,
    mode: str,
    chapter: str,
    kernel_name: str = "python3",
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    preload: str | None = None,
    cap: int | None = None,
    timeout: int = 900,
    save_to: Path | None = None,
) -> NotebookResult:
    """Execute a published notebook top to bottom in a new kernel; every cell runs, failed or not.

    The peak is the largest resident memory of the kernel and all its descendants (sampled every
    50 ms); with ``cap``, the kernel runs in a cgroup limited to ``cap`` bytes and the group's own
    peak (page cache included) and allocation-failure count are recorded too.
    """
    import nbformat
    from nbclient import NotebookClient
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    from bdp.book import environ
    from bdp.measure import RssSampler

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    result = NotebookResult(chapter=chapter, mode=mode, total=len(code))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    group_name = f"bdp-{mode}-{os.getpid()}-{chapter.replace('/', '-')}"
    with environ(env), memory_cap(group_name, cap) if cap else contextlib.nullcontext() as group:
        if cap and group is None:
            result.note = "no memory cap (cgroup v1 memory controller not writable)"
        if group is not None:  # a kernelspec from capped_kernelspec() joins it before it starts
            os.environ["BDP_CGROUP_PROCS"] = str(group / "cgroup.procs")
        start = time.perf_counter()
        # the kernel process's own stderr (JVM start-up lines, ipykernel notices) is not a cell's
        # output: keep it beside the executed notebook instead of in the harness's log
        if save_to is not None:
            save_to.parent.mkdir(parents=True, exist_ok=True)
        stderr = save_to.with_suffix(".stderr.log").open("w") if save_to else subprocess.DEVNULL
        try:
            with client.setup_kernel(stderr=stderr):
                pid = client.km.provisioner.pid
                if group is not None:
                    _join_cgroup(group, pid)
                with RssSampler(interval=0.05, pid=pid) as sampler:
                    if preload:  # nbclient's kernel client is asynchronous
                        reply = run_sync(client.kc.execute_interactive)(
                            preload, timeout=300, store_history=False)
                        if reply["content"]["status"] != "ok":
                            result.note = f"preload failed: {reply['content'].get('evalue')}"
                    for index, cell in enumerate(nb.cells):
                        if cell.cell_type != "code":
                            continue
                        try:
                            client.execute_cell(cell, index)
                        except CellExecutionError as exc:
                            result.first_error = result.first_error or _one_line(exc)
                            continue
                        error = _error_of(cell.get("outputs", []))
                        if error:
                            result.first_error = result.first_error or error
                        else:
                            result.passed += 1
                result.peak_mb = sampler.peak / 1024**2
        except DeadKernelError as exc:
            result.first_error = result.first_error or f"kernel died: {_one_line(exc)}"
        except Exception as exc:  # a cell timeout, a kernel that did not start...
            result.first_error = result.first_error or _one_line(exc)
        result.seconds = time.perf_counter() - start
        if save_to is not None:
            stderr.close()
            nbformat.write(nb, save_to)
        if group is not None:
            result.cgroup_peak_mb = int((group / "memory.max_usage_in_bytes").read_text()) / 1024**2
            result.cgroup_failcnt = int((group / "memory.failcnt").read_text())
            if result.cgroup_failcnt and not result.first_error:
                result.first_error = f"memory cap hit {result.cgroup_failcnt} times"
    return result


# --------------------------------------------------------------------------- the book's copy


def publish(work: Path) -> tuple[Path, dict[str, Path]]:
    """Copy the book to ``work/book`` and write its published notebooks; ``(copy, {chapter: ipynb})``."""
    from bdp.book import copy_book
    from bdp.notebooks import export

    book = copy_book(work / "book")
    notebooks = export(book)
    return book, {p.relative_to(book).with_suffix("").as_posix(): p for p in notebooks}


def base_env(work: Path) -> dict[str, str]:
    """The offline environment the notebooks run in (network beyond loopback refused and logged)."""
    from bdp.book import offline_env

    env, _log = offline_env(work)
    tmp = work / "tmp"
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)
    env.pop("BDP_SCALE", None)
    for var in ("DASK_SCHEDULER_ADDRESS", "SPARK_REMOTE", "JUPYTERHUB_SERVICE_PREFIX",
                "BDP_COLAB_SIMULATION", "BDP_BOOK"):
        env.pop(var, None)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


# --------------------------------------------------------------------------- colab


def colab_environment(venv: Path, python: Path = COLAB_PYTHON,
                      listing: Path = COLAB_LIST) -> dict[str, float]:
    """Make ``venv``: Colab's Python with Colab's preinstalled versions, nothing else.

    Installing the list (about 1.5 GB of wheels) takes minutes; it is done once per list and
    Python into a pristine cache (``~/.cache/bdp/colab-<hash>``) and ``venv`` is a hard-linked
    copy of it: a fresh environment every run (pip replaces files, it never edits them in place,
    so the cache stays pristine). Returns the seconds spent building the cache and copying.
    """
    import hashlib

    key = hashlib.sha256(listing.read_bytes() + str(python).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bdp" / f"colab-{key}"
    times = {"cache_build_seconds": 0.0}
    if not (cache / ".complete").exists():
        start = time.perf_counter()
        shutil.rmtree(cache, ignore_errors=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(python), "-m", "venv", str(cache)], check=True)
        subprocess.run([str(cache / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--no-deps", "-r", str(listing)],
                       check=True, env=_pip_env())
        (cache / ".complete").write_text(listing.read_text())
        times["cache_build_seconds"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run(["cp", "-al", str(cache), str(venv)], check=True)
    (venv / ".complete").unlink()
    times["copy_seconds"] = round(time.perf_counter() - start, 1)
    return times


def _pip_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _kernelspec(jupyter_path: Path, name: str, python: Path) -> None:
    spec = jupyter_path / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({name})", "language": "python"}))


def run_colab(work: Path, book: Path, notebooks: dict[str, Path], chapters: list[str]) -> Pass:
    """The Colab simulation (see the module docstring)."""
    import nbformat

    result = Pass(mode="colab", started=_now())
    venv = work / "colab-venv"
    env_times = colab_environment(venv)
    python = venv / "bin" / "python"
    jupyter_path = work / "jupyter"
    _kernelspec(jupyter_path, "colab", python)
    env = base_env(work)
    # the venv's kernel must import the venv's packages and the book's copy, nothing of ours
    env["PYTHONPATH"] = env["PYTHONPATH"].split(os.pathsep)[0]  # the offline guard only
    env["JUPYTER_PATH"] = str(jupyter_path)
    env["BDP_COLAB_SIMULATION"] = "1"
    env["BDP_BOOK"] = str(book)
    content = work / "content"  # Colab's working directory
    content.mkdir(exist_ok=True)
    # The setup cell's install step, as the learner runs it: first run installs, then restarts.
    first = nbformat.read(next(iter(notebooks.values())), as_version=4)
    setup = work / "setup.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[first.cells[0]], metadata=first.metadata), setup)
    pip_env = {**env, "PYTHONPATH": ""}
    start = time.perf_counter()
    install = execute(setup, mode="colab", chapter="setup", kernel_name="colab", cwd=content,
                      env=pip_env, preload=COLAB_PRELOAD, timeout=1800)
    setup_seconds = time.perf_counter() - start
    restarted = install.first_error is not None and "kernel died" in install.first_error
    versions = subprocess.run(
        [str(python), "-c", "import sys, pandas, numpy, pyarrow, dask, pyspark, sklearn; "
         "print(sys.version.split()[0], pandas.__version__, numpy.__version__, "
         "pyarrow.__version__, dask.__version__, pyspark.__version__, sklearn.__version__)"],
        capture_output=True, text=True, env=_pip_env())
    result.setup_seconds = round(setup_seconds, 1)
    result.environment = {
        "preinstalled_list": COLAB_LIST.name, **env_times,
        "python, pandas, numpy, pyarrow, dask, pyspark, scikit-learn": versions.stdout.strip()
        or versions.stderr.strip()[-300:],
    }
    result.checks = {"setup_restarted_runtime": restarted,
                     "setup_first_run": install.first_error or "no restart needed"}
    print(f"  colab setup: {result.environment} — install step {result.setup_seconds} s, "
          f"restarted the runtime: {restarted}", flush=True)
    for name in chapters:
        r = execute(notebooks[name], mode="colab", chapter=name, kernel_name="colab",
                    cwd=content, env=env, preload=COLAB_PRELOAD, save_to=_saved("colab", name))
        result.notebooks[name] = r
        _log(r, result)
    return result


# --------------------------------------------------------------------------- binder


def proxy_check(work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Start a Jupyter server with jupyter-server-proxy and fetch a proxied Dask dashboard link."""
    port, token = _free_port(), "bdp-runtime-test"
    server_env = {**env, "JUPYTER_RUNTIME_DIR": str(work / "jrt")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
         f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.base_url={BINDER_PREFIX}", f"--ServerApp.root_dir={work}"],
        env=server_env, stdout=subprocess.DEVNULL, stderr=(work / "jupyter-server.log").open("w"),
        start_new_session=True)
    out: dict[str, Any] = {}
    try:
        _wait_port(port, 60, server)
        code = (
            "import os, sys\n"
            "from bdp.clusters import dask_client, close\n"
            "c = dask_client(n_workers=1, quiet=True)\n"
            "print(c.dashboard_link, flush=True)\n"
            "sys.stdin.readline()\n"
            "close(c)\n"
        )
        kernel_like = subprocess.Popen([sys.executable, "-c", code], env=env, text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       start_new_session=True)
        try:
            link = kernel_like.stdout.readline().strip()  # e.g. /user/learner/proxy/40123/status
            out["printed_link"] = link
            url = f"http://127.0.0.1:{port}{link}"
            req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(req, timeout=60) as resp:
                body = resp.read().decode("utf-8", "replace")
                out["status"] = resp.status
                out["dashboard_served"] = "dask" in body.lower() and resp.status == 200
        except Exception as exc:
            out["error"] = _one_line(exc)
            out["dashboard_served"] = False
        finally:
            with contextlib.suppress(Exception):
                kernel_like.stdin.write("\n")
                kernel_like.stdin.flush()
                kernel_like.wait(30)
            _stop(kernel_like)
    except Exception as exc:
        out["error"] = _one_line(exc)
        out["dashboard_served"] = False
    finally:
        _stop(server)
    return out


def capped_kernelspec(jupyter_path: Path, name: str = "binder") -> None:
    """A kernelspec whose kernel first joins the cgroup named by ``BDP_CGROUP_PROCS``, so that
    every byte it and its children allocate is charged to the cap from the start."""
    spec = jupyter_path / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    join = ('[ -n "$BDP_CGROUP_PROCS" ] && echo $$ > "$BDP_CGROUP_PROCS"; '
            f'exec {sys.executable} -m ipykernel_launcher -f "$0"')
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/bin/sh", "-c", join, "{connection_file}"],
        "display_name": "Python 3 (memory-capped)", "language": "python"}))


def run_binder(work: Path, book: Path, notebooks: dict[str, Path], chapters: list[str], *,
               env: dict[str, str] | None = None, save_dir: Path | None = None) -> Pass:
    """The Binder simulation (see the module docstring).

    ``env`` replaces the offline environment made in ``work`` (the test suite passes its own, to
    check what the notebooks leave behind); ``save_dir`` keeps the executed notebooks there.
    """
    result = Pass(mode="binder", started=_now())
    env = dict(env) if env is not None else base_env(work)
    env["JUPYTERHUB_SERVICE_PREFIX"] = BINDER_PREFIX
    capped_kernelspec(work / "jupyter")
    env["JUPYTER_PATH"] = str(work / "jupyter")
    result.environment = {"memory_cap_bytes": BINDER_LIMIT, "JUPYTERHUB_SERVICE_PREFIX": BINDER_PREFIX,
                          "python": platform.python_version()}
    start = time.perf_counter()
    result.checks = {"proxy": proxy_check(work, env)}
    result.setup_seconds = round(time.perf_counter() - start, 1)
    for name in chapters:
        saved = save_dir / f"{name}.ipynb" if save_dir is not None else _saved("binder", name)
        r = execute(notebooks[name], mode="binder", chapter=name, kernel_name="binder", env=env,
                    cap=BINDER_LIMIT, save_to=saved)
        result.notebooks[name] = r
        _log(r, result)
    return result


# --------------------------------------------------------------------------- cluster


@contextlib.contextmanager
def dask_cluster(work: Path, env: dict[str, str], n_workers: int = 2) -> Iterator[str]:
    """A ``dask scheduler`` and ``n_workers`` ``dask worker`` processes on loopback; yields the address."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = work / "dask-logs"
    logs.mkdir(exist_ok=True)
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
        env=env, cwd=work, stdout=subprocess.DEVNULL,
        stderr=(logs / "scheduler.log").open("w"), start_new_session=True)]
    try:
        _wait_port(port, 60, procs[0])
        for i in range(n_workers):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                 "--memory-limit", "1GiB", "--host", "127.0.0.1", "--no-dashboard",
                 "--name", f"worker-{i}", "--local-directory", str(work / "tmp")],
                env=env, cwd=work, stdout=subprocess.DEVNULL,
                stderr=(logs / f"worker-{i}.log").open("w"), start_new_session=True))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(n_workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


@contextlib.contextmanager
def spark_connect_server(work: Path, env: dict[str, str]) -> Iterator[str]:
    """A Spark Connect server started from the pyspark wheel's ``sbin``; yields ``sc://…``."""
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    server_env = {**env, "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(work / "spark-logs"),
                  "SPARK_PID_DIR": str(work / "spark-pid"), "SPARK_LOCAL_IP": "127.0.0.1",
                  "SPARK_IDENT_STRING": f"bdp{os.getpid()}"}
    server_env.pop("PYTHONPATH", None)
    subprocess.run(["bash", str(home / "sbin" / "start-connect-server.sh"),
                    "--master", "local[2]",
                    "--conf", f"spark.connect.grpc.binding.port={port}",
                    "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                    "--conf", "spark.ui.enabled=false", "--conf", "spark.log.level=WARN",
                    "--conf", f"spark.local.dir={work / 'tmp'}",
                    "--conf", "spark.sql.session.timeZone=UTC"],
                   env=server_env, check=True, capture_output=True)
    try:
        try:
            _wait_port(port, 600)  # a JVM start on a busy 2-core machine: minutes
        except TimeoutError:
            logs = sorted((work / "spark-logs").glob("*.out"))
            tail = logs[-1].read_text()[-2000:] if logs else "no log"
            raise RuntimeError(f"Spark Connect server did not listen on {port}:\n{tail}") from None
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(home / "sbin" / "stop-connect-server.sh")], env=server_env,
                       capture_output=True, check=False)


def run_cluster(work: Path, book: Path, notebooks: dict[str, Path], chapters: list[str]) -> Pass:
    """Cluster mode (see the module docstring)."""
    result = Pass(mode="cluster", started=_now())
    env = base_env(work)
    start = time.perf_counter()
    with dask_cluster(work, env) as dask_address, spark_connect_server(work, env) as remote:
        result.setup_seconds = round(time.perf_counter() - start, 1)
        result.environment = {"dask": "dask scheduler + 2 dask worker processes (1 thread, 1 GiB)",
                              "spark": "Spark Connect server (pyspark sbin/start-connect-server.sh, local[2])"}
        run_env = {**env, "DASK_SCHEDULER_ADDRESS": dask_address, "SPARK_REMOTE": remote}
        for name in chapters:
            r = execute(notebooks[name], mode="cluster", chapter=name, env=run_env,
                        save_to=_saved("cluster", name))
            result.notebooks[name] = r
            _log(r, result)
    return result


# --------------------------------------------------------------------------- driver


RUNNERS = {"colab": run_colab, "binder": run_binder, "cluster": run_cluster}
EXECUTED: Path | None = None  # where executed notebooks are kept (``--executed``), if anywhere


def _saved(mode: str, chapter: str) -> Path | None:
    return EXECUTED / mode / f"{chapter}.ipynb" if EXECUTED is not None else None


def compare(executed: Path, results: Path, a: str = "colab", b: str = "binder") -> dict[str, Any]:
    """Compare what a learner sees in runtime ``a`` and ``b`` (the book's determinism masks;
    cells tagged ``runtime-specific`` left out).

    For each chapter executed in both, the number of comparable outputs
    (:func:`bdp.book.comparable_outputs`) that differ, and the first difference; stored in the
    results file under ``comparison``.
    """
    import nbformat

    from bdp.book import comparable_outputs

    out: dict[str, Any] = {}
    for left in sorted((executed / a).rglob("*.ipynb")):
        chapter = left.relative_to(executed / a).with_suffix("").as_posix()
        right = executed / b / f"{chapter}.ipynb"
        if not right.exists():
            continue
        x = comparable_outputs(nbformat.read(left, as_version=4), across_runtimes=True)
        y = comparable_outputs(nbformat.read(right, as_version=4), across_runtimes=True)
        diff = [(i, j) for i, j in zip(x, y) if i != j] + [(i, "") for i in x[len(y):]] \
            + [("", j) for j in y[len(x):]]
        out[chapter] = {"outputs": max(len(x), len(y)), "differ": len(diff),
                        "first": [d[:300] for d in diff[0]] if diff else None}
    data = load_results(results)
    data["comparison"] = {"between": [a, b], "chapters": out}
    _write_json(data, results)
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_PROGRESS: Path | None = None  # results file updated after every notebook (a cut run keeps them)
_PREVIOUS: dict[str, NotebookResult] = {}  # a partial pass keeps the other chapters' results


def _log(r: NotebookResult, result: Pass | None = None) -> None:
    if result is not None and _PROGRESS is not None:
        snapshot = Pass(**{**result.__dict__, "notebooks": {**_PREVIOUS, **result.notebooks}})
        save_pass(snapshot, _PROGRESS)
    cg = f", cgroup {r.cgroup_peak_mb:.0f} MB" if r.cgroup_peak_mb is not None else ""
    err = f" — {r.first_error}" if r.first_error else ""
    print(f"  {r.mode:8s} {r.chapter:34s} {r.passed:3d}/{r.total:<3d} {r.seconds:6.1f} s "
          f"{r.peak_mb:6.0f} MB{cg}{err}", flush=True)


def run(modes: list[str], *, results: Path = RESULTS, chapters: list[str] | None = None,
        work: Path | None = None) -> list[Pass]:
    """Run the given passes over the published notebooks; merge each into ``results``."""
    global _PROGRESS, _PREVIOUS
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="bdp-runtimes-")) if own else work
    # a CI timeout or Ctrl-C: unwind (stop the scheduler, workers and Spark server we started)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    done = []
    try:
        book, notebooks = publish(work)
        names = chapters or list(notebooks)
        unknown = sorted(set(names) - set(notebooks))
        if unknown:
            raise SystemExit(f"error: not published notebooks: {', '.join(unknown)}")
        for mode in modes:
            print(f"{mode}: {len(names)} notebooks", flush=True)
            start = time.perf_counter()
            mode_work = work / mode
            mode_work.mkdir()
            _PROGRESS = results
            previous = load_results(results).get("modes", {}).get(mode, {}).get("notebooks", {})
            _PREVIOUS = {n: NotebookResult(**rec) for n, rec in previous.items()} if chapters else {}
            result = RUNNERS[mode](mode_work, book, notebooks, names)
            result.seconds = round(time.perf_counter() - start, 1)
            for name, rec in _PREVIOUS.items():  # a partial pass keeps the others' last results
                result.notebooks.setdefault(name, rec)
            save_pass(result, results)
            ok = sum(r.ok for r in result.notebooks.values() if r.chapter in names)
            print(f"{mode}: {ok}/{len(names)} notebooks passed every cell; {result.seconds:.0f} s "
                  f"(set-up {result.setup_seconds} s)", flush=True)
            done.append(result)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    return done


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``runtimes`` command."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p_run = sub.add_parser("run", help="execute the published notebooks in runtime simulations")
    p_run.add_argument("modes", nargs="+", choices=MODES)
    p_run.add_argument("--chapters", nargs="+", help="only these (e.g. day1/03_spark)")
    p_run.add_argument("--results", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    p_run.add_argument("--executed", type=Path, help="keep the executed notebooks in DIR/<mode>/")
    p_cmp = sub.add_parser("compare", help="compare the outputs of two runtimes' executed notebooks")
    p_cmp.add_argument("--executed", type=Path, required=True)
    p_cmp.add_argument("--results", type=Path, default=RESULTS)
    p_rep = sub.add_parser("report", help="print the results file as a table and list failures")
    p_rep.add_argument("--results", type=Path, default=RESULTS)


def cmd(args: argparse.Namespace) -> int:
    """Run the ``runtimes`` command; return the exit code (0 unless the harness itself failed)."""
    global EXECUTED
    if args.action == "run":
        EXECUTED = args.executed
        run(args.modes, results=args.results, chapters=args.chapters)
        return 0
    if args.action == "compare":
        for chapter, c in compare(args.executed, args.results).items():
            first = f"; first: {c['first']}" if c["first"] else ""
            print(f"colab vs binder {chapter}: {c['differ']}/{c['outputs']} outputs differ{first}")
        return 0
    if args.action == "report":
        data = load_results(args.results)
        for mode, record in data.get("modes", {}).items():
            nbs = record.get("notebooks", {})
            ok = sum(1 for nb in nbs.values() if nb["total"] and nb["passed"] == nb["total"])
            print(f"{mode}: {ok}/{len(nbs)} notebooks pass every cell; pass {record['seconds']} s, "
                  f"set-up {record.get('setup_seconds')} s")
        for mode, name, error in failures(data):
            known = " (known)" if (mode, name) in KNOWN_FAILURES else ""
            print(f"FAIL {mode} {name}{known}: {error}")
        return 0
    print("usage: python -m bdp runtimes {run,report} ...", file=sys.stderr)
    return 2
