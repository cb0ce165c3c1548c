"""Kubernetes manifests, Helm values and the kind-lab workflow that ship with the book.

Everything here runs offline: manifests are validated against the OpenAPI schemas of
Kubernetes 1.35 and 1.37, the oldest and newest supported minors in November 2026
(kubernetes-validate, strict: unknown fields fail) and the Dask operator's CRD schemas shipped in
dask-kubernetes. tests/test_platform_configs.py checks what a schema cannot see.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from bdp import k8s

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_FILES = k8s.manifest_files(ROOT / "k8s")
ALL_OBJECTS = [
    pytest.param(obj, id=f"{path.relative_to(ROOT)}:{k8s.object_name(obj)}")
    for path in MANIFEST_FILES
    for obj in k8s.load_manifests(path)
]
WORKLOADS = [p for p in ALL_OBJECTS if k8s.pod_specs(p.values[0])]
HUB_VALUES = {
    "helm/jupyterhub-values.yaml": "",
    "helm/daskhub-values.yaml": "jupyterhub.",
}
WORKFLOW = ROOT / ".github/workflows/kind-lab.yml"


# --------------------------------------------------------------------------- manifests


def test_the_expected_manifests_exist() -> None:
    names = {str(p.relative_to(ROOT)) for p in MANIFEST_FILES}
    for expected in [
        "k8s/dask/namespace.yaml",
        "k8s/dask/scheduler-deployment.yaml",
        "k8s/dask/scheduler-service.yaml",
        "k8s/dask/worker-deployment.yaml",
        "k8s/dask/resourcequota.yaml",
        "k8s/dask/limitrange.yaml",
        "k8s/dask/networkpolicy.yaml",
        "k8s/daskhub/networkpolicy.yaml",
        "k8s/jobs/course-job.yaml",
        "k8s/rbac/role.yaml",
        "k8s/rbac/rolebinding.yaml",
        "k8s/rbac/serviceaccount.yaml",
        "k8s/daskcluster.yaml",
    ]:
        assert expected in names
    kinds = {obj.values[0]["kind"] for obj in ALL_OBJECTS}
    assert {"Deployment", "Service", "Job", "Role", "RoleBinding", "ServiceAccount",
            "ResourceQuota", "LimitRange", "ConfigMap", "Namespace", "DaskCluster",
            "NetworkPolicy"} <= kinds


def test_target_versions_are_supported_minors() -> None:
    assert k8s.K8S_VERSIONS == ("1.35.0", "1.37.0")  # 1.33 reached end of life on 2026-06-28


@pytest.mark.parametrize("version", ["1.35.0", "1.37.0"])
@pytest.mark.parametrize("obj", ALL_OBJECTS)
def test_every_manifest_validates_strictly(obj: dict, version: str) -> None:
    checked = k8s.validate(obj, version)
    if obj["apiVersion"].startswith("kubernetes.dask.org/"):
        assert "CRD schema" in checked
    else:
        assert version.rsplit(".", 1)[0] in checked and "strict" in checked


@pytest.mark.parametrize("obj", WORKLOADS)
def test_every_container_has_requests_and_limits(obj: dict) -> None:
    assert k8s.missing_resources(obj) == []


@pytest.mark.parametrize("obj", ALL_OBJECTS)
def test_no_wildcards_and_no_cluster_admin(obj: dict) -> None:
    assert k8s.rbac_problems(obj) == []
    assert obj["kind"] != "ClusterRoleBinding"


@pytest.mark.parametrize("obj", WORKLOADS)
def test_workloads_use_the_course_image_and_the_modern_cli(obj: dict) -> None:
    for _role, spec in k8s.pod_specs(obj):
        for container in spec["containers"]:
            assert container["image"] == k8s.pinned(k8s.COURSE_IMAGE)
            args = container.get("args") or []
            assert not any(a in {"dask-scheduler", "dask-worker"} for a in args)


def test_namespaced_objects_live_in_the_course_namespace() -> None:
    for param in ALL_OBJECTS:
        obj = param.values[0]
        if obj["kind"] in {"Namespace", "DaskCluster"}:
            continue  # cluster-scoped / applied with `kubectl apply -n bdp`
        expected = "daskhub" if "daskhub" in param.id else "bdp"  # k8s/daskhub/: DaskHub's
        assert obj["metadata"].get("namespace") == expected, k8s.object_name(obj)


def test_services_select_pods_that_exist() -> None:
    objs = [p.values[0] for p in ALL_OBJECTS]
    templates = [
        o["spec"]["template"]["metadata"]["labels"] for o in objs if o["kind"] == "Deployment"
    ]
    for svc in (o for o in objs if o["kind"] == "Service"):
        selector = svc["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in templates)
        named_ports = {
            p["name"]
            for o in objs
            if o["kind"] == "Deployment"
            for c in o["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
        }
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in named_ports


def test_quota_covers_the_whole_lab() -> None:
    quota = k8s.load_manifests(ROOT / "k8s/dask/resourcequota.yaml")[0]["spec"]["hard"]
    totals = {"requests.cpu": 0.0, "limits.cpu": 0.0, "requests.memory": 0.0, "limits.memory": 0.0}
    for param in WORKLOADS:
        obj = param.values[0]
        replicas = obj["spec"].get("replicas", 1) if obj["kind"] == "Deployment" else 1
        for role, spec in k8s.pod_specs(obj):
            n = obj["spec"]["worker"]["replicas"] if role == "worker" and obj["kind"] == "DaskCluster" else replicas
            for c in spec["containers"]:
                for field in ("requests", "limits"):
                    for res in ("cpu", "memory"):
                        totals[f"{field}.{res}"] += n * k8s.parse_quantity(c["resources"][field][res], res)
    for key, used in totals.items():
        assert used <= k8s.parse_quantity(quota[key], key.split(".")[1]), key


def test_qos_classes() -> None:
    def pod(*resources: dict) -> dict:
        return {"containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(resources)]}

    both = {"cpu": "1", "memory": "1Gi"}
    assert k8s.qos_class(pod({})) == "BestEffort"
    assert k8s.qos_class(pod({"limits": both})) == "Guaranteed"  # requests default to limits
    assert k8s.qos_class(pod({"requests": both, "limits": {"cpu": "1000m", "memory": "1024Mi"}})) == "Guaranteed"
    assert k8s.qos_class(pod({"requests": both})) == "Burstable"
    assert k8s.qos_class(pod({"limits": both}, {})) == "Burstable"
    assert k8s.qos_class(pod({"limits": {"cpu": "1"}})) == "Burstable"
    rows = {r.object: r.qos for r in k8s.resource_rows(MANIFEST_FILES)}
    assert rows["Deployment/dask-scheduler"] == "Guaranteed"
    assert rows["Deployment/dask-worker"] == "Burstable"


def test_parse_quantity() -> None:
    assert k8s.parse_quantity("250m", "cpu") == 0.25
    assert k8s.parse_quantity("2", "cpu") == 2
    assert k8s.parse_quantity("1Gi") == 2**30
    assert k8s.parse_quantity("1G") == 10**9
    with pytest.raises(ValueError):
        k8s.parse_quantity("1 GB")


# --------------------------------------------------------------------------- node-pressure eviction

MiB = 2**20


def _spec(request: str | None = None, limit: str | None = None) -> dict:
    """A one-container Pod spec with the given memory request/limit (and matching CPU)."""
    res: dict = {}
    if request:
        res["requests"] = {"cpu": "500m", "memory": request}
    if limit:
        res["limits"] = {"cpu": "500m", "memory": limit}
    return {"containers": [{"name": "main", "resources": res}]}


def test_pod_memory_request_follows_the_kubelet() -> None:
    assert k8s.pod_memory_request({"containers": [{"name": "c"}]}) == 0
    assert k8s.pod_memory_request(_spec(limit="1Gi")) == 2**30  # request defaults to limit
    two = {"containers": [_spec("768Mi")["containers"][0], _spec("256Mi")["containers"][0]]}
    assert k8s.pod_memory_request(two) == 1024 * MiB  # summed over app containers
    two["initContainers"] = [_spec("2Gi")["containers"][0]]
    assert k8s.pod_memory_request(two) == 2 * 2**30  # a larger init container wins


def test_eviction_order_uses_the_kubelets_three_keys_not_the_qos_class() -> None:
    guaranteed = k8s.PodMemory("sched", _spec("1Gi", "1Gi"), used=900 * MiB)
    over_a_lot = k8s.PodMemory("w0", _spec("768Mi", "1Gi"), used=1000 * MiB)  # +232 MiB
    over_a_bit = k8s.PodMemory("w1", _spec("768Mi", "1Gi"), used=800 * MiB)  # +32 MiB
    within = k8s.PodMemory("w2", _spec("768Mi", "1Gi"), used=700 * MiB)  # -68 MiB
    big_best_effort = k8s.PodMemory("debug", {"containers": [{"name": "sh"}]}, used=700 * MiB)
    pods = [guaranteed, within, over_a_bit, over_a_lot, big_best_effort]
    assert [p.qos for p in pods] == ["Guaranteed", "Burstable", "Burstable", "Burstable",
                                     "BestEffort"]
    order = [p.name for p in k8s.eviction_order(pods)]
    # BestEffort first, then Burstable above its request by excess, Guaranteed last
    assert order == ["debug", "w0", "w1", "w2", "sched"]
    # the class is not a key: a small BestEffort Pod goes after a Burstable one far above
    small_best_effort = k8s.PodMemory("debug", big_best_effort.spec, used=100 * MiB)
    order = [p.name for p in k8s.eviction_order([small_best_effort, over_a_lot, over_a_bit])]
    assert order == ["w0", "debug", "w1"]
    # priority comes second: among Pods above their requests, the lower priority goes first
    important = k8s.PodMemory("w0", over_a_lot.spec, over_a_lot.used, priority=1000)
    order = [p.name for p in k8s.eviction_order([important, over_a_bit, within])]
    assert order == ["w1", "w0", "w2"]
    # ... and never lifts a Pod above its request past one within it
    low_within = k8s.PodMemory("w2", within.spec, within.used, priority=-10)
    assert k8s.eviction_order([low_within, important])[0].name == "w0"
    assert over_a_lot.above_request == 232 * MiB and within.above_request == -68 * MiB
    assert not k8s.PodMemory("idle", {"containers": [{"name": "c"}]}, used=0).exceeds_request


def test_memory_pressure_evicts_until_the_threshold_holds() -> None:
    pods = [
        k8s.PodMemory("sched", _spec("1Gi", "1Gi"), used=900 * MiB),
        k8s.PodMemory("w0", _spec("768Mi", "1Gi"), used=900 * MiB),
        k8s.PodMemory("w1", _spec("768Mi", "1Gi"), used=820 * MiB),
        k8s.PodMemory("debug", {"containers": [{"name": "sh"}]}, used=700 * MiB),
    ]
    node = 4 * 2**30
    used = sum(p.used for p in pods)  # 3,320 MiB: 776 MiB available, no pressure
    assert k8s.memory_pressure_evictions(pods, node) == []
    assert [p.name for p in k8s.memory_pressure_evictions(pods, used + 99 * MiB)] == ["debug"]
    assert k8s.memory_pressure_evictions(pods, used + 100 * MiB) == []  # available == threshold
    squeezed = k8s.memory_pressure_evictions(pods, used - 650 * MiB)  # needs 750 MiB back
    assert [p.name for p in squeezed] == ["debug", "w0"]
    everything = k8s.memory_pressure_evictions(pods, 1, threshold=0)
    assert [p.name for p in everything] == ["debug", "w0", "w1", "sched"]
    assert k8s.EVICTION_HARD_MEMORY == 100 * MiB
    with pytest.raises(ValueError, match="capacity"):
        k8s.memory_pressure_evictions(pods, 0)
    with pytest.raises(ValueError, match="used"):
        k8s.PodMemory("bad", {}, used=-1)
    with pytest.raises(TypeError, match="priority"):
        k8s.PodMemory("bad", {}, used=1, priority=1.5)


# --------------------------------------------------------------------------- negative tests


def _worker() -> dict:
    return k8s.load_manifests(ROOT / "k8s/dask/worker-deployment.yaml")[0]


def test_unknown_field_is_rejected() -> None:
    bad = _worker()
    bad["spec"]["template"]["spec"]["containers"][0]["resource"] = {"limits": {"cpu": "1"}}
    with pytest.raises(k8s.ManifestError, match="resource"):
        k8s.validate(bad)


def test_wrong_type_is_rejected() -> None:
    bad = _worker()
    bad["spec"]["replicas"] = "two"
    with pytest.raises(k8s.ManifestError, match="replicas"):
        k8s.validate(bad)


def test_broken_file_is_rejected(tmp_path: Path) -> None:
    text = (ROOT / "k8s/dask/scheduler-service.yaml").read_text()
    broken = tmp_path / "svc.yaml"
    broken.write_text(text.replace("targetPort: tcp-comm", "targetPort: tcp-comm\n      portt: 1"))
    with pytest.raises(k8s.ManifestError, match="portt"):
        k8s.validate_file(broken)


def test_broken_daskcluster_is_rejected() -> None:
    bad = k8s.make_daskcluster()
    bad["spec"]["worker"]["replicas"] = "3"
    with pytest.raises(k8s.ManifestError, match="replicas"):
        k8s.validate(bad)
    bad = k8s.make_daskcluster()
    bad["spec"]["scheduler"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(k8s.ManifestError, match="imagePullPolicyy"):
        k8s.validate(bad)
    bad = k8s.make_daskcluster()
    del bad["spec"]["scheduler"]
    with pytest.raises(k8s.ManifestError, match="scheduler"):
        k8s.validate(bad)


def test_rbac_checker_catches_bad_roles() -> None:
    role = k8s.load_manifests(ROOT / "k8s/rbac/role.yaml")[0]
    wild = copy.deepcopy(role)
    wild["rules"][0]["verbs"] = ["*"]
    assert any("verbs" in p for p in k8s.rbac_problems(wild))
    admin = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "cluster-admin-binding"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "User", "name": "someone@example.org"}],
    }
    assert k8s.rbac_problems(admin) == ["ClusterRoleBinding/cluster-admin-binding: binds cluster-admin"]


def test_missing_resources_are_reported() -> None:
    bad = _worker()
    del bad["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    problems = k8s.missing_resources(bad)
    assert len(problems) == 2 and all("limits" in p for p in problems)


# --------------------------------------------------------------------------- DaskCluster


def test_committed_daskcluster_is_what_the_code_generates() -> None:
    assert k8s.DASKCLUSTER_PATH.read_text(encoding="utf-8") == k8s.daskcluster_yaml()


def test_daskcluster_comes_from_the_operator_library() -> None:
    from dask_kubernetes.operator import make_cluster_spec

    generated = k8s.make_daskcluster()
    raw = make_cluster_spec(name="bdp-dask", image=k8s.pinned(k8s.COURSE_IMAGE), n_workers=2)
    assert generated["apiVersion"] == raw["apiVersion"] == "kubernetes.dask.org/v1"
    assert generated["kind"] == "DaskCluster"
    assert generated["spec"]["worker"]["replicas"] == 2
    sched = generated["spec"]["scheduler"]["spec"]["containers"][0]
    assert sched["args"][:2] == ["dask", "scheduler"]
    assert generated["spec"]["scheduler"]["service"] == raw["spec"]["scheduler"]["service"]
    assert k8s.qos_class(generated["spec"]["worker"]["spec"]) == "Guaranteed"


# --------------------------------------------------------------------------- Helm values


@pytest.mark.parametrize("rel,prefix", HUB_VALUES.items())
def test_hub_values_have_a_real_authenticator(rel: str, prefix: str) -> None:
    values = k8s.load_values(ROOT / rel)
    auth = k8s.dig(values, prefix + "hub.config.JupyterHub.authenticator_class")
    assert isinstance(auth, str) and auth
    assert auth.lower() not in {"dummy", "null", "nullauthenticator", "none", "simple"}
    assert "dummy" not in auth.lower() and "dummyauthenticator" not in str(values).lower()
    # The OAuth client's credentials come from a Kubernetes Secret, never from the file.
    env = k8s.dig(values, prefix + "hub.extraEnv")
    for var in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        assert "secretKeyRef" in env[var]["valueFrom"]
    text = (ROOT / rel).read_text()
    assert not re.search(r"(client_secret|secretToken|apiToken)\s*:\s*\S", text)
    # Culling and per-user guarantees/limits.
    assert k8s.dig(values, prefix + "cull.enabled") is True
    assert k8s.dig(values, prefix + "cull.timeout") > 0
    for res in ("cpu", "memory"):
        assert k8s.dig(values, f"{prefix}singleuser.{res}.limit") is not None
        assert k8s.dig(values, f"{prefix}singleuser.{res}.guarantee") is not None
    assert k8s.dig(values, prefix + "hub.resources.limits.memory")


def test_daskhub_gateway_uses_jupyterhub_auth_and_bounded_workers() -> None:
    values = k8s.load_values(ROOT / "helm/daskhub-values.yaml")
    assert k8s.dig(values, "dask-gateway.gateway.auth.type") == "jupyterhub"
    for role in ("scheduler", "worker"):
        for res in ("cores", "memory"):
            assert k8s.dig(values, f"dask-gateway.gateway.backend.{role}.{res}.limit") is not None
    image = k8s.dig(values, "dask-gateway.gateway.backend.image")
    assert f"{image['name']}:{image['tag']}" == k8s.pinned(k8s.COURSE_IMAGE)
    single = k8s.dig(values, "jupyterhub.singleuser.image")
    assert f"{single['name']}:{single['tag']}" == k8s.pinned(k8s.NOTEBOOK_IMAGE)
    compile(k8s.dig(values, "dask-gateway.gateway.extraConfig.optionHandler"), "optionHandler", "exec")


def test_dask_chart_values_have_limits_and_no_open_notebook() -> None:
    values = k8s.load_values(ROOT / "helm/dask-values.yaml")
    for role in ("scheduler", "worker"):
        limits = k8s.dig(values, f"{role}.resources.limits")
        assert limits["cpu"] and limits["memory"]
        image = k8s.dig(values, f"{role}.image")
        assert f"{image['repository']}:{image['tag']}" == k8s.pinned(k8s.COURSE_IMAGE)
    assert k8s.dig(values, "jupyter.enabled") is False


def test_every_values_file_parses() -> None:
    files = sorted((ROOT / "helm").glob("*.yaml"))
    assert {f.name for f in files} >= {"jupyterhub-values.yaml", "daskhub-values.yaml", "dask-values.yaml"}
    for f in files:
        assert isinstance(k8s.load_values(f), dict) and k8s.load_values(f)


# --------------------------------------------------------------------------- the CI workflow


PINNED_USES = re.compile(r"\s*(?:-\s+)?uses:\s+([\w.-]+/[\w.-]+)@([0-9a-f]{40})  # (v\d+\.\d+\.\d+)")


def pinned_uses(path: Path) -> list[tuple[str, str, str]]:
    """(action, commit SHA, release tag) of every `uses:` of a workflow, in order.

    Each must name the full 40-hex commit (a tag can be moved to other code; a commit cannot),
    with the release tag it was read from as a trailing comment: `uses: o/a@<sha>  # vX.Y.Z`.
    """
    text = path.read_text(encoding="utf-8")
    wf = yaml.safe_load(text)
    refs = [s["uses"] for job in wf["jobs"].values() for s in job.get("steps", []) if "uses" in s]
    lines = [ln for ln in text.splitlines() if re.match(r"\s*(-\s+)?uses:", ln)]
    assert len(lines) == len(refs), path.name  # no `uses:` the line check would miss
    out = []
    for line, ref in zip(lines, refs):
        m = PINNED_USES.fullmatch(line)
        assert m, f"{path.name}: {line.strip()}"
        assert ref == f"{m[1]}@{m[2]}", (path.name, ref)
        out.append((m[1], m[2], m[3]))
    return out


def test_every_workflow_pins_actions_to_a_commit_with_its_tag() -> None:
    workflows = sorted((ROOT / ".github/workflows").glob("*.y*ml"))
    assert WORKFLOW in workflows
    tag_of: dict[tuple[str, str], str] = {}
    sha_of: dict[tuple[str, str], str] = {}
    for path in workflows:
        for action, sha, tag in pinned_uses(path):
            # One action: one commit per tag and one tag per commit, across all workflows.
            assert tag_of.setdefault((action, sha), tag) == tag, (path.name, action, sha)
            assert sha_of.setdefault((action, tag), sha) == sha, (path.name, action, tag)
    assert tag_of  # the workflows do use actions


def test_kind_workflow_parses_and_pins_actions() -> None:
    wf = yaml.safe_load(WORKFLOW.read_text())
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "workflow_dispatch" in triggers
    uses = [step["uses"] for job in wf["jobs"].values() for step in job["steps"] if "uses" in step]
    assert any(u.startswith("helm/kind-action@") for u in uses)
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert [f"{action}@{sha}" for action, sha, _ in pinned_uses(WORKFLOW)] == uses
    steps = "\n".join(s.get("run", "") for job in wf["jobs"].values() for s in job["steps"])
    for needle in ("kubectl apply -f k8s/", "rollout status", "wait --for=condition=complete",
                   "logs job/course-pi", "k8s/daskcluster.yaml", "tests/test_k8s.py",
                   "tests/test_platform_configs.py"):
        assert needle in steps
    # Every manifest directory the workflow applies exists.
    for path in re.findall(r"-f (k8s/[\w/.-]+)", steps):
        assert (ROOT / path).exists(), path


def test_kind_lab_runs_a_supported_kubernetes_with_current_kind() -> None:
    env = yaml.safe_load(WORKFLOW.read_text())["env"]
    kind = re.fullmatch(r"v0\.(\d+)\.\d+", env["KIND_VERSION"])
    assert kind and int(kind.group(1)) >= 33
    # pinned by digest, as kind's release notes require for a node image built for the release
    node = re.fullmatch(r"kindest/node:v1\.(\d+)\.(\d+)@sha256:[0-9a-f]{64}", env["NODE_IMAGE"])
    assert node and 35 <= int(node.group(1)) <= 37
    assert f"v1.{node.group(1)}" == "v" + k8s.K8S_TARGET_VERSION.rsplit(".", 1)[0]
    assert env["IMAGE"] == k8s.pinned(k8s.COURSE_IMAGE)


def test_kind_lab_runs_every_step_the_chapters_promise() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for job in ("kubernetes-basics", "dask-operator"):
        steps = "\n".join(s.get("run", "") for s in jobs[job]["steps"])
        # scale past the quota: refused at creation, seen as FailedCreate events
        assert "--replicas=20" in steps and "reason=FailedCreate" in steps
        assert "exceeded quota: bdp-quota" in steps
        # clean-up
        assert "kubectl delete namespace bdp" in steps and "kind delete cluster" in steps
    basics = "\n".join(s.get("run", "") for s in jobs["kubernetes-basics"]["steps"])
    assert "delete pod -l app.kubernetes.io/component=worker" in basics  # self-healing
    assert 'violates PodSecurity "restricted' in basics  # the namespace enforces restricted
    assert "dask-scheduler.bdp" in basics  # NetworkPolicy: outsiders cannot connect
    assert "auth can-i" in basics


# --------------------------------------------------------------------------- policy subset


def _library_worker() -> dict:
    """The worker Pod of dask-kubernetes' defaults (chapter 20's weak example)."""
    from dask_kubernetes.operator import make_cluster_spec

    spec = dict(k8s.pod_specs(make_cluster_spec(name="bdp-dask")))["worker"]
    return k8s.as_pod("library-worker", spec, namespace="default")


def test_policy_findings_of_the_library_defaults_and_the_course_worker() -> None:
    weak = k8s.policy_findings(_library_worker())
    assert {"CKV_K8S_14", "CKV_K8S_20", "CKV_K8S_21", "CKV_K8S_23", "CKV_K8S_38",
            "CKV_K8S_10", "CKV_K8S_13", "CKV_K8S_31"} <= set(weak)
    course = k8s.as_pod("w", dict(k8s.pod_specs(k8s.make_daskcluster()))["worker"])
    assert set(k8s.policy_findings(course)) == set(k8s.ACCEPTED_FINDINGS)
    assert set(k8s.policy_findings(course)) <= set(k8s.POLICY_CHECKS)


def test_policy_findings_reads_pod_level_settings_for_containers() -> None:
    pod = _library_worker()
    pod["spec"]["securityContext"] = {"runAsNonRoot": True, "runAsUser": 20000,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    found = k8s.policy_findings(pod)
    assert not {"CKV_K8S_23", "CKV_K8S_31", "CKV_K8S_29", "CKV_K8S_40"} & set(found)
    pod["spec"]["containers"][0]["securityContext"] = {"runAsUser": 1000}
    assert "CKV_K8S_40" in k8s.policy_findings(pod)  # the container overrides the Pod


def test_image_rules_of_the_policy_subset() -> None:
    pod = _library_worker()
    container = pod["spec"]["containers"][0]
    container["image"] = "ghcr.io/dask/dask:2026.8.0"
    found = set(k8s.policy_findings(pod))
    assert "CKV_K8S_14" not in found and {"CKV_K8S_15", "CKV_K8S_43"} <= found
    container["image"] += "@sha256:" + "ab" * 32
    found = set(k8s.policy_findings(pod))
    assert not {"CKV_K8S_14", "CKV_K8S_15", "CKV_K8S_43"} & found


def test_scan_pods_falls_back_to_the_subset_without_checkov(monkeypatch) -> None:
    monkeypatch.setattr(k8s, "checkov_executable", lambda: None)
    course = k8s.with_accepted_skips(
        k8s.as_pod("w", dict(k8s.pod_specs(k8s.make_daskcluster()))["worker"]))
    scan = k8s.scan_pods({"weak.yaml": _library_worker(), "course.yaml": course})
    assert "pure-Python" in scan.scanner and "not installed" in scan.scanner
    weak = "Pod.default.library-worker"
    assert scan.count(weak) == len(k8s.policy_findings(_library_worker()))
    assert scan.count("Pod.bdp.w") == 0
    assert scan.count("Pod.bdp.w", "skipped") == len(k8s.ACCEPTED_FINDINGS)
    assert all(r["reason"] for r in scan.rows if r["status"] == "skipped")


@pytest.mark.skipif(k8s.checkov_executable() is None, reason="checkov is not installed")
def test_the_subset_agrees_with_checkov(monkeypatch, tmp_path) -> None:
    scratch = tmp_path / "tmp"  # the chapter's TMPDIR: a scan must leave nothing in it
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    pods = {"weak.yaml": _library_worker(),
            "course.yaml": k8s.with_accepted_skips(
                k8s.as_pod("w", dict(k8s.pod_specs(k8s.make_daskcluster()))["worker"]))}
    scan = k8s.scan_pods(pods)
    assert scan.scanner == f"checkov {k8s.CHECKOV_VERSION}"
    for pod in pods.values():
        resource = f"Pod.{pod['metadata']['namespace']}.{pod['metadata']['name']}"
        seen = {r["check_id"] for r in scan.rows if r["resource"] == resource}
        assert set(k8s.policy_findings(pod)) == seen & set(k8s.POLICY_CHECKS), resource
    assert not list(scratch.rglob("*")), "checkov left files in TMPDIR (lark's grammar cache)"


# --------------------------------------------------------------------------- GKE overlays

OVERLAYS = [k8s.GKE_OVERLAY, k8s.GKE_JOB_OVERLAY]
BASES = {"k8s/dask": "k8s/overlays/gke", "k8s/rbac": "k8s/overlays/gke",
         "k8s/jobs": "k8s/overlays/gke-job"}
COURSE_NAME = k8s.split_image(k8s.COURSE_IMAGE)[0]
GKE_NAME = "REGION-docker.pkg.dev/PROJECT/REPOSITORY/dask"  # the chapter's sed fills it in


def kustomize_command() -> list[str] | None:
    """A real kustomize: the standalone binary, or the one built into kubectl (offline)."""
    import shutil

    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def real_build(folder: Path) -> list[dict]:
    import subprocess

    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed (the kit's model is tested above)")
    out = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def keyed(objects: list[dict]) -> dict[tuple, dict]:
    return {(o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
            for o in objects}


def differences(a, b, path: str = "") -> list[tuple[str, object, object]]:
    """Every leaf where two nested structures differ: ``(path, a value, b value)``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, a, b)]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_is_a_valid_kustomization(overlay: Path) -> None:
    path = k8s.kustomization_file(overlay)
    assert path.name == "kustomization.yaml"
    spec = yaml.safe_load(path.read_text())
    assert spec["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert spec["kind"] == "Kustomization"
    assert set(spec) <= k8s.KUSTOMIZE_FIELDS
    assert spec["resources"]
    for entry in spec["resources"]:
        base = (overlay / entry).resolve()
        assert base.is_dir(), entry  # a base folder: kustomize refuses files outside the overlay
        assert k8s.kustomization_file(base).name == "Kustomization"
    # One override: the course image, to the placeholder path the chapter fills in, same tag.
    assert spec["images"] == [{"name": COURSE_NAME, "newName": GKE_NAME,
                               "newTag": k8s.IMAGE_VERSION}]


@pytest.mark.parametrize("folder", sorted(BASES))
def test_base_lists_every_manifest_of_its_folder(folder: str) -> None:
    base = ROOT / folder
    path = k8s.kustomization_file(base)
    # No .yaml/.yml/.json suffix: `kubectl apply -f k8s/dask/` (chapter 12's kind lab and
    # .github/workflows/kind-lab.yml) reads only such files of a folder, so it skips this one.
    assert path.suffix == "" and path.name == "Kustomization"
    spec = yaml.safe_load(path.read_text())
    assert set(spec) <= k8s.KUSTOMIZE_FIELDS and "images" not in spec
    listed = sorted(spec["resources"])
    assert listed == sorted(p.name for p in k8s.manifest_files(base)), (
        f"{folder}/Kustomization must list every manifest of the folder, or GKE misses it")
    overlay = yaml.safe_load((ROOT / BASES[folder] / "kustomization.yaml").read_text())
    assert f"../../{base.name}" in overlay["resources"]


def test_kustomize_files_are_not_manifests() -> None:
    names = {p.name for p in MANIFEST_FILES}
    assert not names & set(k8s.KUSTOMIZATION_NAMES)
    assert (ROOT / "k8s/overlays/gke/kustomization.yaml").is_file()


def test_kind_path_is_unchanged() -> None:
    """The kind lab applies folders with -f, never -k: the same files as before the overlays."""
    steps = "\n".join(s.get("run", "") for job in yaml.safe_load(WORKFLOW.read_text())["jobs"]
                      .values() for s in job["steps"])
    assert "kubectl apply -f k8s/dask/" in steps and "kubectl apply -f k8s/rbac/" in steps
    assert "apply -k" not in steps


def test_split_image_and_kustomize_image_rules() -> None:
    assert k8s.split_image("localhost:5000/dask") == ("localhost:5000/dask", "", "")
    assert k8s.split_image("ghcr.io/a/b:1@sha256:ab") == ("ghcr.io/a/b", "1", "sha256:ab")
    entry = {"name": COURSE_NAME, "newName": "r/dask", "newTag": "7"}
    assert k8s.kustomize_image(f"{k8s.COURSE_IMAGE}@sha256:ab", entry) == "r/dask:7"
    assert k8s.kustomize_image(COURSE_NAME, entry) == "r/dask:7"
    for other in (k8s.NOTEBOOK_IMAGE, f"{COURSE_NAME}-gateway:1", "docker.io/" + COURSE_NAME):
        assert k8s.kustomize_image(other, entry) is None
    assert k8s.kustomize_image(k8s.COURSE_IMAGE, {"name": COURSE_NAME, "digest": "sha256:cd"}) \
        == f"{COURSE_NAME}@sha256:cd"
    assert k8s.kustomize_image(k8s.COURSE_IMAGE, {"name": COURSE_NAME, "newName": "x"}) \
        == "x:" + k8s.IMAGE_VERSION


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_replaces_exactly_the_course_image(overlay: Path) -> None:
    spec = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    base = [o for entry in spec["resources"]
            for o in k8s.kustomize_build((overlay / entry).resolve())]
    built = k8s.kustomize_build(overlay)
    assert len(built) == len(base)
    changed = [d for a, b in zip(base, built) for d in differences(a, b)]
    uses_course_image = [c["image"] for obj in base for node in k8s.iter_dicts(obj)
                         for key in ("containers", "initContainers") for c in node.get(key) or []
                         if k8s.split_image(c["image"])[0] == COURSE_NAME]
    assert uses_course_image, "the base has containers of the course image"
    assert len(changed) == len(uses_course_image)
    for path, before, after in changed:
        assert re.search(r"/(containers|initContainers)\[\d+\]/image$", path), path
        assert k8s.split_image(before)[0] == COURSE_NAME
        assert after == f"{GKE_NAME}:{k8s.IMAGE_VERSION}"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_kit_model_agrees_with_a_real_kustomize_build(overlay: Path) -> None:
    real = keyed(real_build(overlay))
    assert real == keyed(k8s.kustomize_build(overlay))


def test_kit_model_agrees_with_kustomize_on_tricky_references(tmp_path: Path) -> None:
    """Digests, init containers, look-alike names: the same answer as the real tool."""
    images = [f"{k8s.COURSE_IMAGE}@sha256:{'ab' * 32}", COURSE_NAME, f"{COURSE_NAME}-gateway:1",
              k8s.NOTEBOOK_IMAGE, "docker.io/" + k8s.COURSE_IMAGE, "busybox"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "bdp"},
           "spec": {"initContainers": [{"name": "i0", "image": images[0]}],
                    "containers": [{"name": f"c{i}", "image": ref}
                                   for i, ref in enumerate(images[1:], 1)]}}
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "cj", "namespace": "bdp"},
               "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                   "restartPolicy": "Never",
                   "containers": [{"name": "c", "image": k8s.COURSE_IMAGE}]}}}}}}
    (tmp_path / "base").mkdir()
    (tmp_path / "base/objects.yaml").write_text(yaml.safe_dump_all([pod, cronjob]))
    (tmp_path / "base/Kustomization").write_text("resources: [objects.yaml]\n")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay/kustomization.yaml").write_text(
        (k8s.GKE_OVERLAY / "kustomization.yaml").read_text()
        .replace("../../dask", "../base").replace("  - ../../rbac\n", ""))
    model = k8s.kustomize_build(tmp_path / "overlay")
    new = f"{GKE_NAME}:{k8s.IMAGE_VERSION}"
    got = [c["image"] for c in model[0]["spec"]["initContainers"] + model[0]["spec"]["containers"]]
    assert got == [new, new, *images[2:]]
    assert model[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0][
        "image"] == new
    assert keyed(real_build(tmp_path / "overlay")) == keyed(model)


