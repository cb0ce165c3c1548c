"""What a schema cannot see in the shipped configs: would they deploy, and with least privilege?

* the worker and scheduler Pods that dask-gateway's Kubernetes backend would create from
  ``helm/daskhub-values.yaml`` are rendered with dask-gateway-server's own code for the default,
  the minimum and the maximum of every option its handler accepts, then checked against the API
  server's rules (requests ≤ limits, valid quantities, strict schema of 1.35 and 1.37);
* the commands they start exist in the pinned distributed;
* every Pod the course ships meets Pod Security ``restricted``, mounts no service-account token,
  spills to a capped ``emptyDir`` and leaves memory headroom beside Dask's own limit;
* NetworkPolicies isolate the Dask Pods; every image is pinned;
* the checkov policy scanner finds nothing but the findings accepted with a reason.
"""

from __future__ import annotations

import ast
import copy
import json
import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from bdp import k8s

ROOT = Path(__file__).resolve().parents[1]
VALUES = k8s.load_values(k8s.GATEWAY_VALUES)
OPTIONS = k8s.gateway_config(VALUES).Backend.cluster_options
CASES = k8s.gateway_option_cases(OPTIONS)
CASE_IDS = ["defaults"] + [
    next(f"{key}={value}" for key, value in case.items() if value != CASES[0][key])
    for case in CASES[1:]
]
MANIFESTS = [obj for path in k8s.manifest_files() for obj in k8s.load_manifests(path)]


def _all_pods() -> list[tuple[str, dict, dict]]:
    """``(id, labels, PodSpec)`` of every Pod the course ships: k8s/ workloads (their templates),
    the generated DaskCluster's Pods and the gateway's rendered Pods for every option case."""
    pods = []
    for obj in MANIFESTS:
        for role, spec in k8s.pod_specs(obj):
            if obj["kind"] == "DaskCluster":
                labels = {"dask.org/cluster-name": obj["metadata"]["name"],
                          "dask.org/component": role}
            else:
                labels = obj["spec"]["template"]["metadata"].get("labels", {})
            pods.append((f"{k8s.object_name(obj)}:{role}", labels, spec))
    for name, pod in k8s.rendered_pods().items():
        if name.startswith("gateway-"):
            pods.append((name, pod["metadata"]["labels"], pod["spec"]))
    return pods


ALL_PODS = [pytest.param(labels, spec, id=pid) for pid, labels, spec in _all_pods()]


# --------------------------------------------------------------------------- the gateway's Pods


@pytest.mark.parametrize("version", k8s.K8S_VERSIONS)
@pytest.mark.parametrize("request_", CASES, ids=CASE_IDS)
def test_gateway_pods_pass_the_api_server_rules(request_: dict, version: str) -> None:
    """new_cluster(**request_) on the shipped DaskHub: the Pods the controller would send."""
    for role, pod in k8s.render_gateway_pods(VALUES, request_).items():
        assert k8s.api_problems(pod, version) == [], role


def test_option_cases_cover_min_default_and_max_of_every_option() -> None:
    fields = {f.field: f for f in OPTIONS.fields}
    assert set(fields) == {"worker_cores", "worker_memory"}
    for name, field in fields.items():
        seen = {case[name] for case in CASES}
        assert {field.min, field.max, field.get_default()} <= seen, name


@pytest.mark.parametrize("request_", CASES, ids=CASE_IDS)
def test_gateway_worker_gets_what_the_user_asked_for(request_: dict) -> None:
    worker = k8s.render_gateway_pods(VALUES, request_)["worker"]
    res = worker["spec"]["containers"][0]["resources"]
    cores, gib = request_["worker_cores"], request_["worker_memory"]
    for field in ("requests", "limits"):
        assert k8s.parse_quantity(res[field]["cpu"], "cpu") == cores
        assert k8s.parse_quantity(res[field]["memory"]) == int(gib * 2**30)
    assert k8s.qos_class(worker["spec"]) == "Guaranteed"  # QoS counts only CPU and memory


