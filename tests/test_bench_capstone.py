"""The capstone cleaning benchmark: its command line, a tiny real run, and the committed results."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bdp.committed_results import CAPSTONE_JSON, CAPSTONE_PLOT, capstone_cleaning

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_capstone_cleaning.py"
sys.path.insert(0, str(BENCH.parent))
import bench_capstone_cleaning as bench  # noqa: E402


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize(("args", "message"), [
    (["--sizes", "5X"], "not a number of rows: '5X'"),
    (["--sizes", "10"], "too few rows"),
    (["--engines", "dask-foo"], "unknown engine 'dask-foo'"),
    (["--repeat", "0"], "--repeat must be at least 1"),
    (["--dask-memory", "lots"], "not a memory limit of at least 1 GiB: 'lots'"),
    (["--dask-memory", "100MB"], "not a memory limit of at least 1 GiB: '100MB'"),
])
def test_bad_arguments_get_one_clear_line(args, message, tmp_path):
    done = run(*args, "--out", str(tmp_path))
    assert done.returncode == 2
    assert message in done.stderr.strip().splitlines()[-1]
    assert not any(tmp_path.iterdir()), "nothing written"


def test_parse_rows():
    assert [bench.parse_rows(t) for t in ("55M", "500k", "1_000_000", "2.5M")] == [
        55_000_000, 500_000, 1_000_000, 2_500_000]


def test_a_tiny_run_writes_results_and_resumes(tmp_path):
    engines = "duckdb,pandas,dask-pyarrow-threads,dask-pyarrow+parquet,dask-pyarrow+compress,dask-pyarrow+twopass"
    args = ["--sizes", "3k", "--engines", engines, "--repeat", "1",
            "--out", str(tmp_path / "out"), "--workdir", str(tmp_path / "work")]
    first = run(*args)
    assert first.returncode == 0, first.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "capstone_cleaning.json").read_text())
    runs = report["sizes"]["3000"]["runs"]
    assert set(runs) == set(engines.split(","))
    counts = {r["rows_out"] for rs in runs.values() for r in rs}
    assert len(counts) == 1 and 2_500 < counts.pop() < 3_000  # same clean rows in every engine
    assert (tmp_path / "out" / "capstone_scaling.png").stat().st_size > 10_000
    assert "| duckdb | 1 |" in (tmp_path / "out" / "capstone_cleaning.md").read_text()
    assert not (tmp_path / "work" / "3000").exists(), "the size's CSV is removed once complete"
    assert not list((tmp_path / "work").rglob("*staging*")), "the two-pass stream's staging is removed"
    umask = os.umask(0)
    os.umask(umask)
    for written in (tmp_path / "out").iterdir():  # atomic writes keep the usual file mode
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask, written.name
    again = run(*args)  # resumes: every run is already recorded
    assert again.returncode == 0
    assert json.loads((tmp_path / "out" / "capstone_cleaning.json").read_text()) == report
    assert not list((tmp_path / "out").glob(".*bdp-tmp*")), "atomic writes leave no temporary file"


def test_committed_results_cover_every_size_and_engine():
    frame = capstone_cleaning()
    sizes = sorted(set(frame["rows"]))
    assert sizes == [bench.parse_rows(s) for s in bench.SIZES.split(",")]
    for rows in sizes:
        engines = set(frame.loc[frame["rows"] == rows, "engine"])
        assert engines >= set(bench.ENGINES.split(",")), rows
    full = frame[frame["rows"] == sizes[-1]].set_index("engine")
    assert (full["runs"] >= 2).all(), "two runs per engine at full size"
    assert full["failed"].eq("").all()
    report = json.loads(CAPSTONE_JSON.read_text())
    for size in report["sizes"].values():
        bench.check_counts(size)  # every engine kept the same rows
    # the table is the one the tool writes from the JSON, and the plot is there
    assert (CAPSTONE_JSON.parent / "capstone_cleaning.md").read_text() == bench.markdown(report)
    assert CAPSTONE_PLOT.stat().st_size > 10_000
