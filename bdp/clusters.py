"""Compute sessions for the chapters: embedded by default, a real cluster when configured.

* :func:`dask_client` starts a :class:`distributed.LocalCluster` sized for this machine, or connects
  to the scheduler named by ``DASK_SCHEDULER_ADDRESS`` (a Dask Kubernetes operator cluster, a
  jobqueue cluster, ``dask scheduler`` on another host...), or asks the dask-gateway named by
  ``DASK_GATEWAY_ADDRESS`` (or DaskHub's ``DASK_GATEWAY__ADDRESS``) for a new cluster, which
  :func:`close` shuts down.
* :func:`spark_session` starts Spark 4 in ``local[*]``, or connects to the Spark Connect server
  named by ``SPARK_REMOTE``. Spark needs a Java 17+ runtime; :func:`check_java` says in one line
  what is missing and how to install it, before Spark would fail with a Py4J traceback.

The chapter code is the same in both cases: that is the point.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
import shutil
import atexit
import json
import subprocess
import tempfile
import warnings
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bdp.config import ConfigError, pick

if TYPE_CHECKING:  # pragma: no cover - import cost only for type checkers
    from distributed import Client
    from pyspark.sql import SparkSession

DASK_ENV = "DASK_SCHEDULER_ADDRESS"
GATEWAY_ENV = "DASK_GATEWAY_ADDRESS"
GATEWAY_PROXY_ENV = "DASK_GATEWAY_PROXY_ADDRESS"
GATEWAY_AUTH_ENV = "DASK_GATEWAY_AUTH"  # e.g. "jupyterhub" (the token: JUPYTERHUB_API_TOKEN)
GATEWAY_OPTIONS_ENV = "BDP_GATEWAY_OPTIONS"  # JSON, e.g. '{"worker_memory": 2}'
GATEWAY_WORKERS_ENV = "BDP_GATEWAY_WORKERS"
GATEWAY_DEFAULT_WORKERS = 2
SPARK_ENV = "SPARK_REMOTE"
MIN_JAVA = 17


class ClusterError(RuntimeError):
    """A compute session could not start; the message is one line saying why and what to do."""


class JavaError(ClusterError):
    """No suitable Java runtime for Spark."""


# --------------------------------------------------------------------------- Binder / JupyterHub


def _hub_prefix() -> str | None:
    """URL prefix of the notebook server when running under JupyterHub/Binder, else ``None``."""
    return os.environ.get("JUPYTERHUB_SERVICE_PREFIX")


def proxied_url(port: int, path: str = "") -> str | None:
    """URL of a local web UI on ``port`` through jupyter-server-proxy, or ``None`` off-hub.

    On Binder a browser cannot reach ``127.0.0.1:8787`` inside the container; jupyter-server-proxy
    serves it at ``{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/``.
    """
    prefix = _hub_prefix()
    if prefix is None:
        return None
    return f"{prefix.rstrip('/')}/proxy/{port}/{path.lstrip('/')}"


# --------------------------------------------------------------------------- Dask


def default_workers() -> tuple[int, int, str]:
    """``(n_workers, threads_per_worker, memory_limit)`` for a LocalCluster on this machine.

    One single-threaded worker per core (up to 4 at the small scale) so that pandas code, which
    holds the GIL, runs in parallel; memory is shared out so the whole cluster stays well below
    the machine's (or Binder's 2 GB) budget.
    """
    cores = os.cpu_count() or 1
    n_workers = max(1, min(cores, pick(small=4, full=cores)))
    total = psutil.virtual_memory().total
    budget = pick(small=min(total // 2, 2 * 1024**3), full=int(total * 0.75))
    per_worker_mb = max(256, budget // n_workers // 1024**2)
    return n_workers, 1, f"{per_worker_mb}MiB"


# clients of gateway clusters this process created, so that close() can shut the cluster down
_GATEWAY_CLUSTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def gateway_address() -> str | None:
    """The dask-gateway to use: ``DASK_GATEWAY_ADDRESS``, else dask's ``gateway.address``
    setting (DaskHub's notebook Pods set it through ``DASK_GATEWAY__ADDRESS``), else ``None``."""
    import dask

    return os.environ.get(GATEWAY_ENV) or dask.config.get("gateway.address", None) or None


def gateway_client(
    address: str,
    n_workers: int | None = None,
    options: dict[str, Any] | None = None,
    *,
    proxy_address: str | None = None,
    auth: Any = None,
    timeout: float = 120,
) -> Client:
    """Ask the gateway at ``address`` for a new cluster with ``options``, scale it to
    ``n_workers`` and return a client; :func:`close` shuts the cluster down.

    Defaults come from the environment: ``BDP_GATEWAY_OPTIONS`` (JSON), ``BDP_GATEWAY_WORKERS``
    (else 2), ``DASK_GATEWAY_PROXY_ADDRESS`` and ``DASK_GATEWAY_AUTH``, then from dask's
    ``gateway.*`` configuration. The gateway may cap the size (a ``GatewayWarning`` says so).
    """
    from dask_gateway import Gateway

    patch_gateway_client()

    if options is None:
        options = json.loads(os.environ.get(GATEWAY_OPTIONS_ENV) or "{}")
    if n_workers is None:
        n_workers = int(os.environ.get(GATEWAY_WORKERS_ENV) or GATEWAY_DEFAULT_WORKERS)
    gateway = Gateway(
        address=address,
        proxy_address=proxy_address or os.environ.get(GATEWAY_PROXY_ENV) or None,
        auth=auth or os.environ.get(GATEWAY_AUTH_ENV) or None,
    )
    try:
        cluster = gateway.new_cluster(**options)
    except (OSError, TimeoutError) as exc:
        gateway.close()
        raise ClusterError(
            f"cannot reach the dask-gateway at {address!r} ({GATEWAY_ENV}): "
            f"{type(exc).__name__}; check the address or unset {GATEWAY_ENV} to run locally"
        ) from None
    # a client first: its (queued) work keeps the cluster from looking idle while workers start
    client = cluster.get_client(set_as_default=True)
    cluster.scale(n_workers)
    _GATEWAY_CLUSTERS[client] = cluster
    atexit.register(_shutdown_gateway_cluster, weakref.ref(cluster))
    client.wait_for_workers(1, timeout=timeout)
    return client


def _shutdown_gateway_cluster(ref: weakref.ref) -> None:
    cluster = ref()
    if cluster is not None and cluster.status != "closed":
        try:
            cluster.shutdown()
        except Exception:  # noqa: BLE001 - at exit, a gateway that is gone already is fine
            pass


def dask_client(
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | int | None = None,
    *,
    address: str | None = None,
    quiet: bool = False,
    **cluster_kwargs: Any,
) -> Client:
    """Return a :class:`distributed.Client` for the course.

    With ``address`` or ``DASK_SCHEDULER_ADDRESS`` set, connect to that scheduler (sizes are then
    the cluster's business and the sizing arguments are ignored). Else, with a gateway configured
    (:func:`gateway_address`), ask it for a cluster of ``n_workers`` workers with the options of
    ``BDP_GATEWAY_OPTIONS`` (:func:`gateway_client`). Otherwise start a LocalCluster
    (sized by :func:`default_workers` unless told otherwise) on loopback. Prints the dashboard
    link, proxied through the notebook server on Binder/JupyterHub.
    """
    import dask
    from distributed import Client, LocalCluster

    prefix = _hub_prefix()
    if prefix is not None:  # Binder/JupyterHub: the browser reaches the dashboard via the proxy
        dask.config.set({"distributed.dashboard.link": f"{prefix.rstrip('/')}/proxy/{{port}}/status"})
    address = address or os.environ.get(DASK_ENV) or None
    gateway = None if address else gateway_address()
    if gateway:
        client = gateway_client(gateway, n_workers)
    elif address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address!r} ({DASK_ENV}): "
                f"{type(exc).__name__}; check the address or unset {DASK_ENV} to run locally"
            ) from None
    else:
        d_workers, d_threads, d_memory = default_workers()
        processes = cluster_kwargs.pop("processes", True)
        if not processes and memory_limit is None:
            # threads of this kernel: a worker's memory monitor would measure the whole kernel
            # (every DataFrame the notebook holds) and warn about "unmanaged memory" it does
            # not own, so in-process workers get no limit unless one is asked for
            d_memory = 0
        cluster = LocalCluster(
            n_workers=n_workers or d_workers,
            threads_per_worker=threads_per_worker or d_threads,
            memory_limit=memory_limit if memory_limit is not None else d_memory,
            processes=processes,
            host="127.0.0.1",
            dashboard_address=cluster_kwargs.pop("dashboard_address", "127.0.0.1:0"),
            **cluster_kwargs,
        )
        client = Client(cluster)
    if not quiet:
        where = address or (f"a gateway cluster from {gateway}" if gateway
                            else "a LocalCluster on this machine")
        n = len(client.scheduler_info(n_workers=-1)["workers"])
        print(f"Dask: {n} workers on {where}; dashboard: {client.dashboard_link}")
    return client