def test_the_handler_sets_limits_with_requests() -> None:
    """The fault of review F20-1: the handler raised only the requests."""
    from dask_gateway_server.models import User

    for case in CASES:
        out = OPTIONS.get_configuration(OPTIONS.parse_options(case), User("learner"))
        assert {"worker_cores", "worker_cores_limit", "worker_memory",
                "worker_memory_limit"} <= set(out), case


def test_requests_above_the_bounds_are_refused() -> None:
    for too_big in ({"worker_cores": 3}, {"worker_memory": 64}):
        with pytest.raises(ValueError, match="worker_"):
            k8s.render_gateway_pods(VALUES, too_big)


def test_gateway_commands_exist_in_the_pinned_distributed() -> None:
    """dask-gateway 2026.3.0's default `dask-scheduler`/`dask-worker` are gone (#945)."""
    settings = k8s.gateway_settings(VALUES)
    assert settings["scheduler_cmd"] == ["dask", "scheduler"]
    assert settings["worker_cmd"] == ["dask", "worker"]
    subcommands = {e.name for e in entry_points(group="dask_cli")}
    assert {"scheduler", "worker"} <= subcommands  # what `dask <sub>` dispatches to
    assert shutil.which("dask") is not None
    pods = k8s.render_gateway_pods(VALUES, {})
    for role in ("scheduler", "worker"):
        args = pods[role]["spec"]["containers"][0]["args"]
        assert args[:2] == ["dask", role], args
        assert not any(a in {"dask-scheduler", "dask-worker"} for a in args)
    scripts = {e.name for e in entry_points(group="console_scripts")}
    assert "dask-scheduler" not in scripts and "dask-worker" not in scripts


def test_gateway_images_hold_each_role() -> None:
    pods = k8s.render_gateway_pods(VALUES, {})
    for pod in pods.values():
        assert pod["spec"]["containers"][0]["image"] == k8s.pinned(k8s.COURSE_IMAGE)
    single = k8s.dig(VALUES, "jupyterhub.singleuser.image")
    assert f"{single['name']}:{single['tag']}" == k8s.pinned(k8s.NOTEBOOK_IMAGE)
    assert k8s.NOTEBOOK_IMAGE != k8s.COURSE_IMAGE


def test_scaling_is_capped_where_both_the_chart_and_the_local_run_read_it() -> None:
    settings = k8s.gateway_settings(VALUES)
    assert 1 <= settings["cluster_max_workers"] <= 10
    assert settings["idle_timeout"] > 0


ALLOWED_SECTIONS = {"Backend", "ClusterConfig", "KubeClusterConfig"}


@pytest.mark.parametrize("name", sorted(k8s.gateway_snippets(VALUES)))
def test_snippets_touch_only_backend_and_cluster_config(name: str) -> None:
    """The contract with the local gateway of chapter 20 (bdp.platform): the snippets are valid
    Python that sets only c.Backend.* / c.ClusterConfig.* (c.KubeClusterConfig.* is ignored by
    the local backend)."""
    tree = ast.parse(k8s.gateway_snippets(VALUES)[name])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "c":
                assert inner.attr in ALLOWED_SECTIONS, f"c.{inner.attr}.{node.attr}"
    from traitlets.config import Config

    c = Config()
    exec(compile(k8s.gateway_snippets(VALUES)[name], name, "exec"), {"c": c})  # noqa: S102


# --------------------------------------------------------------------------- Pod security


