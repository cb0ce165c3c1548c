"""The cloud-native formats day2/13_object_storage runs: Iceberg, Icechunk, VirtualiZarr.

The chapter runs them against its S3 endpoint; these tests run the same calls on local files,
so that a version bump that breaks an API the chapter relies on fails here in seconds, with the
library named, rather than somewhere in a book build.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest


def test_iceberg_sql_catalog_time_travel_and_schema_evolution(tmp_path: Path) -> None:
    import pyarrow.compute as pc
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.types import DoubleType

    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path}/catalog.db",
                         warehouse=f"file://{tmp_path}/warehouse")
    catalog.create_namespace("ns")
    rows = pa.table({"year": pa.array([2013, 2014, 2015], pa.int16()),
                     "trips": pa.array([10, 20, 30], pa.int64())})
    table = catalog.create_table("ns.t", schema=rows.schema)
    table.append(rows.filter(pc.field("year") < 2015))
    table.append(rows.filter(pc.field("year") == 2015))
    with table.update_schema() as update:
        update.add_column("max_fare", DoubleType())
    snapshots = table.snapshots()
    assert [s.summary.operation.value for s in snapshots] == ["append", "append"]
    assert [int(s.summary["total-records"]) for s in snapshots] == [2, 3]
    assert table.scan(snapshot_id=snapshots[0].snapshot_id).to_arrow().num_rows == 2
    now = table.scan().to_pandas()
    assert len(now) == 3 and now["max_fare"].isna().all()
    files = sorted(p.name for p in (tmp_path / "warehouse").rglob("*") if p.is_file())
    assert sum(f.endswith(".parquet") for f in files) == 2
    assert sum(f.endswith(".metadata.json") for f in files) == 4  # create, 2 appends, schema
    catalog.engine.dispose()


def test_icechunk_branch_leaves_main_unchanged_and_shares_chunks(tmp_path: Path) -> None:
    import icechunk
    import xarray as xr
    import zarr

    # chunks of 2 KiB: Icechunk inlines chunks under 512 bytes in its manifests
    data = np.arange(6 * 16 * 32, dtype="float32").reshape(6, 16, 32)
    ds = xr.Dataset({"tas": (("time", "lat", "lon"), data)})
    repo = icechunk.Repository.create(icechunk.local_filesystem_storage(str(tmp_path / "r")))
    session = repo.writable_session("main")
    ds.to_zarr(session.store, zarr_format=3, consolidated=False,
               encoding={"tas": {"chunks": (1, 16, 32)}})
    first = session.commit("six days")
    chunks = lambda: len(list((tmp_path / "r" / "chunks").iterdir()))  # noqa: E731
    on_main = chunks()
    repo.create_branch("fix", snapshot_id=first)
    fix = repo.writable_session("fix")
    tas = zarr.open_array(fix.store, path="tas", mode="r+")
    tas[:2] = tas[:2] + 0.5
    second = fix.commit("two days +0.5")
    assert first != second
    assert chunks() - on_main == 2  # copy-on-write: only the changed chunks
    read = {b: xr.open_zarr(repo.readonly_session(branch=b).store, consolidated=False,
                            chunks=None)["tas"].values for b in ("main", "fix")}
    np.testing.assert_array_equal(read["main"], data)
    np.testing.assert_allclose(read["fix"][:2], data[:2] + 0.5)
    assert [s.message for s in repo.ancestry(branch="fix")] == [
        "two days +0.5", "six days", "Repository initialized"]


def test_virtualizarr_references_netcdf4_chunks_in_place(tmp_path: Path) -> None:
    import xarray as xr
    from obspec_utils.registry import ObjectStoreRegistry
    from obstore.store import LocalStore
    from virtualizarr.parsers import HDFParser

    data = np.random.default_rng(0).normal(size=(5, 6, 7)).astype("float32")
    path = tmp_path / "a.nc"
    xr.Dataset({"tas": (("time", "lat", "lon"), data)}).to_netcdf(
        path, engine="h5netcdf",
        encoding={"tas": {"chunksizes": (1, 6, 7), "zlib": True, "complevel": 1}})
    registry = ObjectStoreRegistry({"file://": LocalStore()})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numcodecs codecs are not")
        store = HDFParser()(url=path.as_uri(), registry=registry)
        vds = store.to_virtual_dataset()
        manifest = vds["tas"].data.manifest
        assert len(manifest) == 5
        entries = [manifest.get_entry((t, 0, 0)) for t in range(5)]
        assert all(e["path"] == path.as_uri() for e in entries)
        size = path.stat().st_size
        assert all(0 < int(e["offset"]) and int(e["offset"]) + int(e["length"]) <= size
                   for e in entries)
        refs = vds.vz.to_kerchunk(format="dict")
        assert len(json.dumps(refs)) < size
        back = xr.open_zarr(store, consolidated=False, chunks=None)["tas"].values
    np.testing.assert_array_equal(back, data)


@pytest.mark.parametrize("dist", ["pyiceberg", "icechunk", "virtualizarr", "h5py", "h5netcdf"])
def test_the_installed_version_is_the_pinned_one(dist: str) -> None:
    import re
    from importlib.metadata import version

    from bdp.book import ROOT

    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)",
                           (ROOT / "requirements.txt").read_text(), re.M))
    assert version(dist) == pins[dist]