def patch_gateway_client() -> None:
    """Make ``dask_gateway.Gateway.close`` safe to call twice and from its own event loop.

    With dask-gateway 2026.3.0 and distributed 2026.8, every ``Gateway`` (one per cluster object,
    besides the user's) misbehaves when the garbage collector finalises it: after an explicit
    ``close()`` its ``__del__`` closes again and the stopped loop runner raises; finalised on the
    client's own event-loop thread, it waits for that loop and hangs forever. Idempotent.
    """
    import asyncio

    from dask_gateway import client as gw

    if getattr(gw.Gateway.close, "_bdp_safe", False):
        return
    original = gw.Gateway.close

    def close(self: Any) -> Any:
        if getattr(self, "_bdp_closed", False):
            return None
        self._bdp_closed = True
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and not self.asynchronous:
            running.create_task(self._cleanup())  # cannot wait for the loop from inside it
            return None
        return original(self)

    close._bdp_safe = True  # type: ignore[attr-defined]
    close.__doc__ = original.__doc__
    gw.Gateway.close = close


def close(*engines: Any) -> None:
    """Release what a chapter started, the same way on a laptop and on a real cluster.

    A Dask :class:`~distributed.Client` is closed, and so is the LocalCluster it started; when it
    was connected to a scheduler given by ``DASK_SCHEDULER_ADDRESS`` (``client.cluster`` is
    ``None``) only the connection is closed — the cluster belongs to whoever started it. A client
    of a cluster that :func:`dask_client` asked a dask-gateway for is closed and that gateway
    cluster shut down (its workers and scheduler stop, nothing keeps running). A Spark
    session is stopped (for Spark Connect: the client session only). ``None`` is skipped, so a
    last cell can close everything it may have opened.
    """
    for engine in engines:
        if engine is None:
            continue
        gateway_cluster = _GATEWAY_CLUSTERS.pop(engine, None) if _weakrefable(engine) else None
        if gateway_cluster is not None:  # a cluster dask_client() asked a gateway for
            engine.close()
            gateway_cluster.shutdown()
        elif hasattr(engine, "scheduler_info"):  # a distributed.Client
            cluster = getattr(engine, "cluster", None)
            if cluster is None:
                engine.close()
                continue
            with _quiet_shutdown(engine):
                engine.close()
                cluster.close()
        elif callable(getattr(engine, "stop", None)):  # SparkSession (classic or Connect)
            engine.stop()
        elif callable(getattr(engine, "close", None)):  # a LocalCluster, a gateway cluster...
            engine.close()
        else:
            raise TypeError(f"do not know how to close a {type(engine).__name__}")


