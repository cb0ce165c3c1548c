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
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
K8S_DIR = REPO_ROOT / "k8s"
HELM_DIR = REPO_ROOT / "helm"
DASKCLUSTER_PATH = K8S_DIR / "daskcluster.yaml"

#: Oldest Kubernetes minor the manifests must be valid for (the kind lab runs 1.33).
K8S_VERSION = "1.33.0"
#: The course image, built from ``docker/dask/Dockerfile``: client, scheduler and workers share it.
COURSE_IMAGE = "ghcr.io/bdp-course/dask:2026.8.0"
DASK_CRD_GROUP = "kubernetes.dask.org"

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
    """Every ``*.yaml``/``*.yml`` file under ``root``, sorted."""
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


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

_CPU_SUFFIX = {"m": 1e-3, "": 1.0}
_MEM_SUFFIX = {
    "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip


def parse_quantity(value: str | int | float, resource: str = "memory") -> float:
    """A Kubernetes quantity as a number: CPU in cores (``"250m"`` → 0.25), memory in bytes."""
    text = str(value).strip()
    match = re.fullmatch(r"([0-9.]+(?:e[0-9]+)?)([a-zA-Z]*)", text)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    number, suffix = float(match.group(1)), match.group(2)
    table = _CPU_SUFFIX if resource == "cpu" else _MEM_SUFFIX
    if suffix not in table:
        raise ValueError(f"unknown {resource} suffix {suffix!r} in {value!r}")
    return number * table[suffix]


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


def make_daskcluster(
    name: str = "bdp-dask",
    image: str = COURSE_IMAGE,
    n_workers: int = 2,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    idle_timeout: int = 3600,
) -> Manifest:
    """The course's ``DaskCluster`` custom resource, made by the operator's own generator.

    Calls :func:`dask_kubernetes.operator.make_cluster_spec`, then applies three small fixes:
    the containers start the ``dask scheduler``/``dask worker`` subcommands (the only ones
    distributed 2026.8 provides), the unset ``env: null`` fields are dropped (the CRD schema
    has no ``null`` for them), and scheduler and workers get independent copies of the
    resources (no YAML anchors in the committed file).
    """
    from dask_kubernetes.operator import make_cluster_spec

    spec = make_cluster_spec(
        name=name,
        image=image,
        n_workers=n_workers,
        resources=copy.deepcopy(dict(resources or DASKCLUSTER_RESOURCES)),
        worker_command="dask worker",
        idle_timeout=idle_timeout,
    )
    spec = copy.deepcopy(spec)
    for _role, pod in pod_specs(spec):
        for container in pod["containers"]:
            container["args"] = _modern_cli(container.get("args") or [])
            if container.get("env") is None:
                container.pop("env", None)
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


__all__ = [
    "COURSE_IMAGE",
    "DASKCLUSTER_PATH",
    "HELM_DIR",
    "K8S_DIR",
    "K8S_VERSION",
    "ContainerRow",
    "ManifestError",
    "crd_schema",
    "daskcluster_yaml",
    "dig",
    "iter_dicts",
    "load_manifests",
    "load_values",
    "make_daskcluster",
    "manifest_files",
    "missing_resources",
    "object_name",
    "parse_quantity",
    "pod_specs",
    "qos_class",
    "rbac_problems",
    "resource_rows",
    "to_yaml",
    "validate",
    "validate_file",
    "write_daskcluster",
]


if __name__ == "__main__":  # python -m bdp.k8s
    print(f"wrote {write_daskcluster()}")
