"""Kubernetes manifests of the course, checked offline.

The Kubernetes and platform chapters ship real manifests (``k8s/``) and Helm values (``helm/``).
No cluster is available when the book is built, so this module checks them the way an API server
would check their *shape*:

* :func:`validate` checks a built-in object (Deployment, Service, Job, Role...) against the
  OpenAPI schema of a given Kubernetes version with ``kubernetes-validate`` in strict mode
  (unknown fields are errors), and a ``kubernetes.dask.org`` custom resource (``DaskCluster``...)
  against the CRD schema shipped inside the installed ``dask-kubernetes`` package, made strict
  the same way.
* :func:`qos_class` computes the QoS class the kubelet would give a Pod, :func:`resource_rows`
  tabulates requests, limits and QoS of every container in a set of manifests.
* :func:`rbac_problems` flags the classic privilege mistakes (wildcards, ``cluster-admin``).
* :func:`make_daskcluster` generates the course's ``DaskCluster`` with the Dask operator's own
  :func:`dask_kubernetes.operator.make_cluster_spec`; :func:`daskcluster_yaml` renders it as the
  text committed in ``k8s/daskcluster.yaml`` (a test checks the two agree).

A schema cannot see whether a config would *deploy*, so the module also checks what the API
server and its admission would decide:

* :func:`render_gateway_pods` builds, with dask-gateway-server's own code, the scheduler and worker
  Pods that the gateway's Kubernetes backend would create from ``helm/daskhub-values.yaml`` for a
  ``new_cluster(**options)`` call; :func:`api_problems` applies the API server's rules to them
  (strict schema, valid quantities, requests ≤ limits);
* :func:`restricted_problems` checks a PodSpec against the Pod Security Standard ``restricted``,
  :func:`least_privilege_problems` against the course's extra rules (no token, read-only root);
* :func:`image_problems` rejects unpinned images, :func:`pin_images` writes published digests;
* :func:`run_checkov` runs the checkov policy scanner on manifests and on :func:`rendered_pods`.
* :func:`kustomize_build` models the subset of ``kustomize build`` that the GKE overlays
  (``k8s/overlays/``) use: bases and the ``images`` override (:func:`apply_images`); the
  tests compare it with a real ``kubectl kustomize`` where one is installed.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
K8S_DIR = REPO_ROOT / "k8s"
HELM_DIR = REPO_ROOT / "helm"
DASKCLUSTER_PATH = K8S_DIR / "daskcluster.yaml"

#: Oldest supported Kubernetes minor the manifests must be valid for (as of November 2026 the
#: supported minors are 1.35-1.37; 1.33 reached end of life on 2026-06-28).
K8S_VERSION = "1.35.0"
#: The minor the kind lab runs (kind v0.33's default node image) and the newest schema checked.
K8S_TARGET_VERSION = "1.37.0"
#: Every version :func:`validate` is run against by the tests.
K8S_VERSIONS = (K8S_VERSION, K8S_TARGET_VERSION)
#: Where the workflow ``.github/workflows/images.yml`` publishes the course images.
IMAGE_REGISTRY = "ghcr.io/bdp-course"
#: The images' version: the distributed release they carry. A published version is never
#: overwritten (the workflow refuses to), and ``docker/images.lock.json`` records its digest.
IMAGE_VERSION = "2026.8.0"
#: Scheduler and worker image (``docker/dask/Dockerfile``, target ``dask``): distributed and
#: dask-gateway (its scheduler preload), nothing for notebooks.
COURSE_IMAGE = f"{IMAGE_REGISTRY}/dask:{IMAGE_VERSION}"
DASK_IMAGE = COURSE_IMAGE
#: Notebook-server image (``docker/dask/Dockerfile``, target ``notebook``): JupyterLab, the
#: ``jupyterhub-singleuser`` command, the dask-gateway client and the course stack.
NOTEBOOK_IMAGE = f"{IMAGE_REGISTRY}/notebook:{IMAGE_VERSION}"
#: The unprivileged user of both images (``docker/dask/Dockerfile``).
IMAGE_UID = 1000
#: Digests of the published images (``null`` until the image workflow has published them).
IMAGES_LOCK = REPO_ROOT / "docker" / "images.lock.json"
DASK_CRD_GROUP = "kubernetes.dask.org"
#: The file names kustomize reads in a folder (sigs.k8s.io/kustomize, ``konfig``). The bases
#: ``k8s/dask``, ``k8s/rbac`` and ``k8s/jobs`` use ``Kustomization``, which ``kubectl apply -f
#: FOLDER`` skips (it reads only ``.yaml``, ``.yml`` and ``.json`` files of a folder).
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: The overlays that run the course's manifests on GKE Autopilot (chapter 12).
GKE_OVERLAY = K8S_DIR / "overlays" / "gke"
GKE_JOB_OVERLAY = K8S_DIR / "overlays" / "gke-job"

Manifest = dict[str, Any]


class ManifestError(ValueError):
    """A manifest does not match its schema; the message names the object, the field and why."""


# --------------------------------------------------------------------------- loading


def load_manifests(path: str | Path) -> list[Manifest]:
    """All objects of a (possibly multi-document) YAML file, empty documents skipped."""
    with open(path, encoding="utf-8") as handle:
        docs = list(yaml.safe_load_all(handle))
    out: list[Manifest] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ManifestError(f"{path}: a document is a {type(doc).__name__}, not a mapping")
        out.append(doc)
    return out


def manifest_files(root: str | Path = K8S_DIR) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file under ``root``, sorted: the Kubernetes objects, not the
    kustomize files that assemble them (:data:`KUSTOMIZATION_NAMES`)."""
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file()
                  and p.name not in KUSTOMIZATION_NAMES)


def object_name(obj: Mapping[str, Any]) -> str:
    """``Kind/name`` of an object, for messages and tables."""
    return f"{obj.get('kind', '?')}/{obj.get('metadata', {}).get('name', '?')}"


# --------------------------------------------------------------------------- validation


def _strict_crd_schema(node: Any) -> Any:
    """Translate a CRD's OpenAPI v3 schema into a strict JSON schema.

    The API server prunes fields a structural CRD schema does not declare; a linter should
    reject them instead, so every object with ``properties`` and no ``additionalProperties`` (and
    no ``x-kubernetes-preserve-unknown-fields``) gets ``additionalProperties: false``.
    ``x-kubernetes-int-or-string`` and ``nullable`` are turned into JSON-schema types.
    """
    if isinstance(node, list):
        return [_strict_crd_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict_crd_schema(value) for key, value in node.items()}
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the CRDs are ~1 MB of YAML


@functools.cache
def dask_crd_paths() -> dict[str, Path]:
    """``{Kind: path}`` of the CRDs shipped inside the installed ``dask-kubernetes`` package.

    The Helm chart folder of the package holds the fully expanded CRDs (the ones
    ``helm install dask-kubernetes-operator`` applies).
    """
    import importlib.util

    spec = importlib.util.find_spec("dask_kubernetes")  # locate, don't import (kopf, clients...)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("dask-kubernetes is not installed: pip install dask-kubernetes")
    crd_dir = (
        Path(next(iter(spec.submodule_search_locations)))
        / "operator/deployment/helm/dask-kubernetes-operator/crds"
    )
    paths: dict[str, Path] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        # Read only the head of each file: the kind is declared before the (long) schema.
        head = path.read_text(encoding="utf-8")[:2000]
        match = re.search(r"^\s+kind:\s*(\w+)\s*$", head, flags=re.MULTILINE)
        if match:
            paths[match.group(1)] = path
    if not paths:
        raise FileNotFoundError(f"no CRD found in {crd_dir}")
    return paths


