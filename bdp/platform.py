"""The course platform on loopback: a real JupyterHub with dask-gateway as a hub service.

What runs (all from PyPI, all bound to ``127.0.0.1`` on ephemeral ports, all state in one
temporary folder that :meth:`Platform.stop` removes):

* **JupyterHub** with the ``shared-password`` authenticator (one password for the class, users
  created by the teacher), the ``simple`` local-process spawner, and the pure-Python
  ``configurable-http-proxy`` as its proxy;
* **dask-gateway-server** as a *hub-managed service* (``/services/dask-gateway``), authenticating
  users through JupyterHub like DaskHub does, with the **local backend** (schedulers and workers
  are processes of this machine instead of Pods);
* **jupyterhub-idle-culler** as a second service.

The gateway is configured by :func:`configure_local_gateway`: it executes, unchanged and in the
chart's order, the Python snippets that ``helm/daskhub-values.yaml`` ships under
``dask-gateway.gateway.extraConfig`` (option handler, idle timeout, worker cap...), then swaps
the Kubernetes backend for the local one. So the option bounds and caps a learner meets here are
the ones the chart deploys.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
VALUES_PATH = REPO_ROOT / "helm" / "daskhub-values.yaml"
SNIPPETS_KEY = ("dask-gateway", "gateway", "extraConfig")
GATEWAY_SERVICE = "dask-gateway"
GATEWAY_PREFIX = f"/services/{GATEWAY_SERVICE}"
CULLER_SERVICE = "idle-culler"
ADMIN_SERVICE = "course-admin"
LOCAL_BACKEND = "dask_gateway_server.backends.local.UnsafeLocalBackend"
LOCAL_CONFIG_CLASS = "dask_gateway_server.backends.local.LocalClusterConfig"
# dask-gateway 2026.3.0's defaults; distributed 2026.8 no longer installs them (dask-gateway#945)
GATEWAY_DEFAULT_COMMANDS = {"scheduler_cmd": ["dask-scheduler"], "worker_cmd": ["dask-worker"]}
# what the local backend runs when the values' command does not exist here
LOCAL_FALLBACK_COMMANDS = {
    "scheduler_cmd": [sys.executable, "-m", "distributed.cli.dask_scheduler"],
    "worker_cmd": [sys.executable, "-m", "distributed.cli.dask_worker"],
}
MARKER_ENV = "BDP_PLATFORM_ROOT"
# environment variables every platform process keeps (so that leftovers can be found by TMPDIR,
# the offline guard of the book build keeps working, and the gateway can import bdp)
PASS_ENV = ("PATH", "PYTHONPATH", "TMPDIR", "LANG", "LC_ALL", "BDP_OFFLINE_LOG", "BDP_SCALE",
            MARKER_ENV)

log = logging.getLogger(__name__)


class PlatformError(RuntimeError):
    """The platform did not start or stop cleanly; the message says which part and why."""


# --------------------------------------------------------------------------- the shipped values


def gateway_snippets(values: Path | str = VALUES_PATH) -> dict[str, str]:
    """The Python snippets of ``dask-gateway.gateway.extraConfig``, in the order the chart runs
    them (a single string is one snippet; a mapping runs in sorted key order)."""
    data = yaml.safe_load(Path(values).read_text(encoding="utf-8"))
    node: Any = data
    for key in SNIPPETS_KEY:
        node = (node or {}).get(key)
    if node is None:
        return {}
    if isinstance(node, str):
        return {"extraConfig": node}
    return {key: node[key] for key in sorted(node)}


def exec_snippets(c: Any, snippets: dict[str, str]) -> None:
    """Execute each snippet with ``c`` bound to the traitlets config, as the chart does."""
    for name, text in snippets.items():
        code = compile(text, f"extraConfig.{name}", "exec")
        exec(code, {"c": c, "__name__": f"extraConfig_{name}"})  # noqa: S102 - the chart's own code


def _trait_names(class_path: str) -> set[str]:
    from traitlets.utils.importstring import import_item

    return set(import_item(class_path).class_trait_names(config=True))


def _options_of(c: Any) -> Any | None:
    section = c.get("Backend", {})
    return section.get("cluster_options") if "cluster_options" in section else None


def restrict_handler(options: Any, allowed: set[str], dropped: list[str] | None = None) -> Any:
    """Wrap ``options``' handler so it returns only keys in ``allowed`` (a backend's traits).

    A handler written for the Kubernetes backend may return e.g. ``worker_cores_limit``, which
    ``KubeClusterConfig`` has and ``LocalClusterConfig`` has not. The dropped names are appended
    to ``dropped`` (once each) and logged.
    """
    original = options.handler  # always (options, user) once set on Options
    if original is None:
        return options
    seen = dropped if dropped is not None else []

    def handler(opts: Any, user: Any) -> dict[str, Any]:
        out = dict(original(opts, user))
        for key in sorted(set(out) - allowed):
            if key not in seen:
                seen.append(key)
                log.info("option handler key %r has no local-backend trait: dropped", key)
            out.pop(key)
        return out

    options.handler = handler
    return options


def handler_output(options: Any, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``options``' handler returns for ``request`` (defaults when ``None``)."""
    from dask_gateway_server.models import User

    parsed = options.parse_options(request or {})
    return dict(options.get_configuration(parsed, User("course-user", groups=[], admin=False)))


