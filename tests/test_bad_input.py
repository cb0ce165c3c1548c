"""Bad input sweep: every command and public function of bdp refuses bad arguments with one
clear line, a non-zero exit (commands), and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bdp.clusters import ClusterError
from bdp.config import ConfigError
from bdp.datasets._write import DatasetError


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# (id, argv after `python -m bdp`, extra environment, substring expected in the error line)
CLI_CASES = [
    ("rows-zero", ["data", "taxi", "--rows", "0", "--out", "{out}"], {}, "row count"),
    ("rows-negative", ["data", "taxi", "--rows", "-5", "--out", "{out}"], {}, "--rows"),
    ("rows-text", ["data", "taxi", "--rows", "many", "--out", "{out}"], {}, "not a row count"),
    ("rows-fraction", ["data", "taxi", "--rows", "1.5", "--out", "{out}"], {}, "whole"),
    ("seed-negative", ["data", "taxi", "--seed", "-1", "--out", "{out}"], {}, "--seed"),
    ("seed-float", ["data", "taxi", "--seed", "1.5", "--out", "{out}"], {}, "seed"),
    ("format-unknown", ["data", "taxi", "--format", "xml", "--out", "{out}"], {}, "xml"),
    ("dataset-unknown", ["data", "nosuch", "--out", "{out}"], {}, "nosuch"),
    ("out-missing", ["data", "taxi"], {}, "--out"),
    ("out-not-empty", ["data", "taxi", "--rows", "100", "--out", "{full}"], {}, "not empty"),
    ("out-unwritable", ["data", "taxi", "--rows", "100", "--out", "/proc/bdp-test/x"], {}, ""),
    ("scale-bad", ["data", "taxi", "--out", "{out}"], {"BDP_SCALE": "huge"}, "BDP_SCALE"),
    ("flights-rows", ["data", "flights", "--rows", "0", "--out", "{out}"], {}, "row count"),
    ("nyc311-format", ["data", "nyc311", "--format", "zarr", "--out", "{out}"], {}, "zarr"),
    ("list-with-name", ["data", "taxi", "--list"], {}, "--list"),
    ("notebooks-not-a-book", ["notebooks", "{out}"], {}, "no _toc.yml"),
    ("unknown-command", ["frobnicate"], {}, "frobnicate"),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_command_line_bad_input(tmp_path, case):
    _, argv, extra_env, expected = case
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("precious")
    before = _tree(tmp_path)
    args = [a.format(out=tmp_path / "out", full=full) for a in argv]
    env = {**os.environ, **extra_env}
    if "BDP_SCALE" not in extra_env:
        env.pop("BDP_SCALE", None)
    result = subprocess.run([sys.executable, "-m", "bdp", *args], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert lines[0].startswith("error:") and "Traceback" not in result.stderr
    assert expected in lines[0]
    assert _tree(tmp_path) == before, "something was written"
    assert (full / "keep.txt").read_text() == "precious"


def _generators():
    from bdp import datasets

    return datasets


# (id, call(tmp_path) -> None, expected exception type, substring)
FUNCTION_CASES = [
    ("taxi-rows-zero", lambda d, t: d.make_taxi(t / "o", rows=0), DatasetError, "rows"),
    ("taxi-rows-bool", lambda d, t: d.make_taxi(t / "o", rows=True), DatasetError, "rows"),
    ("taxi-rows-float", lambda d, t: d.make_taxi(t / "o", rows=10.0), DatasetError, "rows"),
    ("taxi-seed-negative", lambda d, t: d.make_taxi(t / "o", rows=10, seed=-1), DatasetError, "seed"),
    ("taxi-seed-text", lambda d, t: d.make_taxi(t / "o", rows=10, seed="1"), DatasetError, "seed"),
    ("taxi-format", lambda d, t: d.make_taxi(t / "o", rows=10, formats="xml"), DatasetError, "xml"),
    ("taxi-dirt-rate", lambda d, t: d.make_taxi(t / "o", rows=10, zero_coords=2.0), DatasetError, "zero_coords"),
    ("taxi-frame-rows", lambda d, t: d.taxi_frame(-3), DatasetError, "rows"),
    ("flights-rows", lambda d, t: d.make_flights(t / "o", rows_per_year=0), DatasetError, ""),
    ("nyc311-rows", lambda d, t: d.make_311(t / "o", rows=0), DatasetError, "rows"),
    ("wine-not-empty", lambda d, t: d.make_wine(t / "full"), DatasetError, ""),
    ("scale", lambda d, t: d.make_taxi(t / "o"), ConfigError, "BDP_SCALE"),
]
CASE_ENV = {"scale": {"BDP_SCALE": "giant"}}


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=[c[0] for c in FUNCTION_CASES])
def test_function_bad_input(tmp_path, monkeypatch, case):
    name, call, error, expected = case
    monkeypatch.delenv("BDP_SCALE", raising=False)
    for key, value in CASE_ENV.get(name, {}).items():
        monkeypatch.setenv(key, value)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("precious")
    before = _tree(tmp_path)
    with pytest.raises(error) as info:
        call(_generators(), tmp_path)
    message = str(info.value)
    assert message and "\n" not in message and expected in message
    assert _tree(tmp_path) == before, "something was written"


def test_unreachable_scheduler_is_one_line(monkeypatch):
    from bdp.clusters import dask_client

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:9")
    with pytest.raises(ClusterError) as info:
        dask_client()
    assert "\n" not in str(info.value) and "127.0.0.1:9" in str(info.value)


def test_malformed_scheduler_address_is_one_line(monkeypatch):
    from bdp.clusters import dask_client

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "not an address")
    with pytest.raises((ClusterError, ValueError)) as info:
        dask_client()
    assert "\n" not in str(info.value)