@functools.cache
def crd_schema(kind: str, version: str = "v1") -> dict[str, Any]:
    """Strict JSON schema of the Dask operator custom resource ``kind`` (e.g. ``DaskCluster``)."""
    paths = dask_crd_paths()
    if kind not in paths:
        raise ManifestError(f"no CRD for kind {kind!r} in dask-kubernetes (known: {sorted(paths)})")
    crd = yaml.load(paths[kind].read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version:
            schema = _strict_crd_schema(entry["schema"]["openAPIV3Schema"])
            break
    else:
        raise ManifestError(f"CRD {kind} has no version {version!r}")
    # Every Kubernetes object also carries apiVersion, kind and metadata.
    schema["properties"].update(
        {
            "apiVersion": {"type": "string", "const": f"{DASK_CRD_GROUP}/{version}"},
            "kind": {"type": "string", "const": kind},
            "metadata": {"type": "object"},
        }
    )
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return schema


def validate(obj: Mapping[str, Any], k8s_version: str = K8S_VERSION, strict: bool = True) -> str:
    """Validate one object; return what it was checked against, raise :class:`ManifestError`.

    Built-in kinds go through ``kubernetes-validate`` (the published OpenAPI schemas of
    ``k8s_version``; ``strict`` rejects unknown fields). ``kubernetes.dask.org`` objects go
    through the strict CRD schema of the installed Dask operator (:func:`crd_schema`).
    """
    import jsonschema
    import kubernetes_validate

    if not isinstance(obj, Mapping) or "apiVersion" not in obj or "kind" not in obj:
        raise ManifestError("not a Kubernetes object: apiVersion and kind are required")
    obj = json.loads(json.dumps(obj))  # plain JSON types (YAML may hold dates, tuples...)
    api_version = str(obj["apiVersion"])
    if api_version.startswith(DASK_CRD_GROUP + "/"):
        version = api_version.split("/", 1)[1]
        schema = crd_schema(obj["kind"], version)
        errors = sorted(
            jsonschema.Draft202012Validator(schema).iter_errors(obj), key=lambda e: e.json_path
        )
        if errors:
            first = errors[0]
            raise ManifestError(f"{object_name(obj)}: {first.json_path}: {first.message}")
        return f"CRD schema {obj['kind']}.{DASK_CRD_GROUP}/{version} (dask-kubernetes)"
    try:
        checked = kubernetes_validate.validate(obj, k8s_version, strict=strict)
    except kubernetes_validate.ValidationError as exc:
        cause = exc.caused_by if hasattr(exc, "caused_by") else exc
        path = getattr(cause, "json_path", "$")
        message = getattr(cause, "message", str(exc).splitlines()[0])
        raise ManifestError(f"{object_name(obj)}: {path}: {message}") from None
    except kubernetes_validate.SchemaNotFoundError as exc:
        raise ManifestError(f"{object_name(obj)}: {exc}") from None
    return f"Kubernetes {checked} OpenAPI schema" + (" (strict)" if strict else "")


def validate_file(path: str | Path, k8s_version: str = K8S_VERSION) -> list[tuple[str, str]]:
    """Validate every object of a file; ``[(Kind/name, checked against), ...]``."""
    return [(object_name(obj), validate(obj, k8s_version)) for obj in load_manifests(path)]


# --------------------------------------------------------------------------- resources and QoS

_SUFFIX = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0,
    "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60,
}  # fmt: skip
# The quantity grammar of k8s.io/apimachinery (resource.Quantity): a signed decimal number, then
# a binary-SI suffix, a decimal-SI suffix or a decimal exponent (e.g. "1e3").
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))")


def parse_quantity(value: str | int | float, resource: str = "memory") -> float:
    """A Kubernetes quantity as a number: CPU in cores (``"250m"`` → 0.25), memory in bytes.

    Follows the API server's grammar (``"1Gi"``, ``"1G"``, ``"2.000"``, ``"1e3"``, ``"250m"``);
    anything else (``"1 GB"``, ``"2GB"``, ``"1.2.3"``) raises :class:`ValueError`, as the API
    server would refuse it. ``resource`` is kept for readability of calls; the grammar is the same
    for every resource.
    """
    del resource  # one grammar for all resources
    text = str(value).strip()
    match = _QUANTITY.fullmatch(text)
    if not match or (match.group(3) or "") not in _SUFFIX:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    number = float(match.group(1))
    if match.group(2):
        return number * 10 ** int(match.group(2)[1:])
    return number * _SUFFIX[match.group(3) or ""]


def pod_specs(obj: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``[(role, PodSpec)]`` of the Pods an object creates (empty for non-workload kinds)."""
    kind = obj.get("kind")
    spec = obj.get("spec", {}) or {}
    if kind == "Pod":
        return [("pod", spec)]
    if kind in {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"}:
        return [("pod", spec["template"]["spec"])]
    if kind == "CronJob":
        return [("pod", spec["jobTemplate"]["spec"]["template"]["spec"])]
    if kind == "DaskCluster":
        return [("scheduler", spec["scheduler"]["spec"]), ("worker", spec["worker"]["spec"])]
    if kind == "DaskWorkerGroup":
        return [("worker", spec["worker"]["spec"])]
    return []


def _all_containers(pod_spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec.get("initContainers") or []) + list(pod_spec.get("containers") or [])


def _effective(container: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Requests and limits as the API server stores them: a missing request defaults to the limit."""
    res = container.get("resources") or {}
    limits = dict(res.get("limits") or {})
    requests = dict(res.get("requests") or {})
    for name, value in limits.items():
        requests.setdefault(name, value)
    return requests, limits


def qos_class(pod_spec: Mapping[str, Any]) -> str:
    """The QoS class Kubernetes assigns to a Pod with this spec.

    * ``Guaranteed``: every container has CPU and memory limits, and requests equal to them;
    * ``BestEffort``: no container has any CPU or memory request or limit;
    * ``Burstable``: anything in between.
    """
    containers = _all_containers(pod_spec)
    seen_any = False
    guaranteed = bool(containers)
    for container in containers:
        requests, limits = _effective(container)
        for resource in ("cpu", "memory"):
            if resource in requests or resource in limits:
                seen_any = True
            if resource not in limits:
                guaranteed = False
            elif parse_quantity(requests[resource], resource) != parse_quantity(
                limits[resource], resource
            ):
                guaranteed = False
    if not seen_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


@dataclass(frozen=True)
class ContainerRow:
    """One container of a workload, with what it asks for and what it may use."""

    file: str
    object: str
    role: str
    container: str
    image: str
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    qos: str


def resource_rows(files: Iterable[str | Path], root: str | Path = REPO_ROOT) -> list[ContainerRow]:
    """One :class:`ContainerRow` per container of every workload in ``files``."""
    rows: list[ContainerRow] = []
    for path in files:
        rel = str(Path(path).resolve().relative_to(Path(root).resolve()))
        for obj in load_manifests(path):
            for role, spec in pod_specs(obj):
                qos = qos_class(spec)
                for container in _all_containers(spec):
                    requests, limits = _effective(container)
                    rows.append(
                        ContainerRow(
                            file=rel,
                            object=object_name(obj),
                            role=role,
                            container=container.get("name", "?"),
                            image=container.get("image", "?"),
                            cpu_request=str(requests.get("cpu", "—")),
                            cpu_limit=str(limits.get("cpu", "—")),
                            memory_request=str(requests.get("memory", "—")),
                            memory_limit=str(limits.get("memory", "—")),
                            qos=qos,
                        )
                    )
    return rows


def missing_resources(obj: Mapping[str, Any]) -> list[str]:
    """Containers of ``obj`` lacking a CPU or memory request or limit (``[]`` when all set)."""
    problems = []
    for role, spec in pod_specs(obj):
        for container in _all_containers(spec):
            res = container.get("resources") or {}
            for field in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (res.get(field) or {}):
                        problems.append(
                            f"{object_name(obj)} {role} container {container.get('name')!r}: "
                            f"no {field}.{resource}"
                        )
    return problems


# --------------------------------------------------------------------------- node-pressure eviction

EVICTION_HARD_MEMORY = 100 * 2**20
"""The kubelet's default hard eviction threshold for memory, ``memory.available<100Mi``."""


def pod_memory_request(pod_spec: Mapping[str, Any]) -> float:
    """Bytes of memory a Pod requests, the amount the kubelet compares with its usage.

    The sum over the app containers (a missing request defaults to the limit; neither counts 0),
    or the largest init container's request when that is larger, since init containers run one
    at a time before the others. Pod overhead and sidecar init containers, which the kubelet
    also counts, are left out.
    """

    def request(container: Mapping[str, Any]) -> float:
        requests, _ = _effective(container)
        return parse_quantity(requests["memory"], "memory") if "memory" in requests else 0.0

    app = sum(request(c) for c in pod_spec.get("containers") or [])
    init = max((request(c) for c in pod_spec.get("initContainers") or []), default=0.0)
    return max(app, init)


@dataclass(frozen=True)
class PodMemory:
    """A running Pod as the kubelet's eviction manager sees it: spec, memory used, priority.

    ``used`` is the Pod's working set in bytes; ``priority`` the integer of its PriorityClass
    (0 when it names none).
    """

    name: str
    spec: Mapping[str, Any]
    used: float
    priority: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.used, bool) or not isinstance(self.used, (int, float)) or not self.used >= 0:
            raise ValueError(f"{self.name}: used={self.used!r} must be a number of bytes >= 0")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise TypeError(f"{self.name}: priority={self.priority!r} must be an integer")

    @property
    def request(self) -> float:
        """Bytes of memory requested (:func:`pod_memory_request`)."""
        return pod_memory_request(self.spec)

    @property
    def above_request(self) -> float:
        """Bytes used above the request (negative when the Pod stays below it)."""
        return float(self.used) - self.request

    @property
    def exceeds_request(self) -> bool:
        return self.used > self.request

    @property
    def qos(self) -> str:
        """The Pod's QoS class (:func:`qos_class`)."""
        return qos_class(self.spec)