def _as_command(value: Any) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def resolve_command(cmd: list[str]) -> str | None:
    """Absolute path of ``cmd[0]`` in this Python's scripts folder or on ``PATH``, else None."""
    scripts = sysconfig.get_path("scripts")
    return shutil.which(cmd[0], path=os.pathsep.join([scripts, os.environ.get("PATH", "")]))


@dataclass
class GatewayConfigReport:
    """What :func:`configure_local_gateway` did to the shipped configuration."""

    snippets: list[str]
    option_bounds: dict[str, dict[str, Any]]
    handler_defaults: dict[str, Any]
    handler_max: dict[str, Any]
    handler_keys: list[str]
    dropped_keys: list[str]
    shipped: dict[str, Any]
    chart_commands: dict[str, list[str]]
    commands_found: dict[str, bool]
    local_commands: dict[str, list[str]]
    overrides: dict[str, Any]

    def table(self) -> list[dict[str, Any]]:
        """One row per setting: the value the chart deploys and the one the local run uses."""
        rows = [{"setting": f"ClusterConfig.{k}", "chart (Kubernetes)": v,
                 "this run (local)": self.overrides.get(f"ClusterConfig.{k}", v)}
                for k, v in self.shipped.items()]
        for name, cmd in self.chart_commands.items():
            rows.append({"setting": f"ClusterConfig.{name}",
                         "chart (Kubernetes)": " ".join(cmd)
                         + ("" if self.commands_found[name] else "  (not installed!)"),
                         "this run (local)": " ".join(Path(a).name if i == 0 else a
                                                      for i, a in enumerate(self.local_commands[name]))})
        return rows