#: Loggers that report a LocalCluster's own shutdown on a busy machine, at the level they are
#: raised to while :func:`close` runs: a worker slower than 4 s to exit is killed by its nanny
#: (a WARNING), and a heartbeat caught half-way by the scheduler's shutdown logs an ERROR with a
#: traceback (seen at load 47). Nothing is lost at that point and a learner cannot act on it.
_SHUTDOWN_LOGGERS = {"distributed.nanny": logging.ERROR, "distributed.worker": logging.CRITICAL}


def _raise_levels(levels: dict[str, int]) -> dict[str, int]:
    """Set each logger to at least its level; return the previous levels."""
    before = {}
    for name, level in levels.items():
        log = logging.getLogger(name)
        before[name] = log.level
        log.setLevel(max(level, log.getEffectiveLevel()))
    return before


@contextlib.contextmanager
def _quiet_shutdown(client: Any) -> Iterator[None]:
    """Quiet only the shutdown loggers, here and in the worker processes, only while closing."""
    before = _raise_levels(_SHUTDOWN_LOGGERS)
    try:
        client.run(_raise_levels, _SHUTDOWN_LOGGERS)
    except Exception:  # noqa: BLE001 - a worker already gone has nothing left to log
        pass
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def _weakrefable(obj: Any) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