def test_kit_model_refuses_what_kustomize_refuses(tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o/kustomization.yaml").write_text(
        "resources: [../k8s/dask/namespace.yaml]\n")
    (tmp_path / "k8s/dask").mkdir(parents=True)
    (tmp_path / "k8s/dask/namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\n")
    with pytest.raises(k8s.ManifestError, match="outside"):
        k8s.kustomize_build(tmp_path / "o")
    (tmp_path / "o/kustomization.yaml").write_text("resources: []\nnamePrefix: x-\n")
    with pytest.raises(k8s.ManifestError, match="not modelled"):
        k8s.kustomize_build(tmp_path / "o")


def test_overlay_output_is_valid_and_keeps_the_qos_classes() -> None:
    built = k8s.kustomize_build(k8s.GKE_OVERLAY) + k8s.kustomize_build(k8s.GKE_JOB_OVERLAY)
    kind_objects = {k8s.object_name(o): o for p in MANIFEST_FILES for o in k8s.load_manifests(p)}
    for obj in built:
        k8s.validate(obj)
        for (_, spec), (_, kind_spec) in zip(k8s.pod_specs(obj),
                                             k8s.pod_specs(kind_objects[k8s.object_name(obj)])):
            assert k8s.qos_class(spec) == k8s.qos_class(kind_spec)
            assert k8s.restricted_problems(spec) == []


def test_the_workflow_renders_both_charts_at_the_pinned_versions() -> None:
    """The helm-charts job renders DaskHub at the commit helm/daskhub-values.yaml pins and z2jh
    at the version helm/jupyterhub-values.yaml names, each with the course's own values file."""
    import re

    import yaml

    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["helm-charts"]
    env = job["env"]
    daskhub = (ROOT / "helm/daskhub-values.yaml").read_text()
    assert f"checkout {env['DASKHUB_COMMIT']}" in daskhub
    assert re.search(rf"\b{re.escape(env['Z2JH_VERSION'])}\b",
                     (ROOT / "helm/jupyterhub-values.yaml").read_text())
    script = "\n".join(step.get("run", "") for step in job["steps"])
    for values in HUB_VALUES:
        assert "helm lint --strict" in script and f"--values {values}" in script
    assert script.count("helm template") == 2