def configure_local_gateway(
    c: Any,
    values: Path | str = VALUES_PATH,
    *,
    overrides: dict[str, Any] | None = None,
) -> GatewayConfigReport:
    """Load the chart's gateway configuration into ``c``, then adapt it to the local backend.

    1. exec the ``extraConfig`` snippets of ``values`` unchanged, in the chart's order;
    2. set the local backend; wrap the option handler so that keys the local cluster config has
       no trait for (Kubernetes-only ones such as ``worker_cores_limit``) are dropped — reported;
    3. the scheduler/worker commands: those the values configure (or dask-gateway's defaults)
       are run from this Python's environment when they exist, otherwise the module form
       ``python -m distributed.cli.dask_*`` is used and the report says the chart's is missing;
    4. apply ``overrides`` (``"Section.trait": value``), e.g. a short idle timeout for a demo.
    """
    snippets = gateway_snippets(values)
    exec_snippets(c, snippets)
    c.DaskGateway.backend_class = LOCAL_BACKEND
    allowed = _trait_names(LOCAL_CONFIG_CLASS)
    options = _options_of(c)
    handler_defaults: dict[str, Any] = {}
    handler_max: dict[str, Any] = {}
    bounds: dict[str, dict[str, Any]] = {}
    dropped: list[str] = []
    if options is not None:
        bounds = {f.field: {k: getattr(f, k, None) for k in ("default", "min", "max")}
                  for f in options.fields}
        handler_defaults = handler_output(options)
        largest = {name: b["max"] for name, b in bounds.items() if b["max"] is not None}
        handler_max = handler_output(options, largest)
        restrict_handler(options, allowed, dropped)
        handler_output(options)  # fills `dropped` for the report
    cluster = c.get("ClusterConfig", {})
    shipped = {k: cluster[k] for k in ("idle_timeout", "cluster_max_workers", "cluster_max_cores",
                                       "cluster_max_memory") if k in cluster}
    chart_cmds, found, local_cmds = {}, {}, {}
    for name, default in GATEWAY_DEFAULT_COMMANDS.items():
        cmd = _as_command(cluster[name]) if name in cluster else list(default)
        chart_cmds[name] = cmd
        exe = resolve_command(cmd)
        found[name] = exe is not None
        local_cmds[name] = [exe, *cmd[1:]] if exe else list(LOCAL_FALLBACK_COMMANDS[name])
        setattr(c.ClusterConfig, name, local_cmds[name])
    for key, value in (overrides or {}).items():
        section, trait = key.split(".")
        setattr(getattr(c, section), trait, value)
    return GatewayConfigReport(
        snippets=list(snippets), option_bounds=bounds, handler_defaults=handler_defaults,
        handler_max=handler_max,
        handler_keys=sorted(handler_defaults), dropped_keys=dropped,
        shipped=shipped, chart_commands=chart_cmds, commands_found=found,
        local_commands=local_cmds, overrides=dict(overrides or {}),
    )


def gateway_report(values: Path | str = VALUES_PATH,
                   overrides: dict[str, Any] | None = None) -> GatewayConfigReport:
    """Run :func:`configure_local_gateway` on a scratch config (nothing starts)."""
    from traitlets.config import Config

    return configure_local_gateway(Config(), values, overrides=overrides)


# --------------------------------------------------------------------------- the platform


def free_port() -> int:
    """An ephemeral loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(root: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
    env[MARKER_ENV] = str(root)
    return env


@dataclass
class Platform:
    """A running loopback platform (see the module's docstring). Use :func:`start_platform`."""

    root: Path
    url: str
    admin_token: str
    class_password: str
    gateway_address: str
    gateway_proxy_address: str
    settings: dict[str, Any]
    process: subprocess.Popen | None = field(default=None, repr=False)

    # -- REST
    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """Call the hub's REST API (``/hub/api`` + ``path``) as ``token`` (default: the admin
        service); returns the ``requests.Response``."""
        import requests

        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=30, **kwargs)

    def wait_for_server(self, user: str, *, ready: bool = True, timeout: float = 300) -> dict:
        """Poll the hub until ``user``'s default server is ready (or gone); returns the model."""
        deadline = time.monotonic() + timeout
        while True:
            model = self.api("GET", f"/users/{user}").json()
            server = model.get("servers", {}).get("")
            if (bool(server and server.get("ready")) == ready) and (ready or not server):
                return model
            if time.monotonic() > deadline:
                raise PlatformError(f"{user}'s server not {'ready' if ready else 'stopped'} "
                                    f"after {timeout:.0f} s; see {self.root / 'hub.log'}")
            time.sleep(0.25)

    def processes(self) -> list[psutil.Process]:
        """Every live process that belongs to this platform (found by its marker variable)."""
        return processes_of(self.root)

    # -- lifecycle
    def stop(self, timeout: float = 60, *, keep_files: bool = False) -> None:
        """Shut the hub down (servers, services, clusters, proxy), then remove every file
        (``keep_files=True`` keeps the folder and its logs, for debugging)."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.api("POST", "/shutdown", json={"servers": True, "proxy": True})
                self.process.wait(timeout=timeout)
            except Exception:  # noqa: BLE001 - fall through to signals
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=15)
        deadline = time.monotonic() + 20
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.2)  # the gateway stops its clusters on SIGTERM
        for proc in self.processes():  # whatever is left is killed, never left running
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(self.processes(), timeout=10)
        if not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)
        self.process = None

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def processes_of(root: Path | str) -> list[psutil.Process]:
    """Live processes whose environment carries ``BDP_PLATFORM_ROOT=root``."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(MARKER_ENV) == str(root) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