def eviction_order(pods: Iterable[PodMemory]) -> list[PodMemory]:
    """The Pods in the order the kubelet evicts them under memory pressure, first to go first.

    The kubelet ranks by three keys in turn (``rankMemoryPressure`` in
    ``pkg/kubelet/eviction/helpers.go``; the "Node-pressure Eviction" page of the Kubernetes
    documentation lists the same three):

    1. Pods whose usage exceeds their request before Pods within it;
    2. then lower priority first;
    3. then more memory used above the request first.

    The QoS class is not a key, but it predicts the order: a BestEffort Pod requests nothing, so
    any memory it uses is above its request, and a Guaranteed Pod cannot exceed its request (its
    limit, which the kernel enforces, equals it). Pods equal on all three keys keep their input
    order.
    """
    return sorted(pods, key=lambda p: (not p.exceeds_request, p.priority, -p.above_request))


def memory_pressure_evictions(
    pods: Iterable[PodMemory], capacity: float, threshold: float = EVICTION_HARD_MEMORY
) -> list[PodMemory]:
    """The Pods the kubelet evicts, in order, to bring ``memory.available`` back to ``threshold``.

    ``memory.available`` is ``capacity`` (the memory the node gives its Pods) minus what the Pods
    use. While it is below ``threshold`` the kubelet evicts the next Pod of
    :func:`eviction_order` (one per monitoring interval; the others' usage is taken as constant).
    ``[]`` when the node is not under pressure.
    """
    if not capacity > 0 or not threshold >= 0:
        raise ValueError(f"capacity={capacity!r} must be > 0 and threshold={threshold!r} >= 0")
    ranked = eviction_order(pods)
    used = sum(float(p.used) for p in ranked)
    evicted: list[PodMemory] = []
    for pod in ranked:
        if capacity - used >= threshold:
            break
        evicted.append(pod)
        used -= float(pod.used)
    return evicted


# --------------------------------------------------------------------------- RBAC


def rbac_problems(obj: Mapping[str, Any]) -> list[str]:
    """Least-privilege violations in an RBAC object (``[]`` when none).

    Flags wildcard verbs, resources or API groups in a Role/ClusterRole, and any binding to the
    ``cluster-admin`` ClusterRole.
    """
    kind = obj.get("kind")
    name = object_name(obj)
    problems = []
    if kind in {"Role", "ClusterRole"}:
        for i, rule in enumerate(obj.get("rules") or []):
            for field in ("verbs", "resources", "apiGroups"):
                if "*" in (rule.get(field) or []):
                    problems.append(f"{name}: rule {i} has a wildcard in {field}")
    if kind in {"RoleBinding", "ClusterRoleBinding"}:
        ref = obj.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
            problems.append(f"{name}: binds cluster-admin")
    return problems


# --------------------------------------------------------------------------- the DaskCluster

#: What every scheduler and worker of the course cluster asks for and may use (Guaranteed QoS).
DASKCLUSTER_RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "500m", "memory": "1Gi"},
    "limits": {"cpu": "500m", "memory": "1Gi"},
}


def _modern_cli(args: list[str]) -> list[str]:
    """``dask-scheduler``/``dask-worker`` → ``dask scheduler``/``dask worker``.

    distributed 2026.8 installs only the ``dask`` command with subcommands; the hyphenated
    entry points that ``make_cluster_spec`` still writes are gone from it.
    """
    legacy = {"dask-scheduler": ["dask", "scheduler"], "dask-worker": ["dask", "worker"]}
    if args and args[0] in legacy:
        return legacy[args[0]] + list(args[1:])
    return list(args)


#: Share of a worker container's memory limit that Dask may use (``--memory-limit``). The rest
#: is headroom for what Dask does not count: the nanny process in the same container, the
#: interpreter, and the overshoot between two of Dask's memory checks. With the limit equal to
#: Dask's budget, the kernel's OOM killer acts before Dask's own spill/pause/terminate.
DASK_MEMORY_FRACTION = 0.75
#: Scratch space of every Dask Pod: an ``emptyDir`` at ``/tmp`` (Dask's spill directory, since
#: ``DASK_TEMPORARY_DIRECTORY`` points there), capped by ``sizeLimit`` and by the container's
#: ``ephemeral-storage`` limit, so a spilling worker is evicted alone instead of filling the
#: node's disk (DiskPressure evicts its neighbours too). The root filesystem stays read-only.
SCRATCH_DIR = "/tmp"
SCRATCH_VOLUME = "scratch"
EPHEMERAL_STORAGE = {"requests": "1Gi", "limits": "4Gi"}
SCRATCH_SIZE_LIMIT = EPHEMERAL_STORAGE["limits"]

