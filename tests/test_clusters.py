"""bdp.clusters against real engines: a LocalCluster, an external scheduler, Spark, and no Java."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bdp.clusters import ClusterError, JavaError, check_java, dask_client, spark_session

from tests.helpers import client_when_ready


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_local_cluster_computes(monkeypatch, capsys):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    import dask.array as da

    client = dask_client(n_workers=2, threads_per_worker=1, memory_limit="512MiB")
    try:
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        assert client.cluster is not None  # a LocalCluster we own
        total = da.arange(1_000_000, chunks=100_000).sum().compute()
        assert int(total) == 999_999 * 1_000_000 // 2
        assert "dashboard: http://127.0.0.1:" in capsys.readouterr().out
    finally:
        client.close()
        client.cluster.close()



def test_in_process_workers_have_no_memory_limit_unless_asked(monkeypatch, capsys):
    """Threads of the kernel share its memory: a limit would count the notebook's own data."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.delenv("DASK_GATEWAY_ADDRESS", raising=False)
    for asked, expected in ((None, 0), ("300MiB", 300 * 1024**2)):
        client = dask_client(n_workers=2, threads_per_worker=1, memory_limit=asked,
                             processes=False, protocol="tcp")
        try:
            workers = client.scheduler_info(n_workers=-1)["workers"].values()
            assert [w["memory_limit"] for w in workers] == [expected, expected]
        finally:
            client.close()
            client.cluster.close()


def test_close_quiets_only_the_shutdown_loggers_and_restores_them(monkeypatch):
    """close() raises the nanny/worker loggers while the LocalCluster stops, then puts them back."""
    import logging

    from bdp.clusters import close

    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.delenv("DASK_GATEWAY_ADDRESS", raising=False)
    worker_log = logging.getLogger("distributed.worker")
    worker_log.setLevel(logging.INFO)
    client = dask_client(n_workers=1, threads_per_worker=1, quiet=True)
    cluster = client.cluster
    close(client)
    assert cluster.status.name == "closed" and client.status == "closed"
    assert worker_log.level == logging.INFO
    assert logging.getLogger("distributed.nanny").level == logging.NOTSET

def test_dashboard_link_goes_through_the_proxy_on_binder(monkeypatch, capsys):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/learner/")
    import dask

    client = dask_client(n_workers=1, threads_per_worker=1, memory_limit="256MiB")
    try:
        port = client.cluster.scheduler.http_server.port
        assert client.dashboard_link == f"/user/learner/proxy/{port}/status"
    finally:
        client.close()
        client.cluster.close()
        dask.config.refresh()  # drop the Binder link template for the other tests


@pytest.fixture
def external_scheduler():
    """A real `dask scheduler` process and one `dask worker`, as on a remote cluster."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
         "--nthreads", "1", "--no-dashboard", "--memory-limit", "512MiB"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        yield address
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_connects_to_scheduler_from_environment(monkeypatch, external_scheduler, capsys):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", external_scheduler)
    client = client_when_ready(60)
    try:
        client.wait_for_workers(1, timeout=60)
        assert client.cluster is None  # not a LocalCluster: we connected
        assert client.scheduler.address == external_scheduler
        assert client.submit(sum, [1, 2, 3]).result() == 6
        assert external_scheduler in capsys.readouterr().out
    finally:
        client.close()


def test_unreachable_scheduler_is_one_line(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", f"tcp://127.0.0.1:{_free_port()}")
    with pytest.raises(ClusterError) as info:
        dask_client()
    message = str(info.value)
    assert "\n" not in message and "DASK_SCHEDULER_ADDRESS" in message


def test_spark_local_session(monkeypatch, capsys):
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    spark = spark_session(app_name="bdp-test")
    try:
        assert spark.version.startswith("4.")
        df = spark.range(1000).selectExpr("id % 7 AS k").groupBy("k").count()
        assert sorted(r["count"] for r in df.collect()) == [142] * 1 + [143] * 6
        assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
        pdf = spark.range(3).toPandas()
        assert list(pdf["id"]) == [0, 1, 2]
        out = capsys.readouterr().out
        assert "master local[*]" in out and "UI: http://" in out
    finally:
        spark.stop()


def _env_without_java() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    keep = [d for d in env.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "java").exists()]
    # keep the Python interpreter reachable even if it shares a directory with java
    env["PATH"] = os.pathsep.join(keep)
    return env


def test_spark_without_java_fails_with_one_clear_line():
    env = _env_without_java()
    assert shutil.which("java", path=env["PATH"]) is None
    code = textwrap.dedent(
        """
        from bdp.clusters import JavaError, spark_session
        try:
            spark_session()
        except JavaError as exc:
            print(exc)
            raise SystemExit(3)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "Spark 4 needs Java 17 or newer" in lines[0] and "openjdk-17" in lines[0]
    assert "Py4J" not in result.stdout + result.stderr


def test_too_old_java_is_named(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JavaError) as info:
        check_java()
    assert "Java 11.0.22" in str(info.value) and "\n" not in str(info.value)


def test_java_8_version_string_is_parsed(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JavaError, match=r"Java 1\.8\.0_392"):
        check_java()


def test_system_java_is_accepted(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    info = check_java()
    assert info.major >= 17