_HUB_CONFIG = """\
# Written by bdp.platform: JupyterHub on loopback for the course.
import atexit
import json
import os
import shutil
import signal
import threading
import time

settings = json.loads({settings!r})
c = get_config()  # noqa: F821


def _sweep():
    # every other process of this platform (found by its marker variable), then the folder
    import psutil

    me = os.getpid()
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.pid != me and proc.environ().get("{marker}") == settings["root"]:
                proc.kill()
        except (psutil.Error, OSError):
            pass
    shutil.rmtree(settings["root"], ignore_errors=True)


def _watch_parent(pid):
    # the notebook's kernel started this hub: when the kernel is gone (even killed), shut down
    # like on Ctrl-C (servers, services and their clusters, proxy); whatever is still running
    # after that (or after 30 s) is killed, and the folder removed
    while True:
        time.sleep(1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
    atexit.register(_sweep)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
    _sweep()
    os._exit(0)


threading.Thread(target=_watch_parent, args=(settings["parent_pid"],), daemon=True).start()
c.JupyterHub.bind_url = settings["url"]
c.JupyterHub.hub_bind_url = settings["hub_url"]
c.JupyterHub.db_url = "sqlite:///" + settings["root"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = settings["root"] + "/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = settings["root"] + "/jupyterhub.pid"
c.JupyterHub.log_level = "INFO"
# the proxy: configurable-http-proxy, the pure-Python implementation from PyPI
c.ConfigurableHTTPProxy.command = [settings["chp"]]
c.ConfigurableHTTPProxy.api_url = settings["proxy_api_url"]
c.ConfigurableHTTPProxy.auth_token = settings["proxy_token"]
c.ConfigurableHTTPProxy.pid_file = settings["root"] + "/proxy.pid"
# the course authenticator: one class password; users are created by the teacher
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings["class_password"]
c.Authenticator.allow_existing_users = True
# the spawner: a local process per user, home folders inside the platform's folder
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = settings["root"] + "/home/{{username}}"
c.Spawner.args = settings["spawner_args"]
c.Spawner.env_keep = settings["pass_env"]
c.Spawner.start_timeout = 300  # generous: a busy 2-core machine starts Python slowly
c.Spawner.http_timeout = 300
c.Spawner.interrupt_timeout = 5
c.JupyterHub.services = [
    {{"name": "{admin}", "api_token": settings["admin_token"]}},
    {{"name": "{gateway}", "url": settings["gateway_http"],
      "command": settings["gateway_cmd"], "cwd": settings["root"],
      "environment": settings["service_env"]}},
    {{"name": "{culler}", "command": settings["culler_cmd"],
      "environment": settings["service_env"]}},
]
c.JupyterHub.load_roles = [
    {{"name": "{admin}", "services": ["{admin}"],
      "scopes": ["admin:users", "admin:servers", "read:users", "shutdown",
                 "list:services", "read:services"]}},
    {{"name": "{culler}", "services": ["{culler}"],
      "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}},
    # DaskHub grants the same: every user may call the gateway service
    {{"name": "user", "scopes": ["self", "access:services!service={gateway}"]}},
]
"""