#: The ``securityContext`` of the Pod and of each container that the Pod Security Standard
#: ``restricted`` requires (plus a read-only root filesystem, which it does not).
POD_SECURITY_CONTEXT: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": IMAGE_UID,
    "runAsGroup": IMAGE_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def dask_memory_limit(container_limit: str | float) -> str:
    """Dask's ``--memory-limit`` for a container memory limit: :data:`DASK_MEMORY_FRACTION` of
    it, in whole MiB (``"1Gi"`` → ``"768MiB"``)."""
    mib = int(parse_quantity(container_limit) * DASK_MEMORY_FRACTION // 2**20)
    return f"{mib}MiB"


def harden_pod(pod_spec: dict[str, Any], *, scratch: bool = True) -> dict[str, Any]:
    """Make a PodSpec meet Pod Security ``restricted`` and the course's least privilege, in place.

    No service-account token (Dask Pods never call the Kubernetes API), the image's numeric
    non-root user, the runtime's default seccomp profile, no privilege escalation, no
    capabilities, a read-only root filesystem and (``scratch``) the capped scratch ``emptyDir``
    at :data:`SCRATCH_DIR` with an ``ephemeral-storage`` request and limit.
    """
    pod_spec["automountServiceAccountToken"] = False
    pod_spec["securityContext"] = copy.deepcopy(POD_SECURITY_CONTEXT)
    for container in _all_containers(pod_spec):
        container["securityContext"] = copy.deepcopy(CONTAINER_SECURITY_CONTEXT)
        if not scratch:
            continue
        mounts = container.setdefault("volumeMounts", [])
        if not any(m.get("name") == SCRATCH_VOLUME for m in mounts):
            mounts.append({"name": SCRATCH_VOLUME, "mountPath": SCRATCH_DIR})
        env = container.setdefault("env", [])
        if not any(e.get("name") == "DASK_TEMPORARY_DIRECTORY" for e in env):
            env.append({"name": "DASK_TEMPORARY_DIRECTORY", "value": SCRATCH_DIR})
        resources = container.setdefault("resources", {})
        for field, value in EPHEMERAL_STORAGE.items():
            resources.setdefault(field, {})["ephemeral-storage"] = value
    if scratch:
        volumes = pod_spec.setdefault("volumes", [])
        if not any(v.get("name") == SCRATCH_VOLUME for v in volumes):
            volumes.append({"name": SCRATCH_VOLUME, "emptyDir": {"sizeLimit": SCRATCH_SIZE_LIMIT}})
    return pod_spec


def make_daskcluster(
    name: str = "bdp-dask",
    image: str | None = None,
    n_workers: int = 2,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    idle_timeout: int = 3600,
) -> Manifest:
    """The course's ``DaskCluster`` custom resource, made by the operator's own generator.

    Calls :func:`dask_kubernetes.operator.make_cluster_spec`, then:

    * the containers start the ``dask scheduler``/``dask worker`` subcommands (the only ones
      distributed 2026.8 provides) and the unset ``env: null`` fields are dropped;
    * every Pod meets Pod Security ``restricted`` with no service-account token, and gets the
      capped scratch ``emptyDir`` for spilling (:func:`harden_pod`);
    * workers get ``--memory-limit`` = :data:`DASK_MEMORY_FRACTION` of their container's memory
      limit (:func:`dask_memory_limit`), so Dask spills, pauses and restarts before the kernel's
      OOM killer acts;
    * scheduler and workers get independent copies of the resources (no YAML anchors).
    """
    from dask_kubernetes.operator import make_cluster_spec

    spec = make_cluster_spec(
        name=name,
        image=image or pinned(COURSE_IMAGE),
        n_workers=n_workers,
        resources=copy.deepcopy(dict(resources or DASKCLUSTER_RESOURCES)),
        worker_command="dask worker",
        idle_timeout=idle_timeout,
    )
    spec = copy.deepcopy(spec)
    for role, pod in pod_specs(spec):
        for container in pod["containers"]:
            container["args"] = _modern_cli(container.get("args") or [])
            if container.get("env") is None:
                container.pop("env", None)
            if role == "worker":
                limit = container["resources"]["limits"]["memory"]
                container["args"] += ["--memory-limit", dask_memory_limit(limit)]
                # like the scheduler's: the worker's HTTP server answers /health
                probe = {"httpGet": {"port": "http-dashboard", "path": "/health"}}
                container["readinessProbe"] = {**probe, "periodSeconds": 5}
                container["livenessProbe"] = {**probe, "initialDelaySeconds": 15,
                                              "periodSeconds": 20}
        harden_pod(pod)
    return spec


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - PyYAML's signature
        return True


def to_yaml(obj: Any) -> str:
    """Block-style YAML, keys in insertion order, no anchors/aliases."""
    return yaml.dump(obj, Dumper=_NoAliasDumper, sort_keys=False, default_flow_style=False)


DASKCLUSTER_HEADER = (
    "# Generated by bdp.k8s.make_daskcluster() (dask_kubernetes.operator.make_cluster_spec);\n"
    "# do not edit: regenerate with `python -m bdp.k8s`. tests/test_k8s.py checks they agree.\n"
)


def daskcluster_yaml(**kwargs: Any) -> str:
    """The text of ``k8s/daskcluster.yaml``: a header comment and :func:`make_daskcluster`."""
    return DASKCLUSTER_HEADER + to_yaml(make_daskcluster(**kwargs))


def write_daskcluster(path: str | Path = DASKCLUSTER_PATH) -> Path:
    """Write :func:`daskcluster_yaml` to ``path`` (atomically) and return the path."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(daskcluster_yaml(), encoding="utf-8")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- Helm values


def load_values(path: str | Path) -> dict[str, Any]:
    """A Helm values file as a dict (empty file → ``{}``)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data or {}


def dig(data: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    """``dig(values, "hub.config.JupyterHub.authenticator_class")``; ``default`` when absent."""
    node: Any = data
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return default
        node = node[key]
    return node


def iter_dicts(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping nested anywhere in ``node`` (depth first)."""
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from iter_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_dicts(value)


# --------------------------------------------------------------------------- Pod Security


#: Volume types the Pod Security Standard ``restricted`` allows (kubernetes.io/docs/concepts/
#: security/pod-security-standards, "Volume Types"; the list is the same in 1.35-1.37).
RESTRICTED_VOLUME_TYPES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
     "projected", "secret"}
)
_VOLUME_META = {"name"}
#: Capabilities ``baseline`` lets a container add (``restricted`` allows only NET_BIND_SERVICE).
_RESTRICTED_ADD = {"NET_BIND_SERVICE"}


def restricted_problems(pod_spec: Mapping[str, Any], where: str = "pod") -> list[str]:
    """Violations of the Pod Security Standard ``restricted`` (1.35-1.37) in a PodSpec.

    The documented rules, both the ``baseline`` ones (no host namespaces, host ports, hostPath,
    privileged containers, unsafe seccomp/sysctls/proc mount/AppArmor) and the ``restricted``
    ones: allowed volume types, ``allowPrivilegeEscalation: false``, ``runAsNonRoot: true`` and
    no ``runAsUser: 0`` (Pod level or every container), seccomp ``RuntimeDefault``/``Localhost``
    (Pod level or every container), capabilities: drop ``ALL``, add at most NET_BIND_SERVICE.
    ``[]`` means the Pod Security admission would admit it in a ``restricted`` namespace.
    """
    problems: list[str] = []
    psc = pod_spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            problems.append(f"{where}: {field} is true")
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        problems.append(f"{where}: windowsOptions.hostProcess is true")
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - _VOLUME_META
        for kind in sorted(kinds - RESTRICTED_VOLUME_TYPES):
            problems.append(f"{where}: volume {volume.get('name')!r} of type {kind} not allowed")
    unsafe = [s.get("name") for s in psc.get("sysctls") or []
              if s.get("name") not in {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                       "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
                                       "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                                       "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                       "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}]
    for name in unsafe:
        problems.append(f"{where}: unsafe sysctl {name}")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if pod_seccomp is not None and pod_seccomp not in {"RuntimeDefault", "Localhost"}:
        problems.append(f"{where}: seccompProfile.type {pod_seccomp} (RuntimeDefault or Localhost)")
    if psc.get("runAsUser") == 0:
        problems.append(f"{where}: runAsUser 0")
    for container in _all_containers(pod_spec) + list(pod_spec.get("ephemeralContainers") or []):
        name = f"{where} container {container.get('name')!r}"
        sc = container.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if non_root is not True:
            problems.append(f"{name}: runAsNonRoot must be true (Pod or container)")
        if sc.get("runAsUser") == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = (sc.get("seccompProfile") or {}).get("type", pod_seccomp)
        if seccomp not in {"RuntimeDefault", "Localhost"}:
            problems.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            problems.append(f"{name}: capabilities must drop ALL")
        for cap in sorted(set(caps.get("add") or []) - _RESTRICTED_ADD):
            problems.append(f"{name}: adds capability {cap}")
        if sc.get("procMount") not in (None, "Default"):
            problems.append(f"{name}: procMount {sc['procMount']}")
        apparmor = (sc.get("appArmorProfile") or {}).get("type")
        if apparmor not in (None, "RuntimeDefault", "Localhost"):
            problems.append(f"{name}: appArmorProfile {apparmor}")
        if ((sc.get("seLinuxOptions") or {}).get("type") or "") not in (
            "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"
        ):
            problems.append(f"{name}: seLinuxOptions.type not allowed")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort {port['hostPort']}")
    return problems


def least_privilege_problems(pod_spec: Mapping[str, Any], where: str = "pod") -> list[str]:
    """The course's rules beyond ``restricted``: no service-account token mounted (Dask, Job and
    notebook-less Pods never call the API), read-only root filesystems."""
    problems = []
    if pod_spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: automountServiceAccountToken must be false")
    for container in _all_containers(pod_spec):
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where} container {container.get('name')!r}: root filesystem writable")
    return problems


# --------------------------------------------------------------------------- API server rules

_RESOURCE_NAME = re.compile(
    r"(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z]+|"
    r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)"
)


def resource_problems(pod_spec: Mapping[str, Any], where: str = "pod") -> list[str]:
    """What the API server's resource validation refuses in a PodSpec (``[]`` when none).

    ``ValidateResourceRequirements``: every quantity parses and is not negative, resource
    names are standard or domain-qualified, and for each resource with a limit the request is
    ≤ the limit ("must be less than or equal to cpu limit"). A schema check cannot see the last
    rule: both fields are valid quantities on their own.
    """
    problems: list[str] = []
    for container in _all_containers(pod_spec):
        name = f"{where} container {container.get('name')!r}"
        res = container.get("resources") or {}
        parsed: dict[str, dict[str, float]] = {}
        for field in ("requests", "limits"):
            parsed[field] = {}
            for resource, value in (res.get(field) or {}).items():
                if not _RESOURCE_NAME.fullmatch(resource):
                    problems.append(f"{name}: {field}.{resource}: invalid resource name")
                try:
                    parsed[field][resource] = parse_quantity(value, resource)
                except ValueError:
                    problems.append(f"{name}: {field}.{resource}: invalid quantity {value!r}")
                    continue
                if parsed[field][resource] < 0:
                    problems.append(f"{name}: {field}.{resource}: negative")
        for resource, limit in parsed["limits"].items():
            request = parsed["requests"].get(resource)
            if request is not None and request > limit:
                problems.append(
                    f"{name}: requests.{resource} {res['requests'][resource]} must be less than "
                    f"or equal to the limit {res['limits'][resource]}"
                )
    return problems


def api_problems(obj: Mapping[str, Any], k8s_version: str = K8S_VERSION) -> list[str]:
    """Everything the API server would refuse in ``obj`` that the offline checks can see:
    the strict schema (:func:`validate`) and the resource rules (:func:`resource_problems`)."""
    problems: list[str] = []
    try:
        validate(obj, k8s_version)
    except ManifestError as err:
        problems.append(str(err))
    for role, spec in pod_specs(obj):
        problems += resource_problems(spec, f"{object_name(obj)} {role}")
    return problems


# --------------------------------------------------------------------------- dask-gateway

#: How the dask-gateway chart forwards ``gateway.backend.*`` values to ``KubeClusterConfig``
#: (its ``templates/gateway/configmap.yaml``; same table in daskhub's sub-chart).
GATEWAY_BACKEND_FIELDS: dict[str, str] = {
    "scheduler_cores": "scheduler.cores.request",
    "scheduler_cores_limit": "scheduler.cores.limit",
    "scheduler_memory": "scheduler.memory.request",
    "scheduler_memory_limit": "scheduler.memory.limit",
    "scheduler_extra_container_config": "scheduler.extraContainerConfig",
    "scheduler_extra_pod_config": "scheduler.extraPodConfig",
    "worker_cores": "worker.cores.request",
    "worker_cores_limit": "worker.cores.limit",
    "worker_memory": "worker.memory.request",
    "worker_memory_limit": "worker.memory.limit",
    "worker_extra_container_config": "worker.extraContainerConfig",
    "worker_extra_pod_config": "worker.extraPodConfig",
    "worker_threads": "worker.threads",
    "image_pull_policy": "image.pullPolicy",
    "environment": "environment",
    "namespace": "namespace",
}
GATEWAY_VALUES = HELM_DIR / "daskhub-values.yaml"


def gateway_section(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``dask-gateway`` chart's values inside DaskHub values (or the values themselves)."""
    return values.get("dask-gateway", values)


def gateway_snippets(values: Mapping[str, Any]) -> dict[str, str]:
    """``gateway.extraConfig`` in the order the chart pastes it (a mapping: sorted keys)."""
    extra = dig(gateway_section(values), "gateway.extraConfig")
    if not extra:
        return {}
    if isinstance(extra, str):
        return {"extraConfig": extra}
    return {key: extra[key] for key in sorted(extra)}


def gateway_config(
    values: Mapping[str, Any], release: str = "dhub", namespace: str = "daskhub"
) -> Any:
    """The traitlets config the chart's gateway and controller would run with, built offline.

    Reproduces what the chart writes before ``extraConfig`` (Kubernetes backend, cluster image,
    the :data:`GATEWAY_BACKEND_FIELDS` forwarding into ``KubeClusterConfig``, the controller's
    instance and API address), then executes the ``extraConfig`` snippets in the chart's order
    with ``c`` bound to the config — the same code the deployed gateway runs.
    """
    from traitlets.config import Config

    gw = gateway_section(values)
    c = Config()
    fullname = release if "dask-gateway" in release else f"{release}-dask-gateway"
    api_url = f"http://api-{fullname}.{namespace}:8000/api"
    c.DaskGateway.backend_class = "dask_gateway_server.backends.kubernetes.KubeBackend"
    c.KubeBackend.gateway_instance = fullname
    c.KubeBackend.api_url = api_url
    c.KubeController.gateway_instance = fullname
    c.KubeController.api_url = api_url
    image = dig(gw, "gateway.backend.image") or {}
    if image.get("name"):
        tag = image.get("tag")
        c.KubeClusterConfig.image = f"{image['name']}:{tag}" if tag else image["name"]
    c.KubeClusterConfig.namespace = namespace
    for trait, dotted in GATEWAY_BACKEND_FIELDS.items():
        value = dig(gw, "gateway.backend." + dotted)
        if value is not None:
            setattr(c.KubeClusterConfig, trait, copy.deepcopy(value))
    for name, text in gateway_snippets(values).items():
        exec(compile(text, f"extraConfig.{name}", "exec"), {"c": c})  # noqa: S102 - shipped config
    return c


def gateway_option_cases(options: Any) -> list[dict[str, Any]]:
    """Requests that cover every option the handler accepts: all defaults, then each field at its
    minimum and maximum (numeric fields) or each choice (``Select``), others at their default."""
    defaults = {f.field: f.get_default() for f in options.fields}
    cases = [dict(defaults)]
    for field in options.fields:
        values = [getattr(field, "min", None), getattr(field, "max", None)]
        values += list(getattr(field, "options", []) or [])
        for value in values:
            if value is not None and value != defaults[field.field]:
                cases.append({**defaults, field.field: value})
    return cases


def render_gateway_pods(
    values: Mapping[str, Any],
    request: Mapping[str, Any] | None = None,
    cluster_name: str = "0123456789abcdef0123456789abcdef",
    **kwargs: Any,
) -> dict[str, Manifest]:
    """The scheduler and worker Pods dask-gateway's Kubernetes backend would create.

    Uses dask-gateway-server's own code end to end: the option handler of the shipped values
    parses ``request`` (a ``new_cluster(**request)``), ``KubeClusterConfig`` takes the overrides,
    its ``to_dict()`` is what the gateway stores in its ``DaskCluster`` object, and the
    controller's ``make_pod`` turns that into the Pods it sends to the API server.
    """
    from dask_gateway_server.backends.kubernetes.backend import KubeClusterConfig
    from dask_gateway_server.backends.kubernetes.controller import KubeController
    from dask_gateway_server.models import User
    from dask_gateway_server.utils import FrozenAttrDict

    c = gateway_config(values, **kwargs)
    overrides: dict[str, Any] = {}
    options = c.Backend.get("cluster_options") if "Backend" in c else None
    if options is not None:
        if callable(options) and not hasattr(options, "parse_options"):
            options = options(User("learner"))
        parsed = options.parse_options(dict(request or {}))
        overrides = options.get_configuration(parsed, User("learner", groups=[]))
    elif request:
        raise ManifestError("the values define no cluster options, but options were requested")
    config = KubeClusterConfig(config=c, **overrides)
    stored = FrozenAttrDict(json.loads(json.dumps(config.to_dict())))  # through the CR's JSON
    controller = KubeController(config=c)
    namespace = config.namespace
    pods = {}
    for role, is_worker in (("scheduler", False), ("worker", True)):
        pod = controller.make_pod(namespace, cluster_name, stored, is_worker=is_worker)
        pod["metadata"].setdefault("name", f"dask-worker-{cluster_name}-x1y2z")
        pod["metadata"].pop("generateName", None)
        pod["metadata"]["namespace"] = namespace
        pods[role] = pod
    return pods


def gateway_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a learner meets on the shipped gateway: the option bounds and the cluster caps."""
    c = gateway_config(values)
    out: dict[str, Any] = {}
    options = c.Backend.get("cluster_options") if "Backend" in c else None
    for field in getattr(options, "fields", []):
        out[field.field] = {"default": field.get_default(), "min": getattr(field, "min", None),
                            "max": getattr(field, "max", None)}
    for key in ("cluster_max_workers", "cluster_max_cores", "cluster_max_memory", "idle_timeout",
                "scheduler_cmd", "worker_cmd"):
        if key in c.get("ClusterConfig", {}):
            out[key] = c.ClusterConfig[key]
    return out


def memory_headroom(pod: Mapping[str, Any]) -> float:
    """Container memory limit minus Dask's ``--memory-limit`` of a worker Pod, in bytes.

    Raises :class:`ManifestError` when the Pod has no ``--memory-limit`` or no memory limit.
    """
    container = pod_specs(pod)[0][1]["containers"][0] if pod.get("kind") != "Pod" else (
        pod["spec"]["containers"][0])
    args = list(container.get("command") or []) + list(container.get("args") or [])
    if "--memory-limit" not in args:
        raise ManifestError(f"{object_name(pod)}: no --memory-limit")
    dask_limit = args[len(args) - 1 - args[::-1].index("--memory-limit") + 1]  # last one wins
    from dask.utils import parse_bytes

    limit = (container.get("resources") or {}).get("limits", {}).get("memory")
    if limit is None:
        raise ManifestError(f"{object_name(pod)}: no memory limit")
    return parse_quantity(limit) - parse_bytes(str(dask_limit))


# --------------------------------------------------------------------------- policy scanner

#: checkov, pinned. It is installed in its own virtual environment (requirements-scan.txt):
#: it pins boto3, packaging and networkx to versions that would downgrade the book's own.
CHECKOV_VERSION = "3.3.30"
#: The scanner's findings the course accepts on purpose, with the reason. The committed
#: manifests carry them as ``checkov.io/skipN`` annotations (the scanner's inline skip for
#: Kubernetes objects); :func:`write_rendered` adds them to the generated Pods.
ACCEPTED_FINDINGS: dict[str, str] = {
    "CKV_K8S_15": "IfNotPresent on purpose - the lab loads the image into kind with `kind load` "
    "(no registry), and a published image is pinned by an immutable version tag",
    "CKV_K8S_40": "UID 1000 on purpose - the image's user owns bind-mounted data in the Compose "
    "lab; with runAsNonRoot, no privileges and no capabilities a UID clash gives no host access",
    "CKV_K8S_43": "pinned by an immutable version tag until .github/workflows/images.yml "
    "publishes the image; it then writes name:tag@sha256 into the manifests "
    "(python -m bdp.k8s pin)",
}


#: What the offline scan cannot cover, and why: Helm values are inputs to chart templates, and
#: no ``helm`` binary (nor the charts) is available offline; only the Pods that dask-gateway-server's
#: own Python code generates from the values can be rendered here (:func:`rendered_pods`).
NOT_SCANNED: dict[str, str] = {
    "helm/jupyterhub-values.yaml": "z2jh's hub, proxy, user-scheduler, placeholder, image-puller "
    "and single-user Pods come from the chart's templates (helm template needs the chart)",
    "helm/daskhub-values.yaml (jupyterhub:)": "the same z2jh Pods, inside DaskHub",
    "helm/daskhub-values.yaml (dask-gateway: api, controller, traefik)": "the gateway chart's "
    "own Deployments come from its templates",
    "helm/dask-values.yaml": "the dask chart's scheduler/worker Deployments come from its "
    "templates; k8s/dask/ is the checked equivalent",
}


def checkov_executable() -> str | None:
    """The pinned checkov: ``$BDP_CHECKOV``, else ``checkov`` on the PATH, else
    ``/opt/checkov-venv/bin/checkov`` (where ``requirements-scan.txt`` says to install it)."""
    import os
    import shutil

    for candidate in (os.environ.get("BDP_CHECKOV"), shutil.which("checkov"),
                      "/opt/checkov-venv/bin/checkov"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def run_checkov(folder: str | Path, timeout: float = 600) -> dict[str, Any]:
    """Run checkov's Kubernetes checks on every manifest under ``folder``, offline.

    Returns ``{"failed": {check_id: [resource, ...]}, "skipped": {check_id: [...]},
    "summary": {...}, "version": ...}``. ``--skip-download`` keeps checkov off the network.
    """
    import os
    import subprocess

    exe = checkov_executable()
    if exe is None:
        raise FileNotFoundError(
            "checkov is not installed: python -m venv /opt/checkov-venv && "
            "/opt/checkov-venv/bin/pip install -r requirements-scan.txt"
        )
    import tempfile

    # checkov's HCL parser (lark) caches its grammar in TMPDIR: give it a folder of its own,
    # removed afterwards, so that a scan leaves nothing behind
    with tempfile.TemporaryDirectory(prefix="bdp-checkov-") as scratch:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(TMPDIR=scratch, TEMP=scratch, TMP=scratch)
        done = subprocess.run(
            [exe, "--directory", str(folder), "--framework", "kubernetes", "--output", "json",
             "--skip-download", "--compact"],
            capture_output=True, text=True, timeout=timeout, check=False, env=env,
        )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    out: dict[str, Any] = {"failed": {}, "skipped": {}, "summary": {}, "version": None,
                           "findings": []}
    for rep in reports:
        if "results" not in rep:  # an empty scan prints a summary only
            continue
        for key, field in (("failed", "failed_checks"), ("skipped", "skipped_checks")):
            for finding in rep["results"].get(field, []):
                out[key].setdefault(finding["check_id"], []).append(finding["resource"])
                out["findings"].append({
                    "resource": finding["resource"], "check_id": finding["check_id"],
                    "check_name": finding.get("check_name", ""), "status": key,
                    "reason": (finding.get("check_result") or {}).get("suppress_comment", ""),
                })
        out["summary"] = rep.get("summary", {})
        out["version"] = out["summary"].get("checkov_version")
    return out


# --------------------------------------------------------------------------- image pins

_IMAGE_REF = re.compile(
    r"^(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
#: Tags that move by design: a manifest using one does not say what it runs.
MOVING_TAGS = frozenset({"latest", "main", "master", "stable", "edge", "nightly", "dev"})


def image_lock(path: str | Path = IMAGES_LOCK) -> dict[str, str | None]:
    """``{name:tag: digest or None}`` of the course images (``docker/images.lock.json``)."""
    return dict(json.loads(Path(path).read_text(encoding="utf-8"))["images"])


def image_problems(ref: str, lock: Mapping[str, str | None] | None = None) -> list[str]:
    """Why an image reference is not pinned (``[]`` when it is).

    A reference needs an explicit tag that is not a moving one (``latest``...) or a digest;
    a course image whose digest is recorded in the lock must carry that digest.
    """
    match = _IMAGE_REF.match(ref)
    if not match:
        return [f"{ref!r}: not an image reference"]
    name, tag, digest = match.group("name", "tag", "digest")
    problems = []
    if tag is None and digest is None:
        problems.append(f"{ref}: no tag and no digest (means :latest)")
    if tag is not None and tag.lower() in MOVING_TAGS:
        problems.append(f"{ref}: moving tag {tag!r}")
    locked = (lock if lock is not None else image_lock()).get(f"{name}:{tag}")
    if locked and digest != locked:
        problems.append(f"{ref}: published as {name}:{tag}@{locked}; pin the digest")
    return problems


def pinned(ref: str, lock: Mapping[str, str | None] | None = None) -> str:
    """``name:tag@digest`` when the lock records a digest for ``name:tag``, else ``ref``."""
    digest = (lock if lock is not None else image_lock()).get(ref)
    return f"{ref}@{digest}" if digest else ref


def image_references(roots: Iterable[str | Path] = (K8S_DIR, HELM_DIR)) -> list[tuple[str, str]]:
    """``[(file, image reference)]`` of every container image named in manifests and Helm
    values (``image: ref`` fields and Helm-style ``{name|repository, tag}`` mappings)."""
    refs = []
    for root in roots:
        for path in manifest_files(root):
            rel = str(path.relative_to(REPO_ROOT))
            for doc in load_manifests(path):
                for node in iter_dicts(doc):
                    image = node.get("image")
                    if isinstance(image, str):
                        refs.append((rel, image))
                    elif isinstance(image, Mapping) and (image.get("name")
                                                         or image.get("repository")):
                        base = image.get("name") or image.get("repository")
                        tag = image.get("tag")
                        refs.append((rel, f"{base}:{tag}" if tag not in (None, "") else base))
    return refs


def pin_images(lock_path: str | Path = IMAGES_LOCK,
               roots: Iterable[str | Path] = (K8S_DIR, HELM_DIR)) -> list[Path]:
    """Write the recorded digests into manifests and Helm values (text edits, comments kept),
    regenerate ``k8s/daskcluster.yaml``; return the files changed."""
    lock = image_lock(lock_path)
    changed = []
    for root in roots:
        for path in manifest_files(root):
            text = original = path.read_text(encoding="utf-8")
            for ref, digest in lock.items():
                if not digest:
                    continue
                name, tag = ref.rsplit(":", 1)
                text = re.sub(rf"(image:\s*){re.escape(ref)}(?!@)", rf"\g<1>{ref}@{digest}", text)
                text = re.sub(
                    rf"((?:name|repository):\s*{re.escape(name)}\s*\n\s*tag:\s*)"
                    rf"([\"']?){re.escape(tag)}\2(?=\s)",
                    rf'\g<1>"{tag}@{digest}"', text)
            if text != original:
                path.write_text(text, encoding="utf-8")
                changed.append(path)
    return changed


def as_pod(name: str, pod_spec: Mapping[str, Any], namespace: str = "bdp",
           labels: Mapping[str, str] | None = None) -> Manifest:
    """A PodSpec wrapped as a ``Pod`` object (to scan the Pods a custom resource creates)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": copy.deepcopy(dict(pod_spec)),
    }


def rendered_pods(values_path: str | Path = GATEWAY_VALUES,
                  daskcluster_path: str | Path = DASKCLUSTER_PATH) -> dict[str, Manifest]:
    """``{file name: Pod}`` of every Pod the shipped configs create that is not itself a file
    in ``k8s/``: the gateway's scheduler and worker for each option case
    (:func:`gateway_option_cases`) and the Pods of the committed ``DaskCluster``."""
    values = load_values(values_path)
    options = gateway_config(values).Backend.get("cluster_options")
    cases = gateway_option_cases(options) if options is not None else [{}]
    out: dict[str, Manifest] = {}
    for i, case in enumerate(cases):
        for role, pod in render_gateway_pods(values, case).items():
            pod = copy.deepcopy(pod)
            pod["metadata"]["name"] = f"gateway-{role}-case{i}"
            out[f"gateway-{role}-case{i}.yaml"] = pod
    for obj in load_manifests(daskcluster_path):
        for role, spec in pod_specs(obj):
            name = f"{obj['metadata']['name']}-{role}"
            out[f"daskcluster-{role}.yaml"] = as_pod(
                name, spec, labels={"dask.org/cluster-name": obj["metadata"]["name"],
                                    "dask.org/component": role})
    return out


def write_rendered(folder: str | Path) -> list[Path]:
    """Write :func:`rendered_pods` as YAML files into ``folder`` (for a policy scanner)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, pod in rendered_pods().items():
        pod = with_accepted_skips(pod)
        path = folder / name
        path.write_text(to_yaml(pod), encoding="utf-8")
        paths.append(path)
    return paths



def with_accepted_skips(obj: Mapping[str, Any]) -> Manifest:
    """A copy of ``obj`` annotated with :data:`ACCEPTED_FINDINGS` as checkov's inline skips
    (``checkov.io/skipN: CHECK_ID=reason``): the scanner then reports them as *skipped*, with
    the reason, instead of failed."""
    obj = copy.deepcopy(dict(obj))
    annotations = obj.setdefault("metadata", {}).setdefault("annotations", {})
    for i, (check, reason) in enumerate(sorted(ACCEPTED_FINDINGS.items()), start=1):
        annotations[f"checkov.io/skip{i}"] = f"{check}={reason}"
    return obj


# --------------------------------------------------------------------------- kustomize


def split_image(ref: str) -> tuple[str, str, str]:
    """``(name, tag, digest)`` of an image reference, as kustomize splits it: the tag follows
    the last ``:`` after the last ``/``, the digest follows ``@`` (each ``""`` when absent)."""
    rest, _, digest = ref.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1:], digest
    return rest, "", digest


def kustomize_image(ref: str, entry: Mapping[str, str]) -> str | None:
    """The reference an ``images:`` entry of a kustomization makes of ``ref``, or ``None`` when
    the entry does not match it (the name must be equal, whatever the tag and digest).

    kustomize's rules: ``newName`` replaces the name; ``newTag`` and ``digest`` each replace
    *both* the tag and the digest of the original (a base pinned by digest loses its digest when
    the overlay gives a tag)."""
    name, tag, digest = split_image(ref)
    if name != entry["name"]:
        return None
    name = entry.get("newName") or name
    new_tag, new_digest = str(entry.get("newTag") or ""), str(entry.get("digest") or "")
    if new_tag or new_digest:
        tag, digest = new_tag, new_digest
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def apply_images(obj: Mapping[str, Any], images: Sequence[Mapping[str, str]]) -> Manifest:
    """A copy of ``obj`` with kustomize's image transformer applied: every ``image`` of every
    list named ``containers`` or ``initContainers``, at any depth (Pods, Deployments, Jobs,
    CronJobs, custom resources), is rewritten by the first matching entry of ``images``."""
    out = copy.deepcopy(dict(obj))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for container in value:
                        image = container.get("image") if isinstance(container, dict) else None
                        for entry in images if isinstance(image, str) else ():
                            new = kustomize_image(image, entry)
                            if new is not None:
                                container["image"] = new
                                break
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(out)
    return out


def kustomization_file(folder: str | Path) -> Path:
    """The one kustomization file of ``folder`` (kustomize refuses a folder with none or two)."""
    found = [Path(folder) / n for n in KUSTOMIZATION_NAMES if (Path(folder) / n).is_file()]
    if len(found) != 1:
        raise ManifestError(f"{folder}: expected one of {KUSTOMIZATION_NAMES}, found {found}")
    return found[0]


#: The kustomization fields :func:`kustomize_build` implements; any other field is an error.
KUSTOMIZE_FIELDS = {"apiVersion", "kind", "resources", "images"}


def kustomize_build(folder: str | Path) -> list[Manifest]:
    """The objects ``kustomize build FOLDER`` would emit, for the subset of kustomize the course
    uses: ``resources`` (files in or below the folder, and folders holding a kustomization) and
    ``images`` (:func:`apply_images`). Objects come in resource order, not in kustomize's
    kind order. Anything else raises :class:`ManifestError`, as do files outside the folder
    (kustomize's default load restriction) and an object listed twice."""
    folder = Path(folder).resolve()
    spec = yaml.safe_load(kustomization_file(folder).read_text(encoding="utf-8")) or {}
    unknown = set(spec) - KUSTOMIZE_FIELDS
    if unknown:
        raise ManifestError(f"{folder}: kustomize fields not modelled here: {sorted(unknown)}")
    if spec.get("kind", "Kustomization") != "Kustomization":
        raise ManifestError(f"{folder}: kind {spec.get('kind')!r} is not Kustomization")
    objects: list[Manifest] = []
    for entry in spec.get("resources") or []:
        path = (folder / entry).resolve()
        if path.is_dir():
            objects += kustomize_build(path)
        elif path.is_file() and path.is_relative_to(folder):
            objects += load_manifests(path)
        elif path.is_file():
            raise ManifestError(f"{folder}: {entry} is a file outside the kustomization's folder "
                                "(kustomize refuses it; list its folder instead)")
        else:
            raise ManifestError(f"{folder}: resource {entry} does not exist")
    seen = [(o.get("apiVersion"), o.get("kind"), (o.get("metadata") or {}).get("namespace"),
             (o.get("metadata") or {}).get("name")) for o in objects]
    if len(set(seen)) != len(seen):
        raise ManifestError(f"{folder}: an object is listed twice")
    images = spec.get("images") or []
    return [apply_images(o, images) for o in objects]


# --------------------------------------------------------------------------- policy subset

#: The checkov checks on a Pod's own spec that :func:`policy_findings` re-implements, each
#: with its checkov title and what it protects against (used by chapter 20 and as the
#: fallback where checkov is not installed). Graph checks such as CKV2_K8S_6 (a NetworkPolicy
#: selects the Pod) need the other manifests and are left to checkov.
POLICY_CHECKS: dict[str, tuple[str, str]] = {
    "CKV_K8S_8": ("Liveness Probe Should be Configured",
                  "a hung process is restarted instead of holding its slot"),
    "CKV_K8S_9": ("Readiness Probe Should be Configured",
                  "no traffic reaches a container before it can answer"),
    "CKV_K8S_10": ("CPU requests should be set",
                   "the scheduler places the Pod by what it needs"),
    "CKV_K8S_11": ("CPU limits should be set",
                   "one Pod cannot take every core of its node"),
    "CKV_K8S_12": ("Memory requests should be set",
                   "the scheduler places the Pod by what it needs"),
    "CKV_K8S_13": ("Memory limits should be set",
                   "one Pod cannot exhaust its node's memory"),
    "CKV_K8S_14": ("Image Tag should be fixed - not latest or blank",
                   "a moving tag runs different code on every pull"),
    "CKV_K8S_15": ("Image Pull Policy should be Always",
                   "a node cannot run a stale or locally planted image"),
    "CKV_K8S_20": ("Containers should not run with allowPrivilegeEscalation",
                   "setuid binaries cannot raise a process's privileges"),
    "CKV_K8S_21": ("The default namespace should not be used",
                   "quotas, policies and RBAC of a namespace apply to the Pod"),
    "CKV_K8S_22": ("Use read-only filesystem for containers where possible",
                   "an intruder cannot change the image's files"),
    "CKV_K8S_23": ("Minimize the admission of root containers",
                   "a container escape does not start as root"),
    "CKV_K8S_28": ("Minimize the admission of containers with the NET_RAW capability",
                   "no raw sockets: no spoofed packets to neighbours"),
    "CKV_K8S_29": ("Apply security context to your pods and containers",
                   "the Pod states its user and system-call filter"),
    "CKV_K8S_30": ("Apply security context to your containers",
                   "each container states its privileges"),
    "CKV_K8S_31": ("Ensure that the seccomp profile is set to docker/default or "
                   "runtime/default", "rarely needed system calls are blocked"),
    "CKV_K8S_37": ("Minimize the admission of containers with capabilities assigned",
                   "no Linux capability beyond what the program needs"),
    "CKV_K8S_38": ("Ensure that Service Account Tokens are only mounted where necessary",
                   "code in the Pod gets no credential for the API server"),
    "CKV_K8S_40": ("Containers should run as a high UID to avoid host conflict",
                   "the UID matches no user of the node"),
    "CKV_K8S_43": ("Image should use digest",
                   "the Pod runs exactly the image that was reviewed"),
}


def _image_tag(image: str) -> tuple[str, bool]:
    """(tag, has digest) of an image reference; the tag is ``""`` when absent."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return tag, bool(digest)


def policy_findings(obj: Mapping[str, Any]) -> list[str]:
    """The :data:`POLICY_CHECKS` that a Pod or workload (Deployment, Job, ...) fails, in pure
    Python: a small model of checkov's rules on a Pod's own spec, for where checkov is not
    installed and for quick checks. Values inherited from the Pod's ``securityContext`` count
    for its containers. Not a replacement for the scanner (chapter 20 compares the two).
    """
    spec = pod_specs(obj)[0][1] if obj.get("kind") != "Pod" else obj["spec"]
    pod_sc = spec.get("securityContext") or {}
    containers = list(spec.get("containers") or [])
    failed: set[str] = set()

    def effective(c: Mapping[str, Any], key: str) -> Any:
        sc = c.get("securityContext") or {}
        return sc[key] if key in sc else pod_sc.get(key)

    seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp != "RuntimeDefault" and not all(
            ((c.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
            == "RuntimeDefault" for c in containers):
        failed.add("CKV_K8S_31")
    if not pod_sc:
        failed.add("CKV_K8S_29")
    if spec.get("automountServiceAccountToken") is not False:
        failed.add("CKV_K8S_38")
    if (obj.get("metadata") or {}).get("namespace", "default") == "default":
        failed.add("CKV_K8S_21")
    for c in containers:
        sc = c.get("securityContext") or {}
        res = c.get("resources") or {}
        for check, (field, kind) in {"CKV_K8S_10": ("requests", "cpu"),
                                     "CKV_K8S_11": ("limits", "cpu"),
                                     "CKV_K8S_12": ("requests", "memory"),
                                     "CKV_K8S_13": ("limits", "memory")}.items():
            if not (res.get(field) or {}).get(kind):
                failed.add(check)
        failed.update(check for check, probe in (("CKV_K8S_8", "livenessProbe"),
                                                  ("CKV_K8S_9", "readinessProbe"))
                      if not c.get(probe))
        tag, digest = _image_tag(str(c.get("image", "")))
        if tag in ("", "latest") and not digest:
            failed.add("CKV_K8S_14")
        if not digest:
            failed.add("CKV_K8S_43")
            policy = c.get("imagePullPolicy")
            if (policy is None and tag not in ("", "latest")) or (
                    policy is not None and policy != "Always"):
                failed.add("CKV_K8S_15")
        if not sc:
            failed.add("CKV_K8S_30")
        if sc.get("allowPrivilegeEscalation") is not False:
            failed.add("CKV_K8S_20")
        if sc.get("readOnlyRootFilesystem") is not True:
            failed.add("CKV_K8S_22")
        drop = [str(d) for d in (sc.get("capabilities") or {}).get("drop") or []]
        if not any(d in ("ALL", "all") for d in drop):
            failed.add("CKV_K8S_37")
            if "NET_RAW" not in drop:
                failed.add("CKV_K8S_28")
        user = effective(c, "runAsUser")
        if effective(c, "runAsNonRoot") is not True and not (user or 0) >= 1:
            failed.add("CKV_K8S_23")
        if spec.get("hostUsers") is not False and not (user or 0) >= 10000:
            failed.add("CKV_K8S_40")
    return sorted(failed, key=lambda check: int(check.rsplit("_", 1)[1]))


@dataclass(frozen=True)
class PolicyScan:
    """One policy scan: which scanner ran and one row per finding
    (``resource``, ``check_id``, ``check_name``, ``status`` failed/skipped, ``reason``)."""

    scanner: str
    rows: list[dict[str, str]]

    def count(self, resource: str, status: str = "failed") -> int:
        """How many findings of ``status`` one resource (``Kind.namespace.name``) has."""
        return sum(r["resource"] == resource and r["status"] == status for r in self.rows)


def scan_pods(objects: Mapping[str, Mapping[str, Any]],
              extra_files: Sequence[str | Path] = ()) -> PolicyScan:
    """Scan manifests (``{file name: object}``, plus ``extra_files`` such as the namespace's
    NetworkPolicies) with checkov, in a temporary folder removed afterwards.

    Where checkov is not installed (Binder, Colab), fall back to :func:`policy_findings`, and
    say so in :attr:`PolicyScan.scanner`: that subset has no graph checks (CKV2_K8S_6).
    """
    import shutil
    import tempfile

    if checkov_executable() is None:
        rows = []
        for obj in objects.values():
            resource = (f"{obj['kind']}.{obj['metadata'].get('namespace', 'default')}."
                        f"{obj['metadata']['name']}")
            notes = (obj["metadata"].get("annotations") or {}).values()
            skipped = dict(str(n).split("=", 1) for n in notes if "=" in str(n))
            for check in policy_findings(obj):
                rows.append({"resource": resource, "check_id": check,
                             "check_name": POLICY_CHECKS[check][0],
                             "status": "skipped" if check in skipped else "failed",
                             "reason": skipped.get(check, "")})
        return PolicyScan("bdp.k8s.policy_findings, a pure-Python subset of checkov's "
                          "checks (checkov is not installed here)", rows)
    folder = Path(tempfile.mkdtemp(prefix="bdp-scan-"))
    try:
        for name, obj in objects.items():
            (folder / name).write_text(to_yaml(obj), encoding="utf-8")
        for path in extra_files:
            shutil.copy(path, folder / Path(path).name)
        result = run_checkov(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return PolicyScan(f"checkov {result['version']}", result["findings"])

__all__ = [
    "ACCEPTED_FINDINGS",
    "CHECKOV_VERSION",
    "COURSE_IMAGE",
    "DASK_IMAGE",
    "DASK_MEMORY_FRACTION",
    "DASKCLUSTER_PATH",
    "EVICTION_HARD_MEMORY",
    "GATEWAY_VALUES",
    "HELM_DIR",
    "IMAGE_VERSION",
    "K8S_DIR",
    "K8S_TARGET_VERSION",
    "K8S_VERSION",
    "K8S_VERSIONS",
    "GKE_JOB_OVERLAY",
    "GKE_OVERLAY",
    "KUSTOMIZATION_NAMES",
    "KUSTOMIZE_FIELDS",
    "NOT_SCANNED",
    "NOTEBOOK_IMAGE",
    "POLICY_CHECKS",
    "api_problems",
    "apply_images",
    "as_pod",
    "checkov_executable",
    "ContainerRow",
    "crd_schema",
    "dask_memory_limit",
    "daskcluster_yaml",
    "dig",
    "eviction_order",
    "gateway_config",
    "gateway_option_cases",
    "gateway_settings",
    "gateway_snippets",
    "harden_pod",
    "image_lock",
    "image_problems",
    "image_references",
    "iter_dicts",
    "kustomization_file",
    "kustomize_build",
    "kustomize_image",
    "least_privilege_problems",
    "load_manifests",
    "load_values",
    "make_daskcluster",
    "manifest_files",
    "ManifestError",
    "memory_headroom",
    "memory_pressure_evictions",
    "missing_resources",
    "object_name",
    "parse_quantity",
    "pin_images",
    "pinned",
    "pod_memory_request",
    "pod_specs",
    "PodMemory",
    "policy_findings",
    "PolicyScan",
    "qos_class",
    "rbac_problems",
    "render_gateway_pods",
    "rendered_pods",
    "resource_problems",
    "resource_rows",
    "restricted_problems",
    "run_checkov",
    "scan_pods",
    "split_image",
    "to_yaml",
    "validate",
    "validate_file",
    "with_accepted_skips",
    "write_daskcluster",
    "write_rendered",
]


def main(argv: list[str] | None = None) -> int:
    """``python -m bdp.k8s`` regenerates ``k8s/daskcluster.yaml``; ``python -m bdp.k8s pin``
    first writes the digests of ``docker/images.lock.json`` into ``k8s/`` and ``helm/``."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["pin"]:
        for path in pin_images():
            print(f"pinned {path.relative_to(REPO_ROOT)}")
    print(f"wrote {write_daskcluster()}")
    return 0


if __name__ == "__main__":  # python -m bdp.k8s [pin]
    raise SystemExit(main())