def test_the_namespace_enforces_restricted() -> None:
    ns = k8s.load_manifests(ROOT / "k8s/dask/namespace.yaml")[0]["metadata"]["labels"]
    for mode in ("enforce", "warn", "audit"):
        assert ns[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert ns["pod-security.kubernetes.io/enforce-version"] == "v1.35"


@pytest.mark.parametrize(("labels", "spec"), ALL_PODS)
def test_every_pod_meets_pod_security_restricted(labels: dict, spec: dict) -> None:
    assert k8s.restricted_problems(spec) == []


@pytest.mark.parametrize(("labels", "spec"), ALL_PODS)
def test_every_pod_has_no_token_and_a_read_only_root(labels: dict, spec: dict) -> None:
    assert k8s.least_privilege_problems(spec) == []


def test_the_restricted_checker_catches_each_rule() -> None:
    good = k8s.make_daskcluster()["spec"]["worker"]["spec"]
    assert k8s.restricted_problems(good) == []
    breakers = {
        "allowPrivilegeEscalation": lambda s: s["containers"][0]["securityContext"].pop(
            "allowPrivilegeEscalation"),
        "runAsNonRoot": lambda s: s["securityContext"].pop("runAsNonRoot"),
        "runAsUser 0": lambda s: s["containers"][0]["securityContext"].update(runAsUser=0),
        "seccompProfile": lambda s: s["securityContext"].pop("seccompProfile"),
        "drop ALL": lambda s: s["containers"][0]["securityContext"].pop("capabilities"),
        "adds capability SYS_ADMIN": lambda s: s["containers"][0]["securityContext"].update(
            capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        "privileged": lambda s: s["containers"][0]["securityContext"].update(privileged=True),
        "hostNetwork": lambda s: s.update(hostNetwork=True),
        "hostPath": lambda s: s["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        "hostPort": lambda s: s["containers"][0]["ports"][0].update(hostPort=8788),
    }
    for expected, breaker in breakers.items():
        spec = copy.deepcopy(good)
        breaker(spec)
        problems = k8s.restricted_problems(spec)
        assert any(expected in p for p in problems), (expected, problems)


# --------------------------------------------------------------------------- spill and memory


def _dask_workers() -> list[tuple[str, dict]]:
    """(id, Pod-like object) of every Dask worker the course ships."""
    out = [("k8s/dask/worker-deployment.yaml",
            k8s.load_manifests(ROOT / "k8s/dask/worker-deployment.yaml")[0]),
           ("k8s/daskcluster.yaml", k8s.as_pod("w", k8s.make_daskcluster()["spec"]["worker"]["spec"]))]
    for case_id, case in zip(CASE_IDS, CASES):
        out.append((f"gateway {case_id}", k8s.render_gateway_pods(VALUES, case)["worker"]))
    return out


@pytest.mark.parametrize(("name", "obj"), _dask_workers(), ids=[n for n, _ in _dask_workers()])
def test_workers_spill_to_a_capped_empty_dir(name: str, obj: dict) -> None:
    spec = k8s.pod_specs(obj)[0][1]
    container = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    spill = env.get("DASK_TEMPORARY_DIRECTORY")
    assert spill, "Dask's temporary (spill) directory is not set"
    mounts = {m["mountPath"].rstrip("/"): m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    volume = volumes[mounts[spill.rstrip("/")]]
    assert "emptyDir" in volume and volume["emptyDir"].get("sizeLimit")
    res = container["resources"]
    assert res["requests"]["ephemeral-storage"] and res["limits"]["ephemeral-storage"]
    assert k8s.parse_quantity(volume["emptyDir"]["sizeLimit"]) <= k8s.parse_quantity(
        res["limits"]["ephemeral-storage"])


@pytest.mark.parametrize(("name", "obj"), _dask_workers(), ids=[n for n, _ in _dask_workers()])
def test_workers_leave_memory_headroom_beside_dask(name: str, obj: dict) -> None:
    spec = k8s.pod_specs(obj)[0][1]
    limit = k8s.parse_quantity(spec["containers"][0]["resources"]["limits"]["memory"])
    headroom = k8s.memory_headroom(obj)
    assert headroom >= 0.2 * limit, f"{headroom / 2**20:.0f} MiB of {limit / 2**20:.0f} MiB"


# --------------------------------------------------------------------------- NetworkPolicy


def _selects(selector: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        value, op = labels.get(expr["key"]), expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and expr["key"] not in labels:
            return False
        if op == "DoesNotExist" and expr["key"] in labels:
            return False
    return True


POLICIES = [o for o in MANIFESTS if o["kind"] == "NetworkPolicy"]


def test_bdp_denies_by_default_and_allows_the_lab() -> None:
    by_name = {p["metadata"]["name"]: p["spec"] for p in POLICIES
               if p["metadata"]["namespace"] == "bdp"}
    deny = by_name["default-deny"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    same = by_name["allow-same-namespace"]
    assert same["ingress"] == [{"from": [{"podSelector": {}}]}]
    dns = by_name["allow-dns"]["egress"][0]
    assert {p["port"] for p in dns["ports"]} == {53}
    clients = by_name["allow-clients-to-schedulers"]["ingress"][0]["from"][0]
    assert clients["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "hub"}


@pytest.mark.parametrize(("labels", "spec"), ALL_PODS)
def test_every_pod_is_isolated_by_a_network_policy(labels: dict, spec: dict) -> None:
    namespaces = {"dask-gateway": "daskhub"}
    namespace = namespaces.get(labels.get("app.kubernetes.io/name"), "bdp")
    selecting = [p for p in POLICIES if p["metadata"]["namespace"] == namespace
                 and _selects(p["spec"]["podSelector"], labels)]
    types = {t for p in selecting for t in p["spec"]["policyTypes"]}
    assert {"Ingress", "Egress"} <= types, labels


# --------------------------------------------------------------------------- images


def test_every_image_reference_is_pinned() -> None:
    refs = k8s.image_references()
    assert len(refs) >= 8
    for path, ref in refs:
        assert k8s.image_problems(ref) == [], path


def test_pinning_writes_recorded_digests(tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    lock = tmp_path / "lock.json"
    lock.write_text(json.dumps({"images": {k8s.COURSE_IMAGE: digest}}))
    tree = tmp_path / "cfg"
    shutil.copytree(ROOT / "k8s/dask", tree / "k8s")
    shutil.copytree(ROOT / "helm", tree / "helm")
    changed = k8s.pin_images(lock, roots=(tree / "k8s", tree / "helm"))
    assert len(changed) >= 4
    pinned = {k8s.COURSE_IMAGE: digest}
    for root in (tree / "k8s", tree / "helm"):
        for path in k8s.manifest_files(root):
            for doc in k8s.load_manifests(path):
                for node in k8s.iter_dicts(doc):
                    image = node.get("image")
                    if isinstance(image, str) and "bdp-course/dask" in image:
                        assert image == f"{k8s.COURSE_IMAGE}@{digest}"
                        assert k8s.image_problems(image, pinned) == []
                    elif isinstance(image, dict) and "bdp-course/dask" in str(image):
                        assert image["tag"] == f"{k8s.IMAGE_VERSION}@{digest}"
    # an unpinned reference to a published image is a finding
    assert k8s.image_problems(k8s.COURSE_IMAGE, pinned)


# --------------------------------------------------------------------------- checkov


def test_policy_scanner_finds_nothing_unaccepted(tmp_path: Path) -> None:
    """checkov on k8s/ plus the Pods generated from helm/ (what can be rendered offline)."""
    if k8s.checkov_executable() is None:
        pytest.fail("checkov is not installed: python -m venv /opt/checkov-venv && "
                    "/opt/checkov-venv/bin/pip install -r requirements-scan.txt")
    # the manifests, not the kustomize files that assemble them (k8s.KUSTOMIZATION_NAMES)
    shutil.copytree(ROOT / "k8s", tmp_path / "k8s",
                    ignore=shutil.ignore_patterns(*k8s.KUSTOMIZATION_NAMES))
    k8s.write_rendered(tmp_path / "rendered")
    result = k8s.run_checkov(tmp_path)
    assert result["version"] == k8s.CHECKOV_VERSION
    assert result["failed"] == {}, result["failed"]
    assert set(result["skipped"]) <= set(k8s.ACCEPTED_FINDINGS), result["skipped"]
    assert result["summary"]["resource_count"] >= 30