_GATEWAY_CONFIG = """\
# Written by bdp.platform: dask-gateway-server as a JupyterHub service, local backend.
import json
from bdp.platform import configure_local_gateway

settings = json.loads({settings!r})
c = get_config()  # noqa: F821
# 1-4: the chart's extraConfig snippets, unchanged, then the local backend (see bdp.platform)
configure_local_gateway(c, settings["values"], overrides=settings["overrides"])
# authentication through JupyterHub, as DaskHub's `auth.type: jupyterhub`
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.DaskGateway.address = settings["api_address"]
c.Proxy.address = settings["http_address"]
c.Proxy.tcp_address = settings["tcp_address"]
c.Proxy.prefix = "{prefix}"
c.LocalBackend.clusters_directory = settings["root"] + "/clusters"
c.LocalBackend.inherited_environment = settings["pass_env"]
c.DBBackendBase.cluster_status_period = 1
c.DBBackendBase.worker_status_period = 1
# generous liveness limits: on a busy 2-core machine Python processes start slowly
c.DBBackendBase.cluster_heartbeat_timeout = 120
c.DBBackendBase.cluster_start_timeout = 300
c.DBBackendBase.worker_start_timeout = 300
# stop a cluster's processes promptly (defaults: 10 s after SIGINT, 5 s after SIGTERM)
c.LocalBackend.sigint_timeout = 3
c.LocalBackend.sigterm_timeout = 3
"""


def start_platform(
    root: Path | str | None = None,
    *,
    values: Path | str = VALUES_PATH,
    overrides: dict[str, Any] | None = None,
    cull_timeout: int = 60,
    cull_every: int = 5,
    timeout: float = 300,
) -> Platform:
    """Start JupyterHub + dask-gateway + idle culler on loopback; returns a :class:`Platform`.

    ``overrides`` are applied to the gateway config after the chart's snippets (e.g.
    ``{"ClusterConfig.idle_timeout": 8}`` for a short demo). ``cull_timeout``: seconds of
    inactivity after which the culler stops a user's server. Everything lives in ``root``
    (default: a new temporary folder), removed by :meth:`Platform.stop`.
    """
    from bdp.clusters import patch_gateway_client

    patch_gateway_client()  # the learner's Gateway objects, made after this, close cleanly
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="bdp-hub-"))
    root.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("public", "hub", "proxy_api", "gw_api", "gw_http",
                                              "gw_tcp")}
    url = f"http://127.0.0.1:{ports['public']}"
    env = _env(root)
    settings: dict[str, Any] = {
        "root": str(root),
        "parent_pid": os.getpid(),
        "url": url,
        "hub_url": f"http://127.0.0.1:{ports['hub']}",
        "proxy_api_url": f"http://127.0.0.1:{ports['proxy_api']}",
        "proxy_token": secrets.token_hex(32),
        "admin_token": secrets.token_hex(32),
        "class_password": secrets.token_urlsafe(12),
        "chp": str(Path(sysconfig.get_path("scripts")) / "configurable-http-proxy"),
        # the single-user server refuses to run as root unless told (CI runs as root)
        "spawner_args": ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [],
        "pass_env": sorted(set(PASS_ENV)),
        "service_env": env,
        "gateway_http": f"http://127.0.0.1:{ports['gw_http']}",
        "gateway_cmd": [sys.executable, "-m", "dask_gateway_server", "--config",
                        str(root / "dask_gateway_config.py")],
        "culler_cmd": [sys.executable, "-m", "jupyterhub_idle_culler",
                       f"--timeout={cull_timeout}", f"--cull-every={cull_every}"],
    }
    gw_settings = {
        "root": str(root), "values": str(values), "overrides": dict(overrides or {}),
        "api_address": f"127.0.0.1:{ports['gw_api']}",
        "http_address": f"127.0.0.1:{ports['gw_http']}",
        "tcp_address": f"127.0.0.1:{ports['gw_tcp']}",
        "pass_env": sorted(set(PASS_ENV)),
    }
    (root / "jupyterhub_config.py").write_text(_HUB_CONFIG.format(
        settings=json.dumps(settings), admin=ADMIN_SERVICE, gateway=GATEWAY_SERVICE,
        culler=CULLER_SERVICE, marker=MARKER_ENV), encoding="utf-8")
    (root / "dask_gateway_config.py").write_text(_GATEWAY_CONFIG.format(
        settings=json.dumps(gw_settings), prefix=GATEWAY_PREFIX), encoding="utf-8")
    hub_env = {**os.environ, **env}
    logfile = (root / "hub.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "--config", str(root / "jupyterhub_config.py")],
        cwd=root, env=hub_env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
    )
    logfile.close()
    platform = Platform(
        root=root, url=url, admin_token=settings["admin_token"],
        class_password=settings["class_password"],
        gateway_address=f"{url}{GATEWAY_PREFIX}",
        gateway_proxy_address=f"gateway://127.0.0.1:{ports['gw_tcp']}",
        settings={"cull_timeout": cull_timeout, "cull_every": cull_every,
                  "overrides": dict(overrides or {})},
        process=process,
    )
    # a kernel that ends (or fails, or is killed) before its stop cell still takes the platform
    # down with it: the hub watches its parent process (see _watch_parent in its config)
    try:
        _wait_ready(platform, timeout)
    except BaseException:
        platform.stop()
        raise
    return platform


