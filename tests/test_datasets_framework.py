"""The shared machinery of ``bdp.datasets``: validation, atomic writes, determinism, CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from bdp.datasets import _write as w
from bdp.datasets import registry
from bdp.datasets._write import DatasetError

REPO = Path(__file__).resolve().parents[1]


def toy_partition(index: int, start: int, length: int, rng: np.random.Generator) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(np.arange(start, start + length), pa.int64()),
            "x": pa.array(rng.normal(size=length)),
            "label": w.format_datetimes(rng.integers(0, 2_000_000_000, length), "%Y-%m-%d %H:%M:%S UTC"),
        }
    )


def toy(out, rows=1000, seed=0, formats=("csv", "parquet"), **kw):
    return w.write_dataset(
        name="toy", out=out, rows=rows, seed=seed, formats=formats,
        make_partition=toy_partition, progress=False, partition_rows=kw.pop("partition_rows", 300), **kw,
    )


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".bdp-" in p.name)


# ---------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"rows": 0}, "rows must be a positive integer"),
        ({"rows": -5}, "rows must be a positive integer"),
        ({"rows": 10.0}, "rows must be a positive integer"),
        ({"rows": True}, "rows must be a positive integer"),
        ({"rows": "100"}, "rows must be a positive integer"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"seed": 1.5}, "seed must be an integer >= 0"),
        ({"seed": None}, "seed must be an integer >= 0"),
        ({"seed": False}, "seed must be an integer >= 0"),
        ({"formats": ("csv", "json")}, "unknown format 'json'"),
        ({"formats": ()}, "formats is empty"),
        ({"formats": "csv,feather"}, "unknown format 'feather'"),
        ({"formats": 3}, "formats must be a sequence"),
        ({"overwrite": "yes"}, "overwrite must be True or False"),
        ({"progress": "no"}, "progress must be True, False or None"),
        ({"partition_rows": 0}, "partition_rows must be a positive integer"),
    ],
)
def test_bad_arguments_raise_one_line_and_write_nothing(tmp_path, kwargs, fragment):
    out = tmp_path / "ds"
    args = dict(rows=100, seed=0, formats=("csv",), overwrite=False, progress=False)
    args.update(kwargs)
    with pytest.raises(DatasetError) as info:
        w.write_dataset(name="toy", out=out, make_partition=toy_partition, **args)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_output_directory_rules(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="exists and is not a directory"):
        toy(tmp_path / "file")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match="exists and is not empty"):
        toy(busy)
    # overwrite refuses a directory bdp did not write (guard against wiping a wrong folder)
    with pytest.raises(DatasetError, match="not written by bdp"):
        toy(busy, overwrite=True)
    assert (busy / "notes.txt").read_text() == "mine"
    with pytest.raises(DatasetError, match="out must be a directory path"):
        toy("")
    # an empty existing directory and missing parents are fine
    (tmp_path / "empty").mkdir()
    assert toy(tmp_path / "empty").rows == 1000
    assert toy(tmp_path / "a" / "b" / "c").rows == 1000
    assert leftovers(tmp_path) == []


def test_unwritable_parent_check_uses_access(tmp_path, monkeypatch):
    monkeypatch.setattr(w.os, "access", lambda path, mode: False)
    with pytest.raises(DatasetError, match="permission denied"):
        toy(tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------- layout


def test_layout_manifest_and_readback(tmp_path):
    ds = toy(tmp_path / "ds", rows=1000)
    assert ds.formats == ("csv", "parquet")
    assert [p.name for p in ds.files["csv"]] == [f"part-0000{i}.csv" for i in range(4)]
    assert [p.name for p in ds.files["parquet"]] == [f"part-0000{i}.parquet" for i in range(4)]
    assert all(p.is_file() for ps in ds.files.values() for p in ps)
    assert w.read_manifest(ds.root)["rows"] == 1000
    csv = pa.concat_tables(pacsv.read_csv(p) for p in ds.files["csv"])
    par = pq.read_table(ds.dir("parquet"))
    assert csv.num_rows == par.num_rows == 1000
    assert csv.column("id").to_pylist() == list(range(1000))
    np.testing.assert_allclose(csv.column("x").to_numpy(), par.column("x").to_numpy())
    # the CSV header is not quoted, the timestamps are plain text
    first = ds.files["csv"][0].read_text().splitlines()
    assert first[0] == "id,x,label"
    assert first[1].endswith(" UTC") and '"' not in first[1]
    assert ds.glob("csv").endswith("csv/*.csv")
    with pytest.raises(DatasetError, match="was not written as"):
        ToyMissing = w.Dataset("toy", ds.root, 1, 0, ("csv",))
        ToyMissing.dir("parquet")
    # the in-memory path gives the same rows
    mem = w.concat_partitions(1000, 0, toy_partition, partition_rows=300)
    assert mem.equals(par)
    with ds:
        assert ds.nbytes > 0
    assert not ds.root.exists()


def test_single_file_appends_partitions(tmp_path):
    ds = toy(tmp_path / "one", rows=1000, single_file="train")
    assert [p.name for p in ds.files["csv"]] == ["train.csv"]
    text = ds.files["csv"][0].read_text().splitlines()
    assert len(text) == 1001 and text.count("id,x,label") == 1
    meta = pq.ParquetFile(ds.files["parquet"][0]).metadata
    assert meta.num_rows == 1000 and meta.num_row_groups == 4
    multi = toy(tmp_path / "multi", rows=1000)
    assert pq.read_table(ds.files["parquet"][0]).equals(pq.read_table(multi.dir("parquet")))


def test_out_none_uses_a_fresh_temporary_directory():
    ds = toy(None, rows=10)
    try:
        assert ds.root.is_dir() and ds.root.name.startswith("bdp-toy-")
    finally:
        ds.remove()


# ---------------------------------------------------------------------------------- determinism


def test_same_arguments_give_byte_identical_files(tmp_path):
    a = digest(toy(tmp_path / "a", rows=2000, seed=7).root)
    b = digest(toy(tmp_path / "b", rows=2000, seed=7).root)
    c = digest(toy(tmp_path / "c", rows=2000, seed=8).root)
    assert a == b
    assert len(a) == 1 + 2 * 7  # manifest + 7 partitions in 2 formats
    assert a["csv/part-00000.csv"] != c["csv/part-00000.csv"]


def test_partition_streams_are_independent():
    a = w.partition_rng(0, 3).random(5)
    assert np.array_equal(a, w.partition_rng(0, 3).random(5))
    assert not np.array_equal(a, w.partition_rng(0, 4).random(5))
    assert not np.array_equal(a, w.partition_rng(0, 3, stream=1).random(5))
    assert not np.array_equal(a, w.partition_rng(1, 3).random(5))


def test_partition_plan():
    assert w.partition_plan(10) == [(0, 10)]
    assert w.partition_plan(300_000) == [(i * 75_000, 75_000) for i in range(4)]
    big = w.partition_plan(55_000_000)
    assert len(big) == 55 and all(n == 1_000_000 for _, n in big)
    odd = w.partition_plan(10, partition_rows=3)
    assert [n for _, n in odd] == [3, 3, 2, 2] and sum(n for _, n in odd) == 10


def test_format_datetimes_matches_strftime():
    secs = np.random.default_rng(1).integers(0, 4_000_000_000, 5000)
    secs[:3] = [0, 43_200, 86_399]
    for fmt in ["%Y-%m-%d %H:%M:%S UTC", "%m/%d/%Y %I:%M:%S %p", "%d%%%H"]:
        got = w.format_datetimes(secs, fmt).to_pylist()
        want = [dt.datetime.fromtimestamp(int(s), dt.timezone.utc).strftime(fmt) for s in secs]
        assert got == want
    with pytest.raises(ValueError, match="does not support"):
        w.format_datetimes(secs, "%j")


# ---------------------------------------------------------------------------------- atomicity


class Boom(Exception):
    pass


def interrupting(after: int, exc: type[BaseException]):
    def make(index, start, length, rng):
        if index == after:
            raise exc()
        return toy_partition(index, start, length, rng)

    return make


@pytest.mark.parametrize("exc", [KeyboardInterrupt, Boom])
def test_interrupted_write_leaves_nothing(tmp_path, exc):
    with pytest.raises(exc):
        w.write_dataset(
            name="toy", out=tmp_path / "ds", rows=1000, seed=0, formats=("csv", "parquet"),
            make_partition=interrupting(2, exc), progress=False, partition_rows=300,
        )
    assert list(tmp_path.iterdir()) == []


def test_interrupt_inside_the_file_writer_leaves_nothing(tmp_path, monkeypatch):
    calls = []
    real = w.PartitionWriter.write

    def flaky(self, table, index):
        calls.append(index)
        if index == 2:
            raise KeyboardInterrupt
        return real(self, table, index)

    monkeypatch.setattr(w.PartitionWriter, "write", flaky)
    with pytest.raises(KeyboardInterrupt):
        toy(tmp_path / "ds")
    assert calls == [0, 1, 2]
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_data(tmp_path):
    old = toy(tmp_path / "ds", rows=500, seed=1)
    before = digest(old.root)
    with pytest.raises(KeyboardInterrupt):
        w.write_dataset(
            name="toy", out=tmp_path / "ds", rows=1000, seed=2, formats=("csv",),
            make_partition=interrupting(1, KeyboardInterrupt), overwrite=True, progress=False,
            partition_rows=300,
        )
    assert digest(tmp_path / "ds") == before
    assert leftovers(tmp_path) == []
    # a successful overwrite replaces everything (no stale parquet files survive)
    new = toy(tmp_path / "ds", rows=1000, seed=2, formats=("csv",), overwrite=True)
    assert sorted(p.name for p in new.root.iterdir()) == ["_bdp_dataset.json", "csv"]
    assert w.read_manifest(new.root)["seed"] == 2
    assert leftovers(tmp_path) == []


def test_progress_bar_can_be_forced(tmp_path, capsys):
    w.write_dataset(
        name="toy", out=tmp_path / "ds", rows=100, seed=0, formats=("csv",),
        make_partition=toy_partition, progress=True,
    )
    assert "100" in capsys.readouterr().err
    w.write_dataset(
        name="toy", out=tmp_path / "ds2", rows=100, seed=0, formats=("csv",),
        make_partition=toy_partition, progress=None,
    )
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest


# ---------------------------------------------------------------------------------- registry


def test_registry_entries_are_consistent():
    assert {"taxi", "taxi-test", "yellow"} <= set(registry.names())
    for name in registry.names():
        info = registry.get(name)
        assert info.default_formats and set(info.default_formats) <= set(info.formats)
        assert info.description and "\n" not in info.description
        assert callable(info.load())
    with pytest.raises(DatasetError, match="did you mean 'taxi'"):
        registry.get("taxy")
    table = registry.describe()
    assert "taxi" in table and "55,000,000" in table


# ---------------------------------------------------------------------------------- CLI


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("BDP_SCALE", None)
    return subprocess.run(
        [sys.executable, "-m", "bdp", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def run_main(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in-process (same code path as ``python -m bdp``, without a new interpreter)."""
    from bdp.__main__ import main

    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_help_and_list(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BDP_SCALE", raising=False)
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0 and "data" in out
    code, out, _ = run_main(["data", "--help"], capsys)
    assert code == 0 and "--rows" in out and "--overwrite" in out
    # one real subprocess: python -m bdp works as a module entry point
    r = run_cli("data", "--list", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "taxi" in r.stdout and "yellow" in r.stdout and "55,000,000" in r.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["data", "taxi", "--rows", "0", "--out", "OUT"], "not a positive whole row count"),
        (["data", "taxi", "--rows", "ten", "--out", "OUT"], "not a row count"),
        (["data", "taxi", "--seed", "-3", "--out", "OUT"], "seed must be an integer >= 0"),
        (["data", "taksi", "--out", "OUT"], "unknown dataset 'taksi'"),
        (["data", "taxi"], "--out DIR is required"),
        (["data"], "name a dataset"),
        (["data", "taxi", "--out", "OUT", "--bogus"], "unrecognized arguments"),
        (["data", "taxi", "--format", "csv,xlsx", "--out", "OUT"], "unknown format 'xlsx'"),
        (["data", "yellow", "--single-file", "--out", "OUT"], "does not take the option 'single_file'"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, args, fragment):
    code, _, err = run_main([str(tmp_path / "out") if a == "OUT" else a for a in args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_non_empty_directory(tmp_path, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("keep")
    code, _, err = run_main(["data", "taxi", "--rows", "100", "--out", str(busy)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "exists and is not empty" in err
    assert sorted(p.name for p in busy.iterdir()) == ["keep.txt"]


def test_cli_generates_a_tiny_dataset(tmp_path, capsys):
    out = tmp_path / "taxi"
    r = run_cli("data", "taxi", "--rows", "2k", "--seed", "3", "--format", "csv,parquet",
                "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
    assert "wrote taxi: 2,000 rows, seed 3" in r.stdout
    manifest = w.read_manifest(out)
    assert manifest["rows"] == 2000 and manifest["seed"] == 3
    assert (out / "csv" / "part-00000.csv").is_file() and (out / "parquet" / "part-00000.parquet").is_file()
    assert pq.read_table(out / "parquet").num_rows == 2000
    # same command again: refused; with --overwrite: replaced, identical bytes
    before = digest(out)
    code, _, err = run_main(["data", "taxi", "--rows", "2k", "--seed", "3", "--out", str(out)], capsys)
    assert code == 2 and "--overwrite" in err
    code, _, _ = run_main(["data", "taxi", "--rows", "2k", "--seed", "3", "--format", "csv,parquet",
                           "--out", str(out), "--overwrite", "--no-progress"], capsys)
    assert code == 0 and digest(out) == before
    assert leftovers(tmp_path) == []
