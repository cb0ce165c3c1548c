"""The capstone's full-size run: the tool's arguments, and how the chapter shows its results."""

import subprocess
import sys
from pathlib import Path

import pytest

from bdp.book import ROOT
from bdp.committed_results import CAPSTONE_FULL_JSON, capstone_full, side_by_side
from bdp.glue import glue, glued

TOOL = ROOT / "benchmarks" / "capstone_full.py"


@pytest.mark.parametrize("args, message", [
    (["--rows", "5", "--out", "x"], "at least 10000"),
    (["--rows", "50000"], "needs its own --out"),
    (["--cell-timeout", "5"], "at least 60 seconds"),
])
def test_bad_arguments_get_one_clear_line(args, message, tmp_path: Path):
    run = subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr.strip().splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_glued_values_are_kept_for_the_page():
    glue("test_value", 3.0, display=False)
    glue("test_value", 4.5, display=False)
    assert glued()["test_value"] == 4.5


def test_side_by_side_formats_both_runs_and_marks_what_is_missing():
    table = side_by_side({"rows": 300_000, "verdict": "no clear difference"},
                         {"rows": "55000000", "verdict": "'3.1 times faster'"},
                         {"rows": ("rows", ",.0f"), "verdict": ("verdict", ""),
                          "rmse": ("RMSE", ".2f")}, ("this build", "full size"))
    assert table.loc["rows"].tolist() == ["300,000", "55,000,000"]
    assert table.loc["verdict"].tolist() == ["no clear difference", "3.1 times faster"]
    assert table.loc["RMSE"].tolist() == ["—", "—"]


def test_no_committed_run_reads_as_none(tmp_path: Path):
    assert capstone_full(tmp_path / "absent.json") is None


def test_the_committed_full_run_is_full_size_and_complete():
    run = capstone_full()
    if run is None:
        pytest.skip(f"no full-size run committed yet ({CAPSTONE_FULL_JSON.name})")
    assert run["scale"] == "full" and run["rows"] == 55_000_000
    assert run["failed"] is None, run["failed"]
    assert run["cells_run"] > 0 and run["peak_mb"] > 0