def _wait_ready(platform: Platform, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    checks = {"hub": f"{platform.url}/hub/api/",
              "gateway": f"{platform.gateway_address}/api/health"}
    for name, url in checks.items():
        while True:
            if platform.process is not None and platform.process.poll() is not None:
                tail = (platform.root / "hub.log").read_text(errors="replace")[-2000:]
                raise PlatformError(f"JupyterHub exited ({platform.process.returncode}):\n{tail}")
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                tail = (platform.root / "hub.log").read_text(errors="replace")[-2000:]
                raise PlatformError(f"the {name} did not answer {url} in {timeout:.0f} s:\n{tail}")
            time.sleep(0.2)


def log_in(platform: Platform, user: str, password: str, note: str = "course") -> str:
    """Log ``user`` in through the hub's REST API (name + password); returns a new API token."""
    import requests

    resp = requests.post(f"{platform.url}/hub/api/users/{user}/tokens", timeout=30,
                         json={"auth": {"username": user, "password": password}, "note": note})
    if resp.status_code != 201:
        raise PlatformError(f"login of {user!r} refused: HTTP {resp.status_code}")
    return resp.json()["token"]


def request_cluster(gateway: Any, **options: Any) -> tuple[Any | None, str | None]:
    """``gateway.new_cluster(**options)`` as ``(cluster, None)``, or ``(None, why)`` when refused.

    dask-gateway 2026.3.0's client gives every cluster object a ``Gateway`` connection of its
    own; when the server refuses the request, that half-built object is left to the garbage
    collector. Collected later on the client's event-loop thread, its ``__del__`` waits on that
    same loop, and the next request hangs forever. So the refusal is collected here, in the
    caller's thread.
    """
    import gc

    from bdp.clusters import patch_gateway_client

    patch_gateway_client()
    try:
        return gateway.new_cluster(**options), None
    except ValueError as err:
        why = str(err)
    gc.collect()
    return None, why


__all__ = [
    "request_cluster",
    "GatewayConfigReport",
    "Platform",
    "PlatformError",
    "VALUES_PATH",
    "configure_local_gateway",
    "exec_snippets",
    "gateway_report",
    "gateway_snippets",
    "handler_output",
    "log_in",
    "processes_of",
    "restrict_handler",
    "start_platform",
]
