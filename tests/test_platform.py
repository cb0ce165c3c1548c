"""The loopback platform (bdp.platform): the chart's gateway snippets load into a local gateway,
and a real JupyterHub + dask-gateway + idle culler start, serve a learner and stop cleanly."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import psutil
import pytest
import yaml
from traitlets.config import Config

from bdp import platform as bp
from bdp.clusters import close, dask_client

DEMO = {"ClusterConfig.idle_timeout": 60, "ClusterConfig.cluster_max_workers": 2}

# A values file whose handler returns what only the Kubernetes backend knows (limits), and whose
# commands are the current CLI: the loader must cope with both, without special-casing text.
KUBE_ONLY = '''
from dask_gateway_server.options import Options, Integer, Float

def options_handler(options):
    return {
        "worker_cores": options.worker_cores,
        "worker_cores_limit": options.worker_cores,
        "worker_memory": int(options.worker_memory * 2**30),
        "worker_memory_limit": int(options.worker_memory * 2**30),
    }

c.Backend.cluster_options = Options(
    Integer("worker_cores", default=1, min=1, max=2),
    Float("worker_memory", default=2, min=1, max=4),
    handler=options_handler,
)
c.ClusterConfig.cluster_max_workers = 7
'''
COMMANDS = '''
c.ClusterConfig.scheduler_cmd = ["dask", "scheduler"]
c.ClusterConfig.worker_cmd = ["dask", "worker"]
'''


def _variant(tmp_path: Path) -> Path:
    data = {"dask-gateway": {"gateway": {"extraConfig": {"b-options": KUBE_ONLY,
                                                         "a-commands": COMMANDS}}}}
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the loader


def test_loader_runs_the_shipped_snippets_on_the_local_backend():
    c = Config()
    report = bp.configure_local_gateway(c, overrides={"ClusterConfig.idle_timeout": 5})
    assert report.snippets == list(bp.gateway_snippets())
    assert c.DaskGateway.backend_class == bp.LOCAL_BACKEND
    assert {"worker_cores", "worker_memory"} <= set(report.handler_keys)
    assert report.shipped["cluster_max_workers"] >= 1
    assert c.ClusterConfig.idle_timeout == 5  # the override wins over the chart's value
    allowed = bp._trait_names(bp.LOCAL_CONFIG_CLASS)
    assert set(bp.handler_output(c.Backend.cluster_options)) <= allowed
    for name in ("scheduler_cmd", "worker_cmd"):  # a command that exists here, always
        assert Path(c.ClusterConfig[name][0]).exists()


def test_loader_drops_kubernetes_only_keys_and_uses_the_values_commands(tmp_path):
    c = Config()
    report = bp.configure_local_gateway(c, _variant(tmp_path))
    assert report.snippets == ["a-commands", "b-options"]  # the chart's (sorted) order
    assert report.dropped_keys == ["worker_cores_limit", "worker_memory_limit"]
    assert report.handler_max["worker_memory_limit"] == 4 * 2**30  # before the local filter
    out = bp.handler_output(c.Backend.cluster_options, {"worker_cores": 2})
    assert out == {"worker_cores": 2, "worker_memory": 2 * 2**30}
    assert report.chart_commands["scheduler_cmd"] == ["dask", "scheduler"]
    assert report.commands_found == {"scheduler_cmd": True, "worker_cmd": True}
    assert Path(c.ClusterConfig.scheduler_cmd[0]).name == "dask"
    assert c.ClusterConfig.scheduler_cmd[1:] == ["scheduler"]
    assert c.ClusterConfig.cluster_max_workers == 7


def test_loader_reports_removed_commands(tmp_path):
    """dask-gateway's defaults (dask-scheduler/dask-worker) are gone from distributed 2026.8."""
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({"dask-gateway": {"gateway": {"extraConfig": {
        "x": "c.ClusterConfig.idle_timeout = 60\n"}}}}), encoding="utf-8")
    report = bp.gateway_report(path)
    assert report.chart_commands["scheduler_cmd"] == ["dask-scheduler"]
    assert report.commands_found["scheduler_cmd"] is False
    assert report.local_commands["scheduler_cmd"][1:] == ["-m", "distributed.cli.dask_scheduler"]


