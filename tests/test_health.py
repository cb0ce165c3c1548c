"""Book health: budgets, determinism, offline guarantee, cached rebuild, cleanup."""

from __future__ import annotations

import time

import nbformat
import psutil

from bdp.book import Build, ChapterRun, build, first_difference

MEMORY_BUDGET_MB = 2048          # Binder gives about 2 GB
BUILD_BUDGET_SECONDS = 10 * 60   # the whole clean build, on the 2-core reference machine (518 s measured)
TIME_BUDGET_SECONDS = 240        # per chapter at the default scale...
TIME_BUDGETS = {                 # ...unless a chapter has a reason to take longer:
    "day1/03_spark": 360,        # a classic and a Spark Connect session, each with a JVM start
    "day1/04_spark_lab": 360,    # the whole Spark lab, timed comparisons repeated
    "day3/22_distributed_processing": 300,  # speed-up curves: every back-end, several sizes
    "day4/31_dask": 360,         # several clusters (spilling, fault tolerance)
    "day4/32_evaluation": 420,   # the capstone: cleaning, training and a parallel search
}
ENGINE_PROCESSES = ("java", "dask", "distributed", "moto", "ipykernel", "spark")


def test_every_chapter_fits_binder_memory(chapter_runs: dict[str, ChapterRun]):
    over = [f"{name}: peak {run.peak_mb:.0f} MB > {MEMORY_BUDGET_MB} MB"
            for name, run in chapter_runs.items() if run.peak_mb > MEMORY_BUDGET_MB]
    assert not over, "chapters over the memory budget:\n" + "\n".join(over)
    assert all(run.peak_mb > 50 for run in chapter_runs.values()), "memory was not sampled"


def test_every_chapter_within_its_time_budget(chapter_runs: dict[str, ChapterRun]):
    over = []
    for name, run in chapter_runs.items():
        budget = TIME_BUDGETS.get(name, TIME_BUDGET_SECONDS)
        if run.seconds > budget:
            over.append(f"{name}: {run.seconds:.0f} s > {budget} s")
    assert not over, "chapters over their time budget:\n" + "\n".join(over)


def test_clean_build_within_budget(book: Build):
    assert book.returncode == 0
    assert book.seconds < BUILD_BUDGET_SECONDS, f"clean build took {book.seconds:.0f} s"


def test_two_runs_compute_the_same_values(book: Build, chapter_runs: dict[str, ChapterRun]):
    """Everything printed or glued that is not a timing is identical in two independent runs."""
    differences = []
    for name, run in chapter_runs.items():
        built = nbformat.read(book.source / "_build" / "jupyter_execute" / f"{name}.ipynb", 4)
        diff = first_difference(built, run.notebook)
        if diff:
            differences.append(f"{name}: {diff[0][:300]!r}\n   != {diff[1][:300]!r}")
    assert not differences, "non-deterministic outputs (tag timing cells `timing`):\n" + "\n".join(differences)


def test_no_chapter_reaches_the_network(sandbox, book: Build, chapter_runs):
    attempts = sandbox.offline_log.read_text()
    assert not attempts, f"network access attempted during the build:\n{attempts[:2000]}"


def test_cached_rebuild_executes_nothing(sandbox, book: Build, chapter_runs):
    start = time.perf_counter()
    again = build(sandbox.source, publish=False, env=sandbox.env)
    seconds = time.perf_counter() - start
    print(f"\ncached rebuild: {seconds:.1f} s")
    assert again.returncode == 0, again.output[-3000:]
    executed = [line for line in again.output.splitlines() if "Executing" in line]
    assert not executed, "an unchanged rebuild re-executed:\n" + "\n".join(executed)
    assert seconds < 120


def test_nothing_left_running_or_lying_around(sandbox, book: Build, chapter_runs):
    leftovers = []
    for proc in psutil.process_iter(["pid", "cmdline", "create_time"]):
        info = proc.info
        if info["pid"] in sandbox.pids_before or (info["create_time"] or 0) < sandbox.started:
            continue
        cmd = " ".join(info["cmdline"] or [])
        try:
            ours = proc.environ().get("TMPDIR") == str(sandbox.tmpdir)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if ours and any(word in cmd for word in ENGINE_PROCESSES):
            leftovers.append(f"{info['pid']}: {cmd[:160]}")
    assert not leftovers, "processes started by the book are still running:\n" + "\n".join(leftovers)
    # data left behind: regular files other than the lock files Dask keeps in its scratch root
    # (sockets and empty folders hold no data)
    left = sorted(str(p.relative_to(sandbox.tmpdir)) for p in sandbox.tmpdir.rglob("*")
                  if p.is_file() and not p.is_socket() and p.suffix != ".lock")
    assert not left, f"temporary data left behind by the chapters: {left[:20]}"


def test_profile_script_writes_its_table(tmp_path):
    import csv
    import subprocess
    import sys

    from bdp.book import ROOT

    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "profile_chapters.py"), "day1/01_big_data",
         "--out", str(tmp_path)], capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.DictReader((tmp_path / "chapter_profile.csv").open()))
    assert [r["chapter"] for r in rows] == ["day1/01_big_data"]
    assert float(rows[0]["seconds"]) > 0 and 50 < float(rows[0]["peak_mb"]) < MEMORY_BUDGET_MB
    assert rows[0]["scale"] == "small" and "cores" in rows[0]["machine"]
    assert (tmp_path / "chapter_profile.png").stat().st_size > 1000
    assert "| day1/01_big_data |" in (tmp_path / "chapter_profile.md").read_text()


def test_committed_profile_covers_every_chapter():
    import csv

    from bdp.book import ROOT, chapters

    rows = list(csv.DictReader((ROOT / "benchmarks" / "results" / "chapter_profile.csv").open()))
    profiled = {r["chapter"] for r in rows}
    missing = sorted(set(chapters()) - profiled - {"appendix/chapter_profile"})
    assert not missing, f"run benchmarks/profile_chapters.py: no committed profile for {missing}"