# --------------------------------------------------------------------------- Java for Spark


@dataclass(frozen=True)
class JavaInfo:
    """A Java runtime found on this machine."""

    executable: str
    major: int
    version: str


def _java_executable() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / ("java.exe" if os.name == "nt" else "java")
        if candidate.is_file():
            return str(candidate)
    return shutil.which("java")


def java_install_hint() -> str:
    """One line telling how to install Java 17 on this platform."""
    system = platform.system()
    if "google.colab" in __import__("sys").modules:
        return "run the notebook's setup cell (it installs openjdk-17-jre-headless with apt)"
    if system == "Darwin":
        return "install it with `brew install openjdk@17` (or `conda install -c conda-forge openjdk=17`)"
    if system == "Windows":
        return "install it with `winget install Microsoft.OpenJDK.17` (or conda-forge openjdk=17)"
    return (
        "install it with `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), "
        "`sudo dnf install java-17-openjdk-headless` (Fedora) or `conda install -c conda-forge openjdk=17`"
    )


def check_java(min_major: int = MIN_JAVA) -> JavaInfo:
    """Find Java (``JAVA_HOME`` first, then ``PATH``) and check it is at least ``min_major``.

    Raises :class:`JavaError` with a one-line message otherwise.
    """
    exe = _java_executable()
    if exe is None:
        raise JavaError(
            f"Spark 4 needs Java {min_major} or newer, but no `java` was found on PATH or in "
            f"JAVA_HOME; {java_install_hint()}"
        )
    try:
        out = subprocess.run(
            [exe, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaError(f"cannot run {exe} -version ({exc}); {java_install_hint()}") from None
    text = out.stderr + out.stdout
    match = re.search(r'version "([^"]+)"', text)
    if not match:
        raise JavaError(f"cannot read the Java version from `{exe} -version`; {java_install_hint()}")
    version = match.group(1)
    parts = version.split(".")
    major = int(parts[1]) if parts[0] == "1" else int(re.match(r"\d+", parts[0]).group())  # type: ignore[union-attr]
    if major < min_major:
        raise JavaError(
            f"Spark 4 needs Java {min_major} or newer, but {exe} is Java {version}; "
            f"{java_install_hint()}, then point JAVA_HOME at it"
        )
    return JavaInfo(executable=exe, major=major, version=version)


# --------------------------------------------------------------------------- Spark


def _quiet_pyspark_warnings() -> None:
    # PySpark 4.3 warns on import and on toPandas that pandas >= 3 is "not yet fully supported".
    # The book pins pandas 3 deliberately (see requirements.txt) and its build exercises the
    # round trips it uses; this one warning would otherwise land in every Spark chapter.
    warnings.filterwarnings(
        "ignore", message=".*PySpark does not yet fully support pandas.*", category=FutureWarning
    )
    # ...and its Arrow conversion still passes pandas 3's deprecated `copy=` keyword. pandas 2
    # (Colab's) has no Pandas4Warning class and no such deprecation.
    import pandas.errors

    pandas4 = getattr(pandas.errors, "Pandas4Warning", None)
    if pandas4 is not None:
        warnings.filterwarnings("ignore", category=pandas4, module=r"pyspark\.")


def spark_session(
    app_name: str = "bdp",
    master: str | None = None,
    *,
    remote: str | None = None,
    conf: dict[str, str] | None = None,
    quiet: bool = False,
) -> SparkSession:
    """Return a Spark 4 session for the course.

    * ``remote`` or ``SPARK_REMOTE`` set: a Spark Connect session to that server
      (``sc://host:15002``; ``local[2]`` starts a Connect server in-process).
    * otherwise: classic Spark in ``master`` (default ``local[*]``), bound to loopback, Arrow
      enabled, console progress bars off, log level ERROR, a small number of shuffle partitions
      at the small scale.

    Java is checked first (unless the remote is an ``sc://`` URL, which needs no local JVM).
    Prints where Spark runs and its UI link.
    """
    _quiet_pyspark_warnings()
    remote = remote or os.environ.get(SPARK_ENV) or None
    if remote is None or not remote.startswith("sc://"):
        check_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", __import__("sys").executable)
    from pyspark.sql import SparkSession

    settings: dict[str, str] = {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.shuffle.partitions": str(pick(small=8, full=200)),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
        # scratch space where Python's temporary files go (honours TMPDIR), not a fixed /tmp
        "spark.local.dir": tempfile.gettempdir(),
        # scratch space as above; the kit's log4j2 file keeps Spark's start-up notices out of
        # the notebook (errors only, the level the kit sets once the session exists)
        "spark.driver.extraJavaOptions": (
            f"-Djava.io.tmpdir={tempfile.gettempdir()} "
            f"-Dlog4j2.configurationFile={(Path(__file__).parent / 'log4j2.properties').as_uri()}"
        ),
    }
    ui_proxy = proxied_url(4040)
    if ui_proxy is not None:
        settings["spark.ui.proxyBase"] = ui_proxy.rstrip("/")
    settings.update(conf or {})

    if remote is not None:
        builder = SparkSession.builder.remote(remote).appName(app_name)
        for key, value in settings.items():
            if not key.startswith(("spark.driver.", "spark.ui.")):
                builder = builder.config(key, value)
    else:
        builder = SparkSession.builder.master(master or "local[*]").appName(app_name)
        for key, value in settings.items():
            builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Py4J / gRPC errors: keep one line, keep the cause chained
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"Spark did not start ({type(exc).__name__}: {first})") from exc
    if remote is None:
        spark.sparkContext.setLogLevel("ERROR")
    if not quiet:
        print(f"Spark {spark.version}: {describe_spark(spark)}")
    return spark


def spark_ui_url(spark: SparkSession) -> str | None:
    """The Spark UI link of a classic session (proxied on Binder), ``None`` for Spark Connect."""
    try:
        url = spark.sparkContext.uiWebUrl
    except Exception:  # Spark Connect sessions have no SparkContext
        return None
    if url is None:
        return None
    port = int(url.rsplit(":", 1)[1])
    return proxied_url(port, "jobs/") or url


def describe_spark(spark: SparkSession) -> str:
    """One line: where this session runs and where its UI is."""
    ui = spark_ui_url(spark)
    if ui is None:
        return f"Spark Connect session (client {type(spark).__module__})"
    master = spark.sparkContext.master
    return f"master {master}, {spark.sparkContext.defaultParallelism} cores; UI: {ui}"


__all__ = [
    "ClusterError",
    "ConfigError",
    "JavaError",
    "JavaInfo",
    "check_java",
    "close",
    "dask_client",
    "patch_gateway_client",
    "default_workers",
    "gateway_address",
    "gateway_client",
    "describe_spark",
    "java_install_hint",
    "proxied_url",
    "spark_session",
    "spark_ui_url",
]