# --------------------------------------------------------------------------- the platform


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A TMPDIR of its own, inherited by every process the platform starts."""
    tmp = tmp_path_factory.mktemp("platform-tmp")
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmp)
    yield tmp
    if saved is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved


@pytest.fixture(scope="module")
def hub(scratch):
    platform = bp.start_platform(scratch / "hub", overrides=DEMO, cull_timeout=15,
                                 cull_every=3)
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def token(hub):
    assert hub.api("POST", "/users/alice").status_code == 201
    return bp.log_in(hub, "alice", hub.class_password)


def _gateway(hub, token):
    from dask_gateway import Gateway, JupyterHubAuth

    return Gateway(hub.gateway_address, proxy_address=hub.gateway_proxy_address,
                   auth=JupyterHubAuth(api_token=token))


def _wait_no_clusters(gateway, timeout=120):
    deadline = time.monotonic() + timeout
    while gateway.list_clusters() and time.monotonic() < deadline:
        time.sleep(0.5)
    return gateway.list_clusters()


def test_login_gives_a_token_with_the_gateway_scope(hub, token):
    me = hub.api("GET", "/user", token=token).json()
    assert (me["kind"], me["name"]) == ("user", "alice")
    assert "access:services!service=dask-gateway" in me["scopes"]
    assert hub.api("GET", "/users/bob", token=token).status_code in (403, 404)
    with pytest.raises(bp.PlatformError):
        bp.log_in(hub, "alice", "not the class password")


def test_user_server_starts_behind_the_proxy(hub, token):
    import requests

    assert hub.api("POST", "/users/alice/server", token=token).status_code in (201, 202)
    hub.wait_for_server("alice")
    status = requests.get(f"{hub.url}/user/alice/api/status", timeout=30,
                          headers={"Authorization": f"token {token}"})
    assert status.status_code == 200


def test_gateway_options_refusal_and_cap(hub, token):
    gateway = _gateway(hub, token)
    try:
        assert gateway.list_clusters() == []
        refused, why = bp.request_cluster(gateway, worker_memory=64)
        assert refused is None and "worker_memory must be <=" in why
        cluster = gateway.new_cluster(worker_cores=1, worker_memory=1)
        client = cluster.get_client(set_as_default=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cluster.scale(5)
        assert any("limit of 2 workers" in str(w.message) for w in caught)
        import dask.array as da

        total = client.compute(da.ones((400, 400), chunks=100).sum()).result(timeout=120)
        assert total == 160_000
        client.wait_for_workers(2, timeout=120)
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        client.close()
        cluster.shutdown()
        assert _wait_no_clusters(gateway) == []
    finally:
        gateway.close()


def test_dask_client_runs_a_chapter_workload_on_the_gateway(hub, token, monkeypatch):
    import dask
    import dask.datasets

    monkeypatch.setenv("DASK_GATEWAY_ADDRESS", hub.gateway_address)
    monkeypatch.setenv("DASK_GATEWAY_PROXY_ADDRESS", hub.gateway_proxy_address)
    monkeypatch.setenv("DASK_GATEWAY_AUTH", "jupyterhub")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", token)
    monkeypatch.setenv("BDP_GATEWAY_OPTIONS", '{"worker_memory": 1}')
    monkeypatch.setenv("BDP_GATEWAY_WORKERS", "2")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)

    def workload():
        df = dask.datasets.timeseries(start="2026-01-01", end="2026-01-04", freq="60s",
                                      partition_freq="1D", seed=42)
        return df.groupby("name").x.mean().compute().sort_index()

    with dask.config.set(scheduler="sync"):
        expected = workload()
    client = dask_client(quiet=True)
    gateway = _gateway(hub, token)
    try:
        assert len(gateway.list_clusters()) == 1
        assert client.cluster is not None
        got = workload()  # on the gateway cluster: the client is the default
        assert got.round(10).equals(expected.round(10))
        close(client)
        assert _wait_no_clusters(gateway) == []
    finally:
        gateway.close()


def test_idle_timeout_stops_a_cluster_and_the_culler_stops_the_server(hub, token):
    gateway = _gateway(hub, token)
    try:
        cluster = gateway.new_cluster()
        assert len(gateway.list_clusters()) == 1
        cluster.close(shutdown=False)  # walk away: only the idle timeout can stop it now
        start = time.monotonic()
        assert _wait_no_clusters(gateway, timeout=180) == []
        assert time.monotonic() - start < 180
    finally:
        gateway.close()
    assert hub.wait_for_server("alice", ready=False, timeout=180)["servers"] == {}


def test_stop_leaves_no_process_and_no_file(hub, scratch):
    root = hub.root
    hub.stop()
    assert hub.processes() == []
    assert not root.exists()
    ours = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if proc.pid != os.getpid() and proc.environ().get("TMPDIR") == str(scratch):
                ours.append(" ".join(proc.info["cmdline"] or []))
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    assert ours == []
    files = [p for p in scratch.rglob("*") if p.is_file() and p.suffix != ".lock"]
    assert files == []
